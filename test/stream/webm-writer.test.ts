// The test-video muxer writes a WebM a browser can seek over HTTP ranges: known sizes, Duration, and Cues placed
// before the clusters whose positions point exactly at Cluster elements opening on keyframes.
import { describe, expect, it } from 'vitest';
import { vint, writeWebm, type EncodedFrame } from '../../src/stream/lab/webm-writer.ts';

interface El {
  id: number;
  start: number;
  dataStart: number;
  end: number;
}

function readVint(b: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number } {
  const first = b[at]!;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  let value = keepMarker ? first : first & ((0x80 >> (length - 1)) - 1);
  for (let i = 1; i < length; i++) value = value * 256 + b[at + i]!;
  return { value, length };
}

function children(b: Uint8Array, from: number, to: number): El[] {
  const out: El[] = [];
  for (let at = from; at < to;) {
    const id = readVint(b, at, true);
    const size = readVint(b, at + id.length, false);
    const dataStart = at + id.length + size.length;
    out.push({ id: id.value, start: at, dataStart, end: dataStart + size.value });
    at = dataStart + size.value;
  }
  return out;
}

function uintOf(b: Uint8Array, el: El): number {
  let v = 0;
  for (let i = el.dataStart; i < el.end; i++) v = v * 256 + b[i]!;
  return v;
}

const frames: EncodedFrame[] = Array.from({ length: 90 }, (_, i) => ({
  time_ms: Math.round((i * 1000) / 30),
  key: i % 30 === 0,
  data: new Uint8Array(100 + (i % 7)).fill(i),
}));

describe('writeWebm', () => {
  const file = writeWebm({ codec_id: 'V_VP8', width: 64, height: 48 }, frames, 3000);
  const top = children(file, 0, file.length);

  it('is an EBML header and one Segment of known size spanning the file', () => {
    expect(top.map((e) => e.id)).toEqual([0x1a45dfa3, 0x18538067]);
    expect(top[1]!.end).toBe(file.length);
  });

  it('has Info with the duration, Tracks, Cues, then one cluster per keyframe', () => {
    const segment = top[1]!;
    const level1 = children(file, segment.dataStart, segment.end);
    expect(level1.map((e) => e.id)).toEqual([0x1549a966, 0x1654ae6b, 0x1c53bb6b, 0x1f43b675, 0x1f43b675, 0x1f43b675]);
    const duration = children(file, level1[0]!.dataStart, level1[0]!.end).find((e) => e.id === 0x4489)!;
    expect(new DataView(file.buffer, duration.dataStart, 8).getFloat64(0)).toBe(3000);

    const cues = children(file, level1[2]!.dataStart, level1[2]!.end);
    expect(cues).toHaveLength(3);
    cues.forEach((cue, i) => {
      const [time, positions] = children(file, cue.dataStart, cue.end);
      expect(uintOf(file, time!)).toBe(i * 1000);
      const clusterPosition = children(file, positions!.dataStart, positions!.end).find((e) => e.id === 0xf1)!;
      // Cue positions count from the first byte of the Segment's data.
      expect(segment.dataStart + uintOf(file, clusterPosition)).toBe(level1[3 + i]!.start);
    });
  });

  it('writes every frame once as a SimpleBlock with its keyframe flag and time offset', () => {
    const segment = top[1]!;
    const clusters = children(file, segment.dataStart, segment.end).filter((e) => e.id === 0x1f43b675);
    let seen = 0;
    for (const cluster of clusters) {
      const [timecode, ...blocks] = children(file, cluster.dataStart, cluster.end);
      const base = uintOf(file, timecode!);
      for (const block of blocks) {
        const frame = frames[seen++]!;
        expect(file[block.dataStart]).toBe(0x81);
        expect(new DataView(file.buffer, block.dataStart + 1, 2).getInt16(0)).toBe(frame.time_ms - base);
        expect(file[block.dataStart + 3]).toBe(frame.key ? 0x80 : 0);
        expect(block.end - block.dataStart - 4).toBe(frame.data.length);
      }
    }
    expect(seen).toBe(frames.length);
  });

  it('refuses a first frame that is not a keyframe; vints reject the reserved all-ones value', () => {
    expect(() => writeWebm({ codec_id: 'V_VP8', width: 2, height: 2 }, [{ time_ms: 0, key: false, data: new Uint8Array(1) }], 1)).toThrow();
    expect([...vint(126)]).toEqual([0xfe]);
    expect([...vint(127)]).toEqual([0x40, 0x7f]);
    expect(() => vint(127, 1)).toThrow(RangeError);
  });
});

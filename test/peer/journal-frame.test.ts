// The channel journal's framing: every whole record before a torn or corrupted byte is read back, nothing after it,
// and no damaged record is ever returned — for random records, random truncation points and random bit flips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  crc32, decodeEntry, decodeFrames, encodeEntry, encodeFrame, FRAME_HEADER_BYTES, MAX_RECORD_BYTES, replay, type JournalEntry,
} from '../../src/peer/journal-frame.ts';

const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const payloads = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 });

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });
});

describe('frames', () => {
  it('round-trips any sequence of payloads', () => {
    fc.assert(fc.property(payloads, (ps) => {
      const { payloads: out, valid_bytes } = decodeFrames(concat(ps.map(encodeFrame)));
      expect(out.map((p) => [...p])).toEqual(ps.map((p) => [...p]));
      expect(valid_bytes).toBe(ps.reduce((n, p) => n + FRAME_HEADER_BYTES + p.length, 0));
    }));
  });

  it('a file cut at any byte yields exactly the records wholly before the cut', () => {
    fc.assert(fc.property(payloads, fc.nat(), (ps, cutSeed) => {
      const frames = ps.map(encodeFrame);
      const file = concat(frames);
      const cut = file.length === 0 ? 0 : cutSeed % (file.length + 1);
      const { payloads: out, valid_bytes } = decodeFrames(file.subarray(0, cut));
      let whole = 0;
      let bytes = 0;
      for (const f of frames) {
        if (bytes + f.length > cut) break;
        bytes += f.length;
        whole++;
      }
      expect(out.length).toBe(whole);
      expect(valid_bytes).toBe(bytes);
      expect(out.map((p) => [...p])).toEqual(ps.slice(0, whole).map((p) => [...p]));
    }));
  });

  it('a flipped bit ends the read at the damaged record, never returns it', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 10 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (ps, at, bit) => {
      const frames = ps.map(encodeFrame);
      const file = concat(frames);
      const flip = at % file.length;
      file[flip] = (file[flip] as number) ^ (1 << bit);
      let damaged = 0;
      for (let bytes = 0; bytes + (frames[damaged] as Uint8Array).length <= flip; damaged++) bytes += (frames[damaged] as Uint8Array).length;
      const { payloads: out } = decodeFrames(file);
      expect(out.map((p) => [...p])).toEqual(ps.slice(0, damaged).map((p) => [...p]));
    }));
  });

  it('rejects a header claiming more than the record limit, and refuses to write one', () => {
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    new DataView(header.buffer).setUint32(0, MAX_RECORD_BYTES + 1, true);
    expect(decodeFrames(header)).toEqual({ payloads: [], valid_bytes: 0 });
    expect(() => encodeFrame(new Uint8Array(MAX_RECORD_BYTES + 1))).toThrow(/exceeds/);
  });
});

describe('entries and replay', () => {
  it('skips payloads that pass the checksum but are no entry', () => {
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    for (const bad of [{}, [1, 'k'], [-1, 'k', 'x'], [1.5, 'k', 'x'], [1, '', 'x'], [1, 'k', 7], ['1', 'k', 'x']]) expect(decodeEntry(enc(bad))).toBeNull();
    expect(decodeEntry(new Uint8Array([0xff, 0xfe]))).toBeNull();
    expect(decodeEntry(enc([3, 'k', null]))).toEqual({ seq: 3, key: 'k', text: null });
  });

  it('takes the highest seq per key across files in any order, tombstones delete, next_seq is above all', () => {
    const e = (seq: number, key: string, text: string | null): JournalEntry => ({ seq, key, text });
    const a = concat([encodeEntry(e(0, 'x', '1')), encodeEntry(e(1, 'y', '1')), encodeEntry(e(4, 'x', '3'))]);
    const b = concat([encodeEntry(e(2, 'x', '2')), encodeEntry(e(3, 'y', null)), encodeEntry(e(5, 'z', '1'))]);
    for (const files of [[a, b], [b, a]]) {
      const r = replay(files);
      expect([...r.live.entries()].map(([k, v]) => [k, v.text]).sort()).toEqual([['x', '3'], ['z', '1']]);
      expect(r.next_seq).toBe(6);
    }
  });
});

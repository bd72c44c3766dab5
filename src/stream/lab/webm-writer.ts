// A minimal WebM (Matroska) muxer for one VP8 video track, written so a player can seek over HTTP ranges from the
// first bytes: known sizes, Duration in Info, and Cues *before* the clusters (one cluster per keyframe), so the
// demuxer learns every seek point without reading the end of the file. Used to generate test videos in the
// browser. (MediaRecorder's WebM has no Duration and no Cues: the browser cannot seek it before it has it all.)

export interface EncodedFrame {
  /** Presentation time in milliseconds. */
  readonly time_ms: number;
  readonly key: boolean;
  readonly data: Uint8Array;
}

export interface WebmTrack {
  readonly codec_id: 'V_VP8' | 'V_VP9';
  readonly width: number;
  readonly height: number;
}

/** A cluster's SimpleBlocks carry a signed 16-bit time offset from the cluster's time. */
const MAX_CLUSTER_SPAN_MS = 32_000;

const ID = {
  EBML: 0x1a45dfa3, EBMLVersion: 0x4286, EBMLReadVersion: 0x42f7, EBMLMaxIDLength: 0x42f2, EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282, DocTypeVersion: 0x4287, DocTypeReadVersion: 0x4285,
  Segment: 0x18538067, Info: 0x1549a966, TimecodeScale: 0x2ad7b1, Duration: 0x4489, MuxingApp: 0x4d80, WritingApp: 0x5741,
  Tracks: 0x1654ae6b, TrackEntry: 0xae, TrackNumber: 0xd7, TrackUID: 0x73c5, TrackType: 0x83, FlagLacing: 0x9c, CodecID: 0x86,
  Video: 0xe0, PixelWidth: 0xb0, PixelHeight: 0xba,
  Cues: 0x1c53bb6b, CuePoint: 0xbb, CueTime: 0xb3, CueTrackPositions: 0xb7, CueTrack: 0xf7, CueClusterPosition: 0xf1,
  Cluster: 0x1f43b675, Timecode: 0xe7, SimpleBlock: 0xa3,
} as const;

type Part = Uint8Array;

function idBytes(id: number): Part {
  const out: number[] = [];
  for (let v = id; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return Uint8Array.from(out);
}

/** EBML variable-size integer; `width` forces a byte count (8 keeps sizes patchable). */
export function vint(value: number, width?: number): Part {
  let n = width ?? 1;
  if (width === undefined) while (n < 8 && value >= 2 ** (7 * n) - 1) n++;
  if (value >= 2 ** (7 * n) - 1) throw new RangeError(`vint: ${value} does not fit ${n} bytes`);
  const out = new Uint8Array(n);
  let v = value;
  for (let i = n - 1; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[0] = (out[0] ?? 0) | (0x80 >> (n - 1));
  return out;
}

function uintBytes(value: number, width?: number): Part {
  const out: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  while (out.length < (width ?? 1)) out.unshift(0);
  return Uint8Array.from(out);
}

function concat(parts: readonly Part[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function element(id: number, ...children: Part[]): Part {
  const body = concat(children);
  return concat([idBytes(id), vint(body.length), body]);
}

const uint = (id: number, value: number, width?: number) => element(id, uintBytes(value, width));
const str = (id: number, value: string) => element(id, new TextEncoder().encode(value));
function float64(id: number, value: number): Part {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value);
  return element(id, b);
}

function simpleBlock(frame: EncodedFrame, cluster_ms: number): Part {
  const header = new Uint8Array(4);
  header[0] = 0x81; // track number 1 as a vint
  new DataView(header.buffer).setInt16(1, frame.time_ms - cluster_ms);
  header[3] = frame.key ? 0x80 : 0x00;
  return element(ID.SimpleBlock, header, frame.data);
}

/** Groups frames into clusters, each opening on a keyframe (the seek points the Cues list). */
function clustersOf(frames: readonly EncodedFrame[]): EncodedFrame[][] {
  const clusters: EncodedFrame[][] = [];
  for (const frame of frames) {
    const current = clusters[clusters.length - 1];
    const first = current?.[0];
    if (!current || !first || frame.key || frame.time_ms - first.time_ms >= MAX_CLUSTER_SPAN_MS) clusters.push([frame]);
    else current.push(frame);
  }
  return clusters;
}

/** The whole file. `duration_ms` is the end of the last frame. */
export function writeWebm(track: WebmTrack, frames: readonly EncodedFrame[], duration_ms: number): Uint8Array {
  if (frames.length === 0 || !frames[0]?.key) throw new Error('writeWebm: the first frame must be a keyframe');
  const header = element(ID.EBML,
    uint(ID.EBMLVersion, 1), uint(ID.EBMLReadVersion, 1), uint(ID.EBMLMaxIDLength, 4), uint(ID.EBMLMaxSizeLength, 8),
    str(ID.DocType, 'webm'), uint(ID.DocTypeVersion, 2), uint(ID.DocTypeReadVersion, 2));
  const info = element(ID.Info, uint(ID.TimecodeScale, 1_000_000), float64(ID.Duration, duration_ms),
    str(ID.MuxingApp, 'seedpay-webm-writer'), str(ID.WritingApp, 'seedpay'));
  const tracks = element(ID.Tracks, element(ID.TrackEntry,
    uint(ID.TrackNumber, 1), uint(ID.TrackUID, 1), uint(ID.TrackType, 1), uint(ID.FlagLacing, 0), str(ID.CodecID, track.codec_id),
    element(ID.Video, uint(ID.PixelWidth, track.width), uint(ID.PixelHeight, track.height))));
  const clusters = clustersOf(frames).map((group) => {
    const time_ms = group[0]?.time_ms ?? 0;
    return { time_ms, key: group[0]?.key ?? false, bytes: element(ID.Cluster, uint(ID.Timecode, time_ms), ...group.map((f) => simpleBlock(f, time_ms))) };
  });
  // Cue positions are 8-byte fixed width, so the Cues' size is known before the positions are.
  const cuesFor = (positions: readonly number[]) => element(ID.Cues, ...clusters.flatMap((c, i) => c.key
    ? [element(ID.CuePoint, uint(ID.CueTime, c.time_ms), element(ID.CueTrackPositions, uint(ID.CueTrack, 1), uint(ID.CueClusterPosition, positions[i] ?? 0, 8)))]
    : []));
  const firstCluster = info.length + tracks.length + cuesFor([]).length;
  const positions: number[] = [];
  let at = firstCluster;
  for (const c of clusters) {
    positions.push(at);
    at += c.bytes.length;
  }
  const body = concat([info, tracks, cuesFor(positions), ...clusters.map((c) => c.bytes)]);
  return concat([header, idBytes(ID.Segment), vint(body.length, 8), body]);
}

// The channel journal's pure core: length + CRC-32 framing of append-only records, the entry inside a record
// (journal-wide seq, key, JSON text or a tombstone) and the replay of journal files into the latest entry per key.
// A crash can tear the last record: replay stops at the first frame whose length or checksum does not hold.

/** Bytes before each record's payload: u32 payload length, u32 CRC-32 of the payload (both little-endian). */
export const FRAME_HEADER_BYTES = 8;
/** Largest payload a frame may claim (channel records are small JSON; anything larger is a torn or foreign file). */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One framed record: header then payload. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_RECORD_BYTES) throw new Error(`journal: record of ${payload.length} bytes exceeds ${MAX_RECORD_BYTES}`);
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(payload), true);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** The whole records at the start of `bytes`, and how many bytes they span (the rest is a torn or corrupt tail). */
export function decodeFrames(bytes: Uint8Array): { payloads: Uint8Array[]; valid_bytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloads: Uint8Array[] = [];
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= bytes.length) {
    const length = view.getUint32(at, true);
    const end = at + FRAME_HEADER_BYTES + length;
    if (length > MAX_RECORD_BYTES || end > bytes.length) break;
    const payload = bytes.subarray(at + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== view.getUint32(at + 4, true)) break;
    payloads.push(payload);
    at = end;
  }
  return { payloads, valid_bytes: at };
}

/** A journal entry: `text` is the record's JSON text, null deletes the key. `seq` orders entries across files. */
export interface JournalEntry {
  readonly seq: number;
  readonly key: string;
  readonly text: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeEntry(entry: JournalEntry): Uint8Array {
  return encodeFrame(encoder.encode(JSON.stringify([entry.seq, entry.key, entry.text])));
}

/** A payload that passed its checksum but is not an entry (a foreign writer) is skipped, never trusted. */
export function decodeEntry(payload: Uint8Array): JournalEntry | null {
  try {
    const value = JSON.parse(decoder.decode(payload)) as unknown;
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [seq, key, text] = value as unknown[];
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return null;
    if (typeof key !== 'string' || key.length === 0) return null;
    if (text !== null && typeof text !== 'string') return null;
    return { seq, key, text };
  } catch {
    return null;
  }
}

export interface Replay {
  /** The latest entry per key (tombstones removed). */
  readonly live: Map<string, JournalEntry>;
  /** The seq the next entry takes: above every seq seen, tombstones included. */
  readonly next_seq: number;
  /** Per file, the bytes of whole records (a writer truncates there before appending again). */
  readonly valid_bytes: number[];
}

/** Replays journal files (in any order): per key the entry with the highest seq wins. */
export function replay(files: readonly Uint8Array[]): Replay {
  const latest = new Map<string, JournalEntry>();
  let next_seq = 0;
  const valid_bytes: number[] = [];
  for (const file of files) {
    const { payloads, valid_bytes: valid } = decodeFrames(file);
    valid_bytes.push(valid);
    for (const payload of payloads) {
      const entry = decodeEntry(payload);
      if (!entry) continue;
      next_seq = Math.max(next_seq, entry.seq + 1);
      const seen = latest.get(entry.key);
      if (!seen || seen.seq < entry.seq) latest.set(entry.key, entry);
    }
  }
  const live = new Map<string, JournalEntry>();
  for (const [key, entry] of latest) if (entry.text !== null) live.set(key, entry);
  return { live, next_seq, valid_bytes };
}

// The stored form of a proxy job (pure): what the requester keeps in IndexedDB to resume after a reload. A record
// read back is hostile until checked: wrong types, stray bits past the last chunk, paid-but-not-received chunks and
// oversized fields are rejected with a result code, never loaded half-way.
import BitField from 'bitfield';
import { checkJobShape, chunkCount, type JobError, type ProxyJob } from './chunk-plan.ts';

export const JOB_RECORD_VERSION = 1;

export interface JobRecord {
  readonly version: typeof JOB_RECORD_VERSION;
  readonly url: string;
  readonly etag: string | null;
  readonly last_modified: string | null;
  readonly chunk_size: number;
  readonly total_length: number;
  /** The bitmaps in BitTorrent order (chunk 0 is the high bit of byte 0), lower-case hex. */
  readonly received: string;
  readonly paid: string;
  readonly restarts: number;
}

export type RecordError = JobError | 'not_an_object' | 'bad_version' | 'bad_bitmap' | 'paid_not_received' | 'bad_restarts';

/** Restarts a record may count before we call it corrupt (a resource that changes this often cannot be fetched). */
export const MAX_RESTARTS = 1_000_000;

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function fromHex(text: unknown, bytes: number): Uint8Array | null {
  if (typeof text !== 'string' || text.length !== bytes * 2 || !/^[0-9a-f]*$/.test(text)) return null;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toRecord(job: ProxyJob): JobRecord {
  return {
    version: JOB_RECORD_VERSION, url: job.url, etag: job.validator.etag, last_modified: job.validator.last_modified,
    chunk_size: job.chunk_size, total_length: job.total_length,
    received: toHex(job.received.buffer), paid: toHex(job.paid.buffer), restarts: job.restarts,
  };
}

/** A bitmap of `count` chunks from hex: exact byte length, and no bit set past the last chunk. */
function bitmap(text: unknown, count: number): BitField | null {
  const bytes = fromHex(text, Math.ceil(count / 8));
  if (!bytes) return null;
  const bits = new BitField(bytes);
  for (let i = count; i < bytes.length * 8; i++) if (bits.get(i)) return null;
  return bits;
}

/** A job from a stored record (parsed JSON, or anything else); every field is checked before it is believed. */
export function fromRecord(value: unknown): { readonly ok: true; readonly job: ProxyJob } | { readonly ok: false; readonly reason: RecordError } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not_an_object' };
  const r = value as Record<string, unknown>;
  if (r.version !== JOB_RECORD_VERSION) return { ok: false, reason: 'bad_version' };
  const shape = checkJobShape(r.url, r.chunk_size, r.total_length, { etag: r.etag, last_modified: r.last_modified });
  if (shape) return { ok: false, reason: shape };
  if (!Number.isSafeInteger(r.restarts) || (r.restarts as number) < 0 || (r.restarts as number) > MAX_RESTARTS) return { ok: false, reason: 'bad_restarts' };
  const shell = {
    url: r.url as string, chunk_size: r.chunk_size as number, total_length: r.total_length as number,
    validator: { etag: r.etag as string | null, last_modified: r.last_modified as string | null },
  };
  const count = chunkCount({ ...shell, received: new BitField(0), paid: new BitField(0), restarts: 0 });
  const received = bitmap(r.received, count);
  const paid = bitmap(r.paid, count);
  if (!received || !paid) return { ok: false, reason: 'bad_bitmap' };
  for (let i = 0; i < count; i++) if (paid.get(i) && !received.get(i)) return { ok: false, reason: 'paid_not_received' };
  return { ok: true, job: { ...shell, received, paid, restarts: r.restarts as number } };
}

export function toJSON(job: ProxyJob): string {
  return JSON.stringify(toRecord(job));
}

export function fromJSON(text: string): ReturnType<typeof fromRecord> | { readonly ok: false; readonly reason: 'bad_json' } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'bad_json' };
  }
  return fromRecord(value);
}

// The proxy job's wire frames (pure codec): one type byte, then a chunk in binary (job id, index, hash, signature,
// length-prefixed bytes) or a control message as bounded JSON (amounts as decimal strings). Every decoded field is
// checked against a named limit; a frame cut short — a provider that stops mid-chunk — decodes as `truncated`.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { isPublicKeyHex, SIGNATURE_BYTES, type PublicKeyHex } from '../../protocol/ed25519.ts';
import { parseControlBody } from '../../protocol/control-frame.ts';
import { MAX_AMOUNT_UNITS, type Units } from '../../protocol/money.ts';
import { isChannelId, type ChannelId, type SignedPaymentState } from '../../protocol/payment-state.ts';
import { MAX_CHUNK_BYTES, MAX_CHUNKS, MAX_VALIDATOR_LENGTH, isValidatorText, type ChunkRun } from './chunk-plan.ts';
import { CHUNK_HASH_BYTES } from './chunk-proof.ts';
import { checkRequest, isJobId, MAX_JOB_BYTES, type JobId, type ProxyRequest, type RequestError } from './job-request.ts';

/** A control frame carries at most a URL (8 KiB) and a few fields: 16 KiB is ample and cheap to parse. */
export const MAX_CONTROL_FRAME_BYTES = 16 * 1024;
/** Runs one `want` may list: a resume after many drops is fragmented, but not more than this. */
export const MAX_WANT_RUNS = 1024;
/** Longest content type an offer may carry. */
export const MAX_CONTENT_TYPE_LENGTH = 256;
const CHUNK_HEADER_BYTES = 1 + 32 + 4 + CHUNK_HASH_BYTES + SIGNATURE_BYTES + 4;
export const MAX_FRAME_BYTES = CHUNK_HEADER_BYTES + MAX_CHUNK_BYTES;

/** The provider's answer to a request: its terms and the version of the resource it will serve. */
export interface ProxyOffer {
  readonly job_id: JobId;
  readonly payee_key: PublicKeyHex;
  readonly price_units_per_kib: Units;
  readonly min_escrow_units: Units;
  readonly total_length: number;
  readonly etag: string | null;
  readonly last_modified: string | null;
  readonly content_type: string | null;
}

export const REFUSE_CODES = [
  'bad_request', 'price_too_low', 'host_not_allowed', 'job_too_large', 'day_limit', 'content_type_not_allowed', 'over_requester_max',
  'fetch_failed', 'no_validator', 'busy', 'cors_not_allowed',
] as const;
export type RefuseCode = (typeof REFUSE_CODES)[number];
export const DONE_REASONS = ['complete', 'cancelled', 'validator_changed', 'fetch_failed', 'limit_reached', 'banned', 'stopped'] as const;
export type DoneReason = (typeof DONE_REASONS)[number];

export interface ChunkFrame {
  readonly type: 'chunk';
  readonly job_id: JobId;
  readonly index: number;
  readonly hash: Uint8Array;
  readonly signature: Uint8Array;
  readonly bytes: Uint8Array;
}

export type ProxyFrame =
  | { readonly type: 'request'; readonly request: ProxyRequest }
  | { readonly type: 'offer'; readonly offer: ProxyOffer }
  | { readonly type: 'refuse'; readonly job_id: JobId; readonly code: RefuseCode }
  | { readonly type: 'channel'; readonly job_id: JobId; readonly channel_id: ChannelId }
  | { readonly type: 'want'; readonly job_id: JobId; readonly runs: readonly ChunkRun[] }
  | ChunkFrame
  | { readonly type: 'payment'; readonly job_id: JobId; readonly payment: SignedPaymentState }
  | { readonly type: 'done'; readonly job_id: JobId; readonly reason: DoneReason };

const CODES = { request: 1, offer: 2, refuse: 3, channel: 4, want: 5, chunk: 6, payment: 7, done: 8 } as const;
type ControlType = Exclude<keyof typeof CODES, 'chunk'>;
const CONTROL_TYPES: readonly ControlType[] = ['request', 'offer', 'refuse', 'channel', 'want', 'payment', 'done'];

export type FrameError = 'empty' | 'unknown_type' | 'too_large' | 'truncated' | 'bad_json' | 'bad_field' | RequestError;
export type DecodedFrame = { readonly ok: true; readonly frame: ProxyFrame } | { readonly ok: false; readonly error: FrameError; readonly field?: string };

export function encodeFrame(frame: ProxyFrame): Uint8Array {
  if (frame.type === 'chunk') return encodeChunk(frame);
  const body = new TextEncoder().encode(JSON.stringify(controlJson(frame)));
  const out = new Uint8Array(1 + body.length);
  out[0] = CODES[frame.type];
  out.set(body, 1);
  if (out.length > MAX_CONTROL_FRAME_BYTES) throw new RangeError('control frame too large');
  return out;
}

function encodeChunk(f: ChunkFrame): Uint8Array {
  if (f.bytes.length > MAX_CHUNK_BYTES) throw new RangeError('chunk too large');
  const out = new Uint8Array(CHUNK_HEADER_BYTES + f.bytes.length);
  const view = new DataView(out.buffer);
  out[0] = CODES.chunk;
  out.set(hexToBytes(f.job_id), 1);
  view.setUint32(33, f.index, false);
  out.set(f.hash, 37);
  out.set(f.signature, 37 + CHUNK_HASH_BYTES);
  view.setUint32(37 + CHUNK_HASH_BYTES + SIGNATURE_BYTES, f.bytes.length, false);
  out.set(f.bytes, CHUNK_HEADER_BYTES);
  return out;
}

function controlJson(frame: Exclude<ProxyFrame, ChunkFrame>): Record<string, unknown> {
  switch (frame.type) {
    case 'request': {
      const r = frame.request;
      return { ...r, max_price_units_per_kib: r.max_price_units_per_kib.toString(), cap_units: r.cap_units.toString() };
    }
    case 'offer': {
      const o = frame.offer;
      return { ...o, price_units_per_kib: o.price_units_per_kib.toString(), min_escrow_units: o.min_escrow_units.toString() };
    }
    case 'payment': {
      const p = frame.payment;
      return { job_id: frame.job_id, channel_id: p.channel_id, amount_units: p.amount_units.toString(), seq: p.seq.toString(), signature: bytesToHex(p.signature) };
    }
    case 'refuse': return { job_id: frame.job_id, code: frame.code };
    case 'channel': return { job_id: frame.job_id, channel_id: frame.channel_id };
    case 'want': return { job_id: frame.job_id, runs: frame.runs.map((r) => [r.first, r.last]) };
    case 'done': return { job_id: frame.job_id, reason: frame.reason };
  }
}

export function decodeFrame(data: Uint8Array): DecodedFrame {
  if (data.length === 0) return { ok: false, error: 'empty' };
  if (data.length > MAX_FRAME_BYTES) return { ok: false, error: 'too_large' };
  const code = data[0];
  if (code === CODES.chunk) return decodeChunk(data);
  const type = CONTROL_TYPES.find((k) => CODES[k] === code);
  if (!type) return { ok: false, error: 'unknown_type' };
  const body = parseControlBody(data, MAX_CONTROL_FRAME_BYTES);
  return body.ok ? decodeControl(type, body.value) : body;
}

function decodeChunk(data: Uint8Array): DecodedFrame {
  if (data.length < CHUNK_HEADER_BYTES) return { ok: false, error: 'truncated' };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = view.getUint32(37 + CHUNK_HASH_BYTES + SIGNATURE_BYTES, false);
  if (length > MAX_CHUNK_BYTES) return { ok: false, error: 'too_large' };
  if (data.length < CHUNK_HEADER_BYTES + length) return { ok: false, error: 'truncated' };
  if (data.length > CHUNK_HEADER_BYTES + length) return { ok: false, error: 'bad_field', field: 'bytes' };
  const index = view.getUint32(33, false);
  if (index >= MAX_CHUNKS) return { ok: false, error: 'bad_field', field: 'index' };
  const frame: ChunkFrame = {
    type: 'chunk', job_id: bytesToHex(data.subarray(1, 33)) as JobId, index,
    hash: data.slice(37, 37 + CHUNK_HASH_BYTES), signature: data.slice(37 + CHUNK_HASH_BYTES, 37 + CHUNK_HASH_BYTES + SIGNATURE_BYTES),
    bytes: data.slice(CHUNK_HEADER_BYTES),
  };
  return { ok: true, frame };
}

const bad = (field: string): DecodedFrame => ({ ok: false, error: 'bad_field', field });

function units(value: unknown): Units | null {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) return null;
  const u = BigInt(value);
  return u <= MAX_AMOUNT_UNITS ? u : null;
}

function optionalText(value: unknown, max: number): string | null | undefined {
  if (value === null) return null;
  return typeof value === 'string' && value.length <= max && isValidatorText(value) ? value : undefined;
}

function decodeControl(type: ControlType, o: Record<string, unknown>): DecodedFrame {
  if (type === 'request') {
    const max_price = units(o.max_price_units_per_kib);
    const cap = units(o.cap_units);
    const checked = checkRequest({ ...o, max_price_units_per_kib: max_price ?? -1n, cap_units: cap ?? -1n });
    return checked.ok ? { ok: true, frame: { type, request: checked.request } } : { ok: false, error: checked.reason };
  }
  if (!isJobId(o.job_id)) return bad('job_id');
  const job_id = o.job_id;
  switch (type) {
    case 'offer': {
      if (!isPublicKeyHex(o.payee_key)) return bad('payee_key');
      const price = units(o.price_units_per_kib);
      if (price === null || price === 0n) return bad('price_units_per_kib');
      const min_escrow = units(o.min_escrow_units);
      if (min_escrow === null) return bad('min_escrow_units');
      if (!Number.isSafeInteger(o.total_length) || (o.total_length as number) < 0 || (o.total_length as number) > MAX_JOB_BYTES) return bad('total_length');
      const etag = optionalText(o.etag, MAX_VALIDATOR_LENGTH);
      if (etag === undefined) return bad('etag');
      const last_modified = optionalText(o.last_modified, MAX_VALIDATOR_LENGTH);
      if (last_modified === undefined) return bad('last_modified');
      const content_type = optionalText(o.content_type, MAX_CONTENT_TYPE_LENGTH);
      if (content_type === undefined) return bad('content_type');
      const offer: ProxyOffer = {
        job_id, payee_key: o.payee_key, price_units_per_kib: price, min_escrow_units: min_escrow, total_length: o.total_length as number,
        etag, last_modified, content_type,
      };
      return { ok: true, frame: { type, offer } };
    }
    case 'refuse':
      return (REFUSE_CODES as readonly unknown[]).includes(o.code) ? { ok: true, frame: { type, job_id, code: o.code as RefuseCode } } : bad('code');
    case 'done':
      return (DONE_REASONS as readonly unknown[]).includes(o.reason) ? { ok: true, frame: { type, job_id, reason: o.reason as DoneReason } } : bad('reason');
    case 'channel':
      return isChannelId(o.channel_id) ? { ok: true, frame: { type, job_id, channel_id: o.channel_id } } : bad('channel_id');
    case 'want': {
      const runs = decodeRuns(o.runs);
      return runs ? { ok: true, frame: { type, job_id, runs } } : bad('runs');
    }
    case 'payment': {
      if (!isChannelId(o.channel_id)) return bad('channel_id');
      const amount = units(o.amount_units);
      if (amount === null) return bad('amount_units');
      const seq = units(o.seq);
      if (seq === null) return bad('seq');
      if (typeof o.signature !== 'string' || !/^[0-9a-f]{128}$/.test(o.signature)) return bad('signature');
      const payment: SignedPaymentState = { channel_id: o.channel_id, amount_units: amount, seq, signature: hexToBytes(o.signature) };
      return { ok: true, frame: { type, job_id, payment } };
    }
  }
}

/** Ascending, disjoint, non-empty runs of chunk indices below MAX_CHUNKS. */
function decodeRuns(value: unknown): ChunkRun[] | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_WANT_RUNS) return null;
  const runs: ChunkRun[] = [];
  let floor = 0;
  for (const pair of value) {
    if (!Array.isArray(pair) || pair.length !== 2) return null;
    const [first, last] = pair as unknown[];
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return null;
    const f = first as number;
    const l = last as number;
    if (f < floor || l < f || l >= MAX_CHUNKS) return null;
    runs.push({ first: f, last: l });
    floor = l + 1;
  }
  return runs;
}

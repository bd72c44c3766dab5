// Paid storage's upload frames (pure codec): one type byte, then a data run in binary (offset u64, bytes) or a control
// message as bounded JSON (amounts and the nonce as decimal strings). Every decoded field is checked against a named
// limit; anything else is a typed error the session answers with a refusal, never a crash.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { isPublicKeyHex } from '../../protocol/ed25519.ts';
import { parseControlBody } from '../../protocol/control-frame.ts';
import { MAX_REQUEST_NONCE } from '../../protocol/ledger-request.ts';
import { MAX_AMOUNT_UNITS, type Units } from '../../protocol/money.ts';
import { MAX_EPOCHS, MAX_EPOCH_MS } from '../../protocol/storage-contract.ts';
import { MAX_LEAF_BYTES } from '../../protocol/storage-merkle.ts';
import { isStorageContractId, type StorageOpenTerms } from '../../protocol/storage-request.ts';

/** A control frame holds the terms and a signature: 4 KiB is ample. */
export const MAX_CONTROL_FRAME_BYTES = 4 * 1024;
/** Bytes of replica per data frame: 256 KiB keeps a frame within one wire message and the provider's buffer small. */
export const MAX_DATA_BYTES = 256 * 1024;
const DATA_HEADER_BYTES = 1 + 8;
export const MAX_FRAME_BYTES = DATA_HEADER_BYTES + MAX_DATA_BYTES;
/** The largest replica an upload can describe: 64 GiB of plaintext plus headers and tags, well below 2^53. */
export const MAX_UPLOAD_BYTES = 65 * 1024 ** 3;

export const REFUSE_CODES = [
  'bad_frame', 'unexpected_frame', 'not_for_me', 'bad_signature', 'bad_terms', 'price_too_low', 'too_large', 'over_quota',
  'collateral_too_high', 'out_of_order', 'beyond_size', 'incomplete', 'root_mismatch', 'busy',
] as const;
export type RefuseCode = (typeof REFUSE_CODES)[number];

export type StorageFrame =
  /** Requester → provider: the terms it signed ('open'), naming this provider. */
  | { readonly type: 'offer'; readonly terms: StorageOpenTerms; readonly requester_signature: Uint8Array }
  /** Provider → requester: the terms are within its limits; send the replica. */
  | { readonly type: 'ready'; readonly contract_id: string }
  /** Requester → provider: replica bytes from `offset`, in order. */
  | { readonly type: 'data'; readonly offset: number; readonly bytes: Uint8Array }
  /** Requester → provider: all bytes sent. */
  | { readonly type: 'end'; readonly contract_id: string }
  /** Provider → requester: the bytes hash to the root and are stored; its acceptance of the terms ('accept'). */
  | { readonly type: 'accept'; readonly contract_id: string; readonly provider_signature: Uint8Array }
  | { readonly type: 'refuse'; readonly code: RefuseCode };

const CODES = { offer: 1, ready: 2, data: 3, end: 4, accept: 5, refuse: 6 } as const;
type ControlType = Exclude<keyof typeof CODES, 'data'>;
const CONTROL_TYPES: readonly ControlType[] = ['offer', 'ready', 'end', 'accept', 'refuse'];

export type FrameError = 'empty' | 'unknown_type' | 'too_large' | 'truncated' | 'bad_json' | 'bad_field';
export type DecodedFrame = { readonly ok: true; readonly frame: StorageFrame } | { readonly ok: false; readonly error: FrameError; readonly field?: string };

export function termsJson(t: StorageOpenTerms): Record<string, unknown> {
  return {
    requester: t.requester, provider: t.provider, root: bytesToHex(t.root), size_bytes: t.size_bytes, leaf_bytes: t.leaf_bytes,
    price_units_per_epoch: String(t.price_units_per_epoch), epochs: t.epochs, collateral_units: String(t.collateral_units),
    retrieval_price_units: String(t.retrieval_price_units), epoch_ms: t.epoch_ms, answer_window_ms: t.answer_window_ms, nonce: String(t.nonce),
  };
}

export function encodeFrame(frame: StorageFrame): Uint8Array {
  if (frame.type === 'data') {
    if (frame.bytes.length < 1 || frame.bytes.length > MAX_DATA_BYTES) throw new RangeError('data frame: 1 to MAX_DATA_BYTES bytes');
    const out = new Uint8Array(DATA_HEADER_BYTES + frame.bytes.length);
    out[0] = CODES.data;
    new DataView(out.buffer).setBigUint64(1, BigInt(frame.offset));
    out.set(frame.bytes, DATA_HEADER_BYTES);
    return out;
  }
  const json = frame.type === 'offer' ? { terms: termsJson(frame.terms), requester_signature: bytesToHex(frame.requester_signature) }
    : frame.type === 'accept' ? { contract_id: frame.contract_id, provider_signature: bytesToHex(frame.provider_signature) }
      : frame.type === 'refuse' ? { code: frame.code } : { contract_id: frame.contract_id };
  const body = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(1 + body.length);
  out[0] = CODES[frame.type];
  out.set(body, 1);
  if (out.length > MAX_CONTROL_FRAME_BYTES) throw new RangeError('control frame too large');
  return out;
}

export function decodeFrame(data: Uint8Array): DecodedFrame {
  if (data.length === 0) return { ok: false, error: 'empty' };
  if (data.length > MAX_FRAME_BYTES) return { ok: false, error: 'too_large' };
  if (data[0] === CODES.data) {
    if (data.length <= DATA_HEADER_BYTES) return { ok: false, error: 'truncated' };
    const offset = new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(1);
    if (offset >= BigInt(MAX_UPLOAD_BYTES)) return bad('offset');
    return { ok: true, frame: { type: 'data', offset: Number(offset), bytes: data.slice(DATA_HEADER_BYTES) } };
  }
  const type = CONTROL_TYPES.find((k) => CODES[k] === data[0]);
  if (!type) return { ok: false, error: 'unknown_type' };
  const body = parseControlBody(data, MAX_CONTROL_FRAME_BYTES);
  return body.ok ? decodeControl(type, body.value) : body;
}

const bad = (field: string): DecodedFrame => ({ ok: false, error: 'bad_field', field });

function exact(o: Record<string, unknown>, fields: readonly string[]): string | null {
  for (const k of Object.keys(o)) if (!fields.includes(k)) return k;
  for (const k of fields) if (!(k in o)) return k;
  return null;
}

function decimal(value: unknown, max: bigint): bigint | null {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(value)) return null;
  const n = BigInt(value);
  return n <= max ? n : null;
}

function count(value: unknown, max: number): number | null {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max ? (value as number) : null;
}

function signature(value: unknown): Uint8Array | null {
  return typeof value === 'string' && /^[0-9a-f]{128}$/.test(value) ? hexToBytes(value) : null;
}

const TERM_FIELDS = [
  'requester', 'provider', 'root', 'size_bytes', 'leaf_bytes', 'price_units_per_epoch', 'epochs', 'collateral_units',
  'retrieval_price_units', 'epoch_ms', 'answer_window_ms', 'nonce',
] as const;

/** The terms of an offer, each field in its type and range (the contract machine judges the rest); or the bad field. */
export function decodeTerms(value: unknown): { ok: true; terms: StorageOpenTerms } | { ok: false; field: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, field: 'terms' };
  const o = value as Record<string, unknown>;
  const extra = exact(o, TERM_FIELDS);
  if (extra) return { ok: false, field: `terms.${extra}` };
  if (!isPublicKeyHex(o.requester)) return { ok: false, field: 'terms.requester' };
  if (!isPublicKeyHex(o.provider)) return { ok: false, field: 'terms.provider' };
  if (typeof o.root !== 'string' || !/^[0-9a-f]{64}$/.test(o.root)) return { ok: false, field: 'terms.root' };
  const fields = {
    size_bytes: count(o.size_bytes, MAX_UPLOAD_BYTES), leaf_bytes: count(o.leaf_bytes, MAX_LEAF_BYTES), epochs: count(o.epochs, MAX_EPOCHS),
    epoch_ms: count(o.epoch_ms, MAX_EPOCH_MS), answer_window_ms: count(o.answer_window_ms, MAX_EPOCH_MS),
    price_units_per_epoch: decimal(o.price_units_per_epoch, MAX_AMOUNT_UNITS), collateral_units: decimal(o.collateral_units, MAX_AMOUNT_UNITS),
    retrieval_price_units: decimal(o.retrieval_price_units, MAX_AMOUNT_UNITS), nonce: decimal(o.nonce, MAX_REQUEST_NONCE),
  };
  for (const [k, v] of Object.entries(fields)) if (v === null) return { ok: false, field: `terms.${k}` };
  const f = fields as { [K in keyof typeof fields]: NonNullable<(typeof fields)[K]> };
  return {
    ok: true,
    terms: {
      requester: o.requester, provider: o.provider, root: hexToBytes(o.root), nonce: f.nonce, size_bytes: f.size_bytes, leaf_bytes: f.leaf_bytes,
      price_units_per_epoch: f.price_units_per_epoch as Units, epochs: f.epochs, collateral_units: f.collateral_units as Units,
      retrieval_price_units: f.retrieval_price_units as Units, epoch_ms: f.epoch_ms, answer_window_ms: f.answer_window_ms,
    },
  };
}

function decodeControl(type: ControlType, o: Record<string, unknown>): DecodedFrame {
  switch (type) {
    case 'offer': {
      const extra = exact(o, ['terms', 'requester_signature']);
      if (extra) return bad(extra);
      const terms = decodeTerms(o.terms);
      if (!terms.ok) return bad(terms.field);
      const sig = signature(o.requester_signature);
      return sig ? { ok: true, frame: { type, terms: terms.terms, requester_signature: sig } } : bad('requester_signature');
    }
    case 'accept': {
      const extra = exact(o, ['contract_id', 'provider_signature']);
      if (extra) return bad(extra);
      if (!isStorageContractId(o.contract_id)) return bad('contract_id');
      const sig = signature(o.provider_signature);
      return sig ? { ok: true, frame: { type, contract_id: o.contract_id, provider_signature: sig } } : bad('provider_signature');
    }
    case 'refuse': {
      const extra = exact(o, ['code']);
      if (extra) return bad(extra);
      return (REFUSE_CODES as readonly unknown[]).includes(o.code) ? { ok: true, frame: { type, code: o.code as RefuseCode } } : bad('code');
    }
    case 'ready':
    case 'end': {
      const extra = exact(o, ['contract_id']);
      if (extra) return bad(extra);
      return isStorageContractId(o.contract_id) ? { ok: true, frame: { type, contract_id: o.contract_id } } : bad('contract_id');
    }
  }
}

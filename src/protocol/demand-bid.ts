// The demand bid a Speed requester publishes through its tracker announce (docs/cdn-board.md): "I pay P units/KiB
// for the B bytes of this torrent I still want", signed by its payment key, so providers outside the swarm see demand.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { nobleVerify, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type PublicKeyHex, type Signer } from './ed25519.ts';
import { MAX_PRICE_UNITS_PER_KIB } from './messages.ts';
import type { Units } from './money.ts';

/** The announce's key carrying the signed bid; trackers that do not know it ignore it. */
export const DEMAND_BID_FIELD = 'seedpay_bid';
export const DEMAND_BID_VERSION = 1;
export const DEMAND_BID_DOMAIN = 'seedpay/demand-bid/v1';
const DOMAIN_BYTES = new TextEncoder().encode(DEMAND_BID_DOMAIN);
export const INFO_HASH_BYTES = 20;
/** domain || info hash (20) || public key (32) || price (u64 BE) || wanted bytes (u64 BE) || issued_at_ms (u64 BE) || expires_at_ms (u64 BE) */
export const DEMAND_BID_BYTES = DOMAIN_BYTES.length + INFO_HASH_BYTES + PUBLIC_KEY_BYTES + 4 * 8;
/** A bid lives at most this long after it was issued: the peer re-announces every 2 min and re-signs well before. */
export const MAX_BID_LIFETIME_MS = 15 * 60_000;
/** A bid issued this far in the tracker's future is refused (clocks disagree a little, never by minutes). */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** 1 PiB: no single torrent a browser downloads is larger; a bigger number is a lie meant to inflate demand. */
export const MAX_WANTED_BYTES = 1n << 50n;
/** Times are Unix ms, safe JSON integers. */
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;
/** Decimal strings of u64 amounts: at most 20 digits. */
const MAX_DECIMAL_DIGITS = 20;
const FIELD_KEYS = ['v', 'info_hash', 'public_key', 'price_units_per_kib', 'wanted_bytes', 'issued_at_ms', 'expires_at_ms', 'signature'] as const;

export type InfoHashHex = string & { readonly __brand: 'InfoHashHex' };

export interface DemandBid {
  readonly info_hash: InfoHashHex;
  readonly public_key: PublicKeyHex;
  /** 0 withdraws the bidder's earlier bid for this torrent. */
  readonly price_units_per_kib: Units;
  readonly wanted_bytes: bigint;
  /** The sequence number as well: per (bidder, torrent) a bid replaces only bids issued strictly earlier. */
  readonly issued_at_ms: number;
  readonly expires_at_ms: number;
}

export interface SignedDemandBid extends DemandBid {
  readonly signature: Uint8Array;
}

/** The JSON form under DEMAND_BID_FIELD: u64 amounts as decimal strings, times as numbers, bytes as lowercase hex. */
export interface DemandBidField {
  v: typeof DEMAND_BID_VERSION;
  info_hash: string;
  public_key: string;
  price_units_per_kib: string;
  wanted_bytes: string;
  issued_at_ms: number;
  expires_at_ms: number;
  signature: string;
}

/** Why a field is refused, in the order they are checked. */
export type DemandBidCode =
  | 'not_an_object'
  | 'unknown_field'
  | 'unknown_version'
  | 'malformed_field'
  | 'out_of_range'
  | 'expires_before_issued'
  | 'lifetime_too_long'
  | 'issued_in_future'
  | 'expired'
  | 'info_hash_mismatch'
  | 'bad_signature';

export type DemandBidResult = { ok: true; bid: SignedDemandBid } | { ok: false; code: DemandBidCode; field?: string };

export function isInfoHashHex(text: unknown): text is InfoHashHex {
  return typeof text === 'string' && /^[0-9a-f]{40}$/.test(text);
}

/** A bid of 0 (or for 0 bytes) asks for nothing: it withdraws the bidder's bid for the torrent. */
export function isWithdrawal(bid: DemandBid): boolean {
  return bid.price_units_per_kib === 0n || bid.wanted_bytes === 0n;
}

function checkRanges(bid: DemandBid): { code: DemandBidCode; field: string } | null {
  if (!isInfoHashHex(bid.info_hash)) return { code: 'malformed_field', field: 'info_hash' };
  if (typeof bid.public_key !== 'string' || !/^[0-9a-f]{64}$/.test(bid.public_key)) return { code: 'malformed_field', field: 'public_key' };
  if (bid.price_units_per_kib < 0n || bid.price_units_per_kib > MAX_PRICE_UNITS_PER_KIB) return { code: 'out_of_range', field: 'price_units_per_kib' };
  if (bid.wanted_bytes < 0n || bid.wanted_bytes > MAX_WANTED_BYTES) return { code: 'out_of_range', field: 'wanted_bytes' };
  for (const field of ['issued_at_ms', 'expires_at_ms'] as const) {
    const t = bid[field];
    if (!Number.isSafeInteger(t) || t < 0 || t > MAX_TIME_MS) return { code: 'out_of_range', field };
  }
  if (bid.expires_at_ms <= bid.issued_at_ms) return { code: 'expires_before_issued', field: 'expires_at_ms' };
  if (bid.expires_at_ms - bid.issued_at_ms > MAX_BID_LIFETIME_MS) return { code: 'lifetime_too_long', field: 'expires_at_ms' };
  return null;
}

/** The exact bytes signed. Throws on a bid outside its ranges (a caller bug: wire input goes through parse first). */
export function encodeDemandBid(bid: DemandBid): Uint8Array {
  const bad = checkRanges(bid);
  if (bad) throw new RangeError(`demand bid: ${bad.code} (${bad.field})`);
  const out = new Uint8Array(DEMAND_BID_BYTES);
  let at = 0;
  out.set(DOMAIN_BYTES, at);
  at += DOMAIN_BYTES.length;
  out.set(hexToBytes(bid.info_hash), at);
  at += INFO_HASH_BYTES;
  out.set(hexToBytes(bid.public_key), at);
  at += PUBLIC_KEY_BYTES;
  const view = new DataView(out.buffer);
  for (const value of [bid.price_units_per_kib, bid.wanted_bytes, BigInt(bid.issued_at_ms), BigInt(bid.expires_at_ms)]) {
    view.setBigUint64(at, value, false);
    at += 8;
  }
  return out;
}

export async function signDemandBid(signer: Signer, bid: Omit<DemandBid, 'public_key'>): Promise<SignedDemandBid> {
  const full: DemandBid = { ...bid, public_key: bytesToHex(signer.publicKey) as PublicKeyHex };
  const signature = await signer.sign(encodeDemandBid(full));
  return { ...full, signature };
}

/** Strict RFC 8032 (noble, same rule as WebCrypto) over the canonical bytes, against the bid's own key. */
export function verifyDemandBid(bid: SignedDemandBid): boolean {
  if (bid.signature.length !== SIGNATURE_BYTES || checkRanges(bid)) return false;
  return nobleVerify(bid.signature, encodeDemandBid(bid), hexToBytes(bid.public_key));
}

export function demandBidToField(bid: SignedDemandBid): DemandBidField {
  return {
    v: DEMAND_BID_VERSION,
    info_hash: bid.info_hash,
    public_key: bid.public_key,
    price_units_per_kib: String(bid.price_units_per_kib),
    wanted_bytes: String(bid.wanted_bytes),
    issued_at_ms: bid.issued_at_ms,
    expires_at_ms: bid.expires_at_ms,
    signature: bytesToHex(bid.signature),
  };
}

function decimal(value: unknown): bigint | null {
  if (typeof value !== 'string' || value.length > MAX_DECIMAL_DIGITS || !/^(0|[1-9][0-9]*)$/.test(value)) return null;
  return BigInt(value);
}

/** Shape only (no clock, no signature): the JSON field → a bid, or the first field that is wrong. */
export function parseDemandBidField(value: unknown): DemandBidResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'not_an_object' };
  const m = value as Record<string, unknown>;
  const extra = Object.keys(m).find((key) => !(FIELD_KEYS as readonly string[]).includes(key));
  if (extra !== undefined) return { ok: false, code: 'unknown_field', field: extra.slice(0, 64) };
  if (m.v !== DEMAND_BID_VERSION) return { ok: false, code: 'unknown_version', field: 'v' };
  if (!isInfoHashHex(m.info_hash)) return { ok: false, code: 'malformed_field', field: 'info_hash' };
  if (typeof m.public_key !== 'string' || !/^[0-9a-f]{64}$/.test(m.public_key)) return { ok: false, code: 'malformed_field', field: 'public_key' };
  const price = decimal(m.price_units_per_kib);
  if (price === null) return { ok: false, code: 'malformed_field', field: 'price_units_per_kib' };
  const wanted = decimal(m.wanted_bytes);
  if (wanted === null) return { ok: false, code: 'malformed_field', field: 'wanted_bytes' };
  for (const field of ['issued_at_ms', 'expires_at_ms'] as const) {
    if (typeof m[field] !== 'number' || !Number.isInteger(m[field])) return { ok: false, code: 'malformed_field', field };
  }
  if (typeof m.signature !== 'string' || !/^[0-9a-f]{128}$/.test(m.signature)) return { ok: false, code: 'malformed_field', field: 'signature' };
  const bid: SignedDemandBid = {
    info_hash: m.info_hash,
    public_key: m.public_key as PublicKeyHex,
    price_units_per_kib: price,
    wanted_bytes: wanted,
    issued_at_ms: m.issued_at_ms as number,
    expires_at_ms: m.expires_at_ms as number,
    signature: hexToBytes(m.signature),
  };
  const bad = checkRanges(bid);
  return bad ? { ok: false, ...bad } : { ok: true, bid };
}

/**
 * The tracker's whole check of a field in an announce for `info_hash` at `now_ms`: shape, ranges, time, the
 * announce's own info hash, then the signature (last: it is the costly check). Replays are the board's to refuse.
 */
export function checkDemandBidField(value: unknown, info_hash: string, now_ms: number): DemandBidResult {
  const checked = checkDemandBidUnsigned(value, info_hash, now_ms);
  if (checked.ok && !verifyDemandBid(checked.bid)) return { ok: false, code: 'bad_signature', field: 'signature' };
  return checked;
}

/** Every check but the signature: the tracker skips the costly one for a byte-identical re-send of a held bid. */
export function checkDemandBidUnsigned(value: unknown, info_hash: string, now_ms: number): DemandBidResult {
  const parsed = parseDemandBidField(value);
  if (!parsed.ok) return parsed;
  const { bid } = parsed;
  if (bid.issued_at_ms > now_ms + MAX_CLOCK_SKEW_MS) return { ok: false, code: 'issued_in_future', field: 'issued_at_ms' };
  if (bid.expires_at_ms <= now_ms) return { ok: false, code: 'expired', field: 'expires_at_ms' };
  if (bid.info_hash !== info_hash) return { ok: false, code: 'info_hash_mismatch', field: 'info_hash' };
  return parsed;
}

export interface DemandBidInput {
  info_hash: string;
  price_units_per_kib: Units;
  wanted_bytes: bigint;
}

/**
 * What a peer calls before each announce: signs its current bid (price 0 withdraws) and returns the field to put
 * under DEMAND_BID_FIELD. `issued_at_ms` is the sequence, so it is strictly above the last one this key signed for
 * the torrent even if the clock stalls or steps back; keep the returned `issued_at_ms` as `last_issued_at_ms`.
 */
export async function buildDemandBidField(
  signer: Signer,
  input: DemandBidInput,
  clock: { now_ms: number; last_issued_at_ms?: number; lifetime_ms?: number },
): Promise<{ field: DemandBidField; issued_at_ms: number }> {
  if (!isInfoHashHex(input.info_hash)) throw new TypeError('info_hash: expected 40 lowercase hex characters');
  const issued_at_ms = Math.max(Math.floor(clock.now_ms), (clock.last_issued_at_ms ?? -1) + 1);
  const lifetime_ms = Math.min(clock.lifetime_ms ?? MAX_BID_LIFETIME_MS, MAX_BID_LIFETIME_MS);
  const bid = await signDemandBid(signer, {
    info_hash: input.info_hash,
    price_units_per_kib: input.price_units_per_kib,
    wanted_bytes: input.wanted_bytes < MAX_WANTED_BYTES ? input.wanted_bytes : MAX_WANTED_BYTES,
    issued_at_ms,
    expires_at_ms: issued_at_ms + lifetime_ms,
  });
  return { field: demandBidToField(bid), issued_at_ms };
}

/** A peer re-signs when its wanted bytes fell by more than 1/RESIGN_WANTED_DIVISOR since its last signed bid. */
export const RESIGN_WANTED_DIVISOR = 10n;

/**
 * Whether the peer should sign a new bid before this announce, given the field it last sent for the torrent (null:
 * none): when the price changes, it starts or stops bidding, its wanted bytes grew or fell by more than a tenth, or
 * less than half the last bid's lifetime is left. Otherwise it re-sends the last field, which the tracker takes for free.
 */
export function demandBidDue(last: DemandBidField | null, next: Pick<DemandBidInput, 'price_units_per_kib' | 'wanted_bytes'>, now_ms: number): boolean {
  const nextWithdrawn = next.price_units_per_kib === 0n || next.wanted_bytes === 0n;
  if (last === null) return !nextWithdrawn;
  const lastPrice = BigInt(last.price_units_per_kib);
  const lastWanted = BigInt(last.wanted_bytes);
  const lastWithdrawn = lastPrice === 0n || lastWanted === 0n;
  if (lastWithdrawn || nextWithdrawn) return lastWithdrawn !== nextWithdrawn;
  if (next.price_units_per_kib !== lastPrice) return true;
  const wanted = next.wanted_bytes < MAX_WANTED_BYTES ? next.wanted_bytes : MAX_WANTED_BYTES;
  if (wanted > lastWanted || (lastWanted - wanted) * RESIGN_WANTED_DIVISOR > lastWanted) return true;
  return 2 * now_ms >= last.issued_at_ms + last.expires_at_ms;
}

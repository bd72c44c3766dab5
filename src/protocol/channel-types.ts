// What the payer and payee channel machines share: how a caller reacts to a rejection, the time margins and the
// "exhausted channel" rule both sides must apply identically, and the invariant and JSON helpers they assert with.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { isPublicKeyHex, SIGNATURE_BYTES, type PublicKeyHex } from './ed25519.ts';
import { costForBytes, parseUnits, type Units } from './money.ts';
import { isChannelId, MAX_SEQ, type ChannelId, type SignedPaymentState } from './payment-state.ts';

/** How the shell treats the peer after a rejected input (rust-lightning's ErrorAction, reduced). */
export type Reaction = 'ignore' | 'warn' | 'disconnect' | 'ban';

export interface Rejection<Code extends string = string> {
  readonly code: Code;
  readonly reaction: Reaction;
}

/** The payee closes a channel this long before the ledger's timeout, so its close lands before the auto-refund. */
export const CLOSE_MARGIN_MS = 2 * 60_000;
/**
 * No piece starts on a channel this close to its timeout; the payer opens the next channel instead. It exceeds
 * CLOSE_MARGIN_MS by more than PAYMENT_DEADLINE_MS, so a piece started just before it is paid before the close.
 */
export const ROLLOVER_MARGIN_MS = 5 * 60_000;
/** The payee refuses a channel with less time left than this: it would need replacing almost at once. */
export const MIN_CHANNEL_LIFETIME_MS = 10 * 60_000;
/** Timeout the payer asks the ledger for when it opens a channel. */
export const CHANNEL_TIMEOUT_MS = 60 * 60_000;
/** Time a payer has, after the last block of a piece was sent, to pay for it: verify + sign + one way, with slack. */
export const PAYMENT_DEADLINE_MS = 15_000;
/** Largest piece length either side accepts (BitTorrent clients rarely exceed 16 MiB). */
export const MAX_PIECE_LENGTH_BYTES = 16 * 1024 * 1024;

export class ChannelInvariantError extends Error {
  override name = 'ChannelInvariantError';
}

/** A broken invariant is a bug in this code or in its shell, never a peer's doing: it throws. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ChannelInvariantError(message);
}

// One-entry memo of the last cost asked for: both machines price the same piece at the same price several times per
// piece, and the bigint conversion and division each time were a measurable share of an all-Speed simulation. The
// result depends only on the arguments, so the memo changes no answer.
let memoPrice: Units = 0n;
let memoBytes = Number.NaN;
let memoCost: Units = 0n;

export function pieceCostUnits(price_units_per_kib: Units, bytes: number): Units {
  if (bytes === memoBytes && price_units_per_kib === memoPrice) return memoCost;
  const cost = costForBytes(price_units_per_kib, BigInt(bytes));
  memoPrice = price_units_per_kib;
  memoBytes = bytes;
  memoCost = cost;
  return cost;
}

/**
 * A channel is exhausted when what is left in it cannot pay one more full piece at the current price. Both sides
 * apply this one rule after every payment and every price change, so they agree on when the next channel is due.
 */
export function isExhausted(escrow_units: Units, paid_units: Units, price_units_per_kib: Units, piece_length_bytes: number): boolean {
  return escrow_units - paid_units < pieceCostUnits(price_units_per_kib, piece_length_bytes);
}

/** True once `now_ms` is within ROLLOVER_MARGIN_MS of the channel's ledger timeout. */
export function isNearTimeout(expires_at_ms: number, now_ms: number): boolean {
  return now_ms >= expires_at_ms - ROLLOVER_MARGIN_MS;
}

export function assertPieceLength(piece_length_bytes: number): void {
  invariant(
    Number.isSafeInteger(piece_length_bytes) && piece_length_bytes > 0 && piece_length_bytes <= MAX_PIECE_LENGTH_BYTES,
    `piece_length_bytes must be an integer in 1..${MAX_PIECE_LENGTH_BYTES}`,
  );
}

// JSON forms: bigint as decimal strings, bytes as lowercase hex. Loaders throw on anything malformed.

export type Json = Record<string, unknown>;

export function jsonObject(value: unknown, title: string): Json {
  invariant(typeof value === 'object' && value !== null && !Array.isArray(value), `${title}: expected an object`);
  return value as Json;
}

export function jsonUnits(value: unknown, title: string): Units {
  invariant(typeof value === 'string', `${title}: expected a decimal string`);
  try {
    return parseUnits(value);
  } catch {
    throw new ChannelInvariantError(`${title}: not a valid amount`);
  }
}

export function jsonSeq(value: unknown, title: string): bigint {
  invariant(typeof value === 'string' && /^\d{1,20}$/.test(value), `${title}: expected a decimal string`);
  const seq = BigInt(value);
  invariant(seq <= MAX_SEQ, `${title}: out of range`);
  return seq;
}

export function jsonInt(value: unknown, title: string, min = 0): number {
  invariant(Number.isSafeInteger(value) && (value as number) >= min, `${title}: expected an integer >= ${min}`);
  return value as number;
}

export function jsonChannelId(value: unknown, title: string): ChannelId {
  invariant(isChannelId(value), `${title}: expected a channel id`);
  return value;
}

export function jsonKey(value: unknown, title: string): PublicKeyHex {
  invariant(isPublicKeyHex(value), `${title}: expected a public key`);
  return value;
}

export function jsonOneOf<T extends string>(value: unknown, options: readonly T[], title: string): T {
  invariant(typeof value === 'string' && (options as readonly string[]).includes(value), `${title}: unexpected value`);
  return value as T;
}

export function signedStateToJson(state: SignedPaymentState): Json {
  return {
    channel_id: state.channel_id,
    amount_units: state.amount_units.toString(),
    seq: state.seq.toString(),
    signature: bytesToHex(state.signature),
  };
}

export function signedStateFromJson(value: unknown, title: string): SignedPaymentState {
  const o = jsonObject(value, title);
  invariant(typeof o.signature === 'string' && /^[0-9a-f]+$/.test(o.signature), `${title}.signature: expected hex`);
  const signature = hexToBytes(o.signature);
  invariant(signature.length === SIGNATURE_BYTES, `${title}.signature: expected ${SIGNATURE_BYTES} bytes`);
  return {
    channel_id: jsonChannelId(o.channel_id, `${title}.channel_id`),
    amount_units: jsonUnits(o.amount_units, `${title}.amount_units`),
    seq: jsonSeq(o.seq, `${title}.seq`),
    signature,
  };
}

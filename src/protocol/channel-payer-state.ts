// The requester's payer machine, its data: phases, state, events and effects, the budget, and the invariants every
// step of channel-payer.ts is checked against (a broken one is a bug in this code or its shell, and throws).
import { isPublicKeyHex, type PublicKeyHex } from './ed25519.ts';
import { minUnits, type Units } from './money.ts';
import type { ChannelId, PaymentState } from './payment-state.ts';
import { hasPiece, isSubset, isValidPieceSet, isValidSuccessor, type PieceSet } from './piece-set.ts';
import { assertPieceLength, invariant } from './channel-types.ts';

/** An escrow covers at most this much data: more would lock funds a vanished provider keeps until the timeout. */
export const MAX_CHANNEL_BYTES = 64 * 1024 * 1024;
/** Largest torrent the paid-piece set tracks (4 Mi pieces: a 512 KiB bitfield). */
export const MAX_PIECE_COUNT = 1 << 22;
/** Consecutive channels given up without a single payment before we stop dealing with this provider. */
export const MAX_EMPTY_CHANNELS = 3;

export type PayerPhase = 'WaitingForBidResponse' | 'WaitingForChannel' | 'Paying' | 'Done' | 'Stopped' | 'Banned';
export type StopReason =
  | 'torrent_cap' | 'day_cap' | 'price_above_bid' | 'not_charged' | 'channel_open_failed' | 'channel_rejected' | 'channel_churn';
/**
 * Stops that end only this paid session, not dealing with the provider: its price rose above our current bid, or it
 * told us we are no longer charged (we lost the auction, or it stopped selling). Units may still come free; if it
 * answers a bid again, the shell starts a fresh session on a new channel.
 */
export const SESSION_STOPS: readonly StopReason[] = ['price_above_bid', 'not_charged'];

/** The user's spend caps and what has been spent against them across all providers (the shell sums `pay` deltas). */
export interface Budget {
  readonly torrent_cap_units: Units;
  readonly torrent_spent_units: Units;
  readonly day_cap_units: Units;
  readonly day_spent_units: Units;
}

export interface PayerChannel {
  readonly channel_id: ChannelId;
  readonly escrow_units: Units;
  readonly expires_at_ms: number;
  readonly amount_units: Units;
  readonly seq: bigint;
  /** Set once it cannot take another full piece (or nears its timeout): the next channel has been asked for. */
  readonly exhausted: boolean;
}

export interface OwedPiece {
  readonly index: number;
  readonly cost_units: Units;
}

export interface PayerState {
  readonly phase: PayerPhase;
  readonly payer_key: PublicKeyHex;
  readonly payee_key: PublicKeyHex | null;
  readonly piece_length_bytes: number;
  readonly piece_count: number;
  /** 0 until the bid response names the price. */
  readonly price_units_per_kib: Units;
  readonly min_escrow_units: Units;
  readonly requested_escrow_units: Units | null;
  readonly channel: PayerChannel | null;
  /** Paid on channels before the current one. */
  readonly retired_units: Units;
  /** Pieces paid to this provider, on any channel: stricter than per channel, and what persistence needs. */
  readonly paid_pieces: PieceSet;
  /** A verified piece the current channel could not take; paid first on the next one. */
  readonly owed: OwedPiece | null;
  /** Consecutive channels given up without a payment on them. */
  readonly empty_channels: number;
  readonly stop_reason: StopReason | null;
}

export type PayerEvent =
  | {
      readonly type: 'bid_response'; readonly payee_key: string; readonly price_units_per_kib: Units;
      readonly min_escrow_units: Units; readonly bid_units_per_kib: Units; readonly remaining_bytes: number; readonly budget: Budget;
    }
  | {
      readonly type: 'channel_opened'; readonly channel_id: ChannelId; readonly escrow_units: Units; readonly expires_at_ms: number;
      readonly budget: Budget;
      /** Sizes a replacement if the price rose while the ledger opened this one; one piece if not given. */
      readonly remaining_bytes?: number;
    }
  /** The provider's wire `error` refusing a channel we announced. */
  | { readonly type: 'channel_rejected'; readonly channel_id: ChannelId }
  | { readonly type: 'channel_open_failed' }
  | {
      readonly type: 'piece_verified'; readonly index: number; readonly bytes: number; readonly remaining_bytes: number; readonly budget: Budget;
      /** Our bid now: a unit is never paid at a price above it (null: we bid nothing, so we pay nothing). */
      readonly bid_units_per_kib: Units | null;
    }
  /** We changed our bid: a price above it ends paying this provider at once, before another unit is paid. */
  | { readonly type: 'bid_changed'; readonly bid_units_per_kib: Units | null }
  /** The provider's word that we are not charged any more (`not_charged`, `not_selling`): it can only cost it. */
  | { readonly type: 'not_charged' }
  | { readonly type: 'piece_failed'; readonly index: number }
  | { readonly type: 'tick'; readonly remaining_bytes: number; readonly budget: Budget }
  | { readonly type: 'done' };

export type PayerEffect =
  | { readonly type: 'open_channel'; readonly payee_key: PublicKeyHex; readonly escrow_units: Units; readonly timeout_ms: number }
  | { readonly type: 'send_channel'; readonly channel_id: ChannelId }
  | { readonly type: 'pay'; readonly state: PaymentState; readonly delta_units: Units; readonly index: number }
  | { readonly type: 'send_done' }
  | { readonly type: 'stop_requesting'; readonly reason: StopReason }
  | { readonly type: 'ban_provider'; readonly reason: 'bad_piece' };

/**
 * `s` with the fields of `c` that are not undefined. Spelled out field by field: V8's object spread of a state this
 * wide cost about twenty times more, and every transition of every paid piece makes one.
 */
export function withPayer(s: PayerState, c: Partial<PayerState>): PayerState {
  return {
    phase: c.phase !== undefined ? c.phase : s.phase,
    payer_key: c.payer_key !== undefined ? c.payer_key : s.payer_key,
    payee_key: c.payee_key !== undefined ? c.payee_key : s.payee_key,
    piece_length_bytes: c.piece_length_bytes !== undefined ? c.piece_length_bytes : s.piece_length_bytes,
    piece_count: c.piece_count !== undefined ? c.piece_count : s.piece_count,
    price_units_per_kib: c.price_units_per_kib !== undefined ? c.price_units_per_kib : s.price_units_per_kib,
    min_escrow_units: c.min_escrow_units !== undefined ? c.min_escrow_units : s.min_escrow_units,
    requested_escrow_units: c.requested_escrow_units !== undefined ? c.requested_escrow_units : s.requested_escrow_units,
    channel: c.channel !== undefined ? c.channel : s.channel,
    retired_units: c.retired_units !== undefined ? c.retired_units : s.retired_units,
    paid_pieces: c.paid_pieces !== undefined ? c.paid_pieces : s.paid_pieces,
    owed: c.owed !== undefined ? c.owed : s.owed,
    empty_channels: c.empty_channels !== undefined ? c.empty_channels : s.empty_channels,
    stop_reason: c.stop_reason !== undefined ? c.stop_reason : s.stop_reason,
  };
}

/** The channel marked exhausted: the next one has been asked for. */
export function exhaustedChannel(ch: PayerChannel): PayerChannel {
  return { channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms, amount_units: ch.amount_units, seq: ch.seq, exhausted: true };
}

/** Everything signed over to this provider, on every channel. */
export function sentUnits(s: PayerState): Units {
  return s.retired_units + (s.channel?.amount_units ?? 0n);
}

export function isPiecePaid(s: PayerState, index: number): boolean {
  return hasPiece(s.paid_pieces, index);
}

/** What the caps still allow, over every provider. */
export function allowanceUnits(b: Budget): Units {
  const left = minUnits(b.torrent_cap_units - b.torrent_spent_units, b.day_cap_units - b.day_spent_units);
  return left > 0n ? left : 0n;
}

export const isFinished = (s: PayerState): boolean => s.phase === 'Done' || s.phase === 'Stopped' || s.phase === 'Banned';

/** Every invariant of a payer state: at creation and after every load from storage. */
export function assertPayerInvariants(s: PayerState): void {
  assertPayerConstants(s);
  assertPaidPieces(s);
  if (s.channel) assertPayerChannel(s.channel);
  assertPayerFields(s);
}

/**
 * After a transition from `prev` (itself asserted at creation, at load or after its own transition): every invariant
 * of `next`, except that a part kept by identity from `prev` (the keys and sizes, the paid-piece set, the current
 * channel) cannot have changed and is not re-derived, then the progress rules between the two.
 */
export function assertPayerTransition(prev: PayerState, next: PayerState): void {
  if (next.payer_key !== prev.payer_key || next.piece_length_bytes !== prev.piece_length_bytes || next.piece_count !== prev.piece_count) {
    assertPayerConstants(next);
  }
  if (next.paid_pieces !== prev.paid_pieces) {
    // Only the chunks the new set does not share with the old (valid) one are re-derived.
    invariant(next.paid_pieces.piece_count === next.piece_count && isValidSuccessor(prev.paid_pieces, next.paid_pieces), 'paid-piece bitfield matches piece_count, spare bits clear');
  }
  if (next.channel !== null && next.channel !== prev.channel) assertPayerChannel(next.channel);
  assertPayerFields(next);
  assertPayerProgress(prev, next);
}

function assertPayerConstants(s: PayerState): void {
  assertPieceLength(s.piece_length_bytes);
  invariant(isPublicKeyHex(s.payer_key), 'payer_key must be a public key');
  invariant(Number.isSafeInteger(s.piece_count) && s.piece_count > 0 && s.piece_count <= MAX_PIECE_COUNT, 'piece_count in range');
}

function assertPaidPieces(s: PayerState): void {
  invariant(s.paid_pieces.piece_count === s.piece_count && isValidPieceSet(s.paid_pieces), 'paid-piece bitfield matches piece_count, spare bits clear');
}

function assertPayerChannel(ch: PayerChannel): void {
  invariant(ch.amount_units >= 0n && ch.amount_units <= ch.escrow_units, 'paid within escrow');
  invariant(ch.seq >= 0n && (ch.seq === 0n) === (ch.amount_units === 0n), 'seq counts the payments');
}

/** The invariants over the fields any transition may change. */
function assertPayerFields(s: PayerState): void {
  invariant(s.retired_units >= 0n && s.min_escrow_units >= 0n, 'amounts are non-negative');
  invariant(s.phase === 'WaitingForBidResponse' || (s.payee_key !== null && s.price_units_per_kib > 0n), 'priced once past the bid response');
  invariant(s.phase !== 'WaitingForBidResponse' || (s.channel === null && s.owed === null && s.retired_units === 0n), 'nothing paid before the bid response');
  invariant((s.phase === 'WaitingForChannel') === (s.requested_escrow_units !== null) || isFinished(s), 'an escrow is requested exactly while waiting for the channel');
  invariant(s.phase !== 'Paying' || (s.channel !== null && !s.channel.exhausted), 'paying needs a live channel');
  invariant(s.owed === null || s.phase !== 'Paying', 'an owed piece waits for the next channel');
  invariant(s.owed === null || (s.owed.index < s.piece_count && !isPiecePaid(s, s.owed.index)), 'an owed piece is a real, unpaid piece');
  invariant((s.phase === 'Stopped') === (s.stop_reason !== null), 'stop reason set exactly when stopped');
  invariant(Number.isSafeInteger(s.empty_channels) && s.empty_channels >= 0 && s.empty_channels < MAX_EMPTY_CHANNELS, 'empty channel count in range');
}

export function assertPayerProgress(prev: PayerState, next: PayerState): void {
  const a = prev.channel;
  const b = next.channel;
  const sameChannel = a !== null && b !== null && a.channel_id === b.channel_id;
  // With the retired total kept and the same channel, the sent totals differ by its amount, checked monotone below:
  // the two bigint sums (each allocates) are needed only when a channel was replaced or retired units moved.
  invariant(
    (next.retired_units === prev.retired_units && (a === b || sameChannel)) || (sentUnits(next) >= sentUnits(prev) && next.retired_units >= prev.retired_units),
    'sent totals never decrease',
  );
  invariant(prev.paid_pieces === next.paid_pieces || isSubset(prev.paid_pieces, next.paid_pieces), 'a paid piece stays paid');
  if (a && b && a !== b && sameChannel) {
    invariant(b.escrow_units === a.escrow_units && b.amount_units >= a.amount_units && b.seq >= a.seq, 'cumulative state is monotone');
    invariant(b.seq - a.seq <= 1n, 'one payment per step');
    invariant(!a.exhausted || b.exhausted, 'an exhausted channel stays exhausted');
  }
  invariant(!isFinished(prev) || next.phase === prev.phase, 'finished is final');
}

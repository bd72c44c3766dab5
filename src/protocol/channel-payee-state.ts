// The provider's payee machine, its data: phases, state, events and effects, and the invariants every step of
// channel-payee.ts is checked against (a broken one is a bug in this code or its shell, and throws).
import type { PublicKeyHex } from './ed25519.ts';
import { type Units } from './money.ts';
import { type ChannelId, type SignedPaymentState } from './payment-state.ts';
import { assertPieceLength, invariant, type Rejection } from './channel-types.ts';
import type { PaymentRejectionCode } from './channel-payee-checks.ts';

/** Late or invalid payments tolerated per session before the requester is banned. */
export const MAX_FAILURES = 3;
/** Channels awaiting the ledger's close confirmation; beyond this the payee stops serving until some confirm. */
export const MAX_PENDING_CLOSES = 8;
/** Retired channel ids remembered, to tell a late payment (ignore) from a foreign channel (disconnect). */
export const MAX_RETIRED_CHANNEL_IDS = 16;

export type PayeePhase = 'WaitingForChannel' | 'WaitingForLedgerCheck' | 'Serving' | 'Closing' | 'Closed';

export interface PayeeTerms {
  readonly payee_key: PublicKeyHex;
  /** The payment key from the requester's Speed handshake: the only key whose states we accept. */
  readonly payer_key: PublicKeyHex;
  readonly piece_length_bytes: number;
  readonly min_escrow_units: Units;
}

export interface PayeeChannel {
  readonly channel_id: ChannelId;
  readonly escrow_units: Units;
  readonly expires_at_ms: number;
  readonly paid_units: Units;
  readonly seq: bigint;
  /** The best state the payer signed on this channel: what we close with. */
  readonly last: SignedPaymentState | null;
}

export interface UnpaidPiece {
  readonly index: number;
  readonly cost_units: Units;
  /** When the last block went out; the payment deadline runs from here. Null while the piece is being sent. */
  readonly delivered_at_ms: number | null;
  readonly deadline_missed: boolean;
}

export interface PayeeState {
  readonly phase: PayeePhase;
  readonly terms: PayeeTerms;
  readonly price_units_per_kib: Units;
  /** A new auction price waits here while a piece is unpaid, so the requester prices every piece as we do. */
  readonly pending_price_units_per_kib: Units | null;
  readonly candidate_id: ChannelId | null;
  readonly channel: PayeeChannel | null;
  readonly retired_ids: readonly ChannelId[];
  readonly closing: readonly SignedPaymentState[];
  /** Accepted on channels retired before the current one. */
  readonly settled_units: Units;
  /** Cost of every piece started in this session, at the price in force when it started. */
  readonly owed_units: Units;
  readonly unpaid: UnpaidPiece | null;
  readonly failures: number;
  readonly banned_until_ms: number | null;
}

/** What the shell reads back from the ledger for the announced channel (null: no such channel). */
export interface LedgerChannel {
  readonly channel_id: ChannelId;
  readonly payer_key: PublicKeyHex;
  readonly payee_key: PublicKeyHex;
  readonly escrow_units: Units;
  readonly expires_at_ms: number;
  readonly open: boolean;
}

export type PayeeEvent =
  | { readonly type: 'channel_announced'; readonly channel_id: ChannelId }
  | { readonly type: 'ledger_channel'; readonly channel_id: ChannelId; readonly channel: LedgerChannel | null }
  | { readonly type: 'piece_started'; readonly index: number; readonly bytes: number }
  | { readonly type: 'piece_delivered'; readonly index: number }
  | { readonly type: 'payment'; readonly payment: SignedPaymentState }
  | { readonly type: 'payment_verified'; readonly payment: SignedPaymentState; readonly ok: boolean }
  | { readonly type: 'price_changed'; readonly price_units_per_kib: Units }
  | { readonly type: 'done' }
  | { readonly type: 'tick' }
  | { readonly type: 'channel_closed'; readonly channel_id: ChannelId };

export type ChannelRejectionCode =
  | 'session_closed' | 'channel_known' | 'channel_reused' | 'check_in_progress' | 'channel_not_found'
  | 'channel_not_open' | 'wrong_payee' | 'wrong_payer' | 'escrow_below_minimum' | 'escrow_below_piece' | 'expires_too_soon';

export type PayeeRejectionCode = PaymentRejectionCode | ChannelRejectionCode | 'bad_signature' | 'payment_late';

export type PayeeEffect =
  | { readonly type: 'fetch_channel'; readonly channel_id: ChannelId }
  | { readonly type: 'reject_channel'; readonly channel_id: ChannelId; readonly code: ChannelRejectionCode }
  | { readonly type: 'verify_payment'; readonly payment: SignedPaymentState; readonly payer_key: PublicKeyHex }
  | { readonly type: 'announce_price'; readonly price_units_per_kib: Units }
  | { readonly type: 'choke'; readonly reason: 'payment_late' | 'payment_invalid' | 'channel_invalid' }
  | { readonly type: 'ban'; readonly until_ms: number; readonly reason: PayeeRejectionCode }
  | { readonly type: 'close_channel'; readonly state: SignedPaymentState };

export interface PayeeStep {
  readonly state: PayeeState;
  readonly effects: readonly PayeeEffect[];
  readonly rejection: Rejection<PayeeRejectionCode> | null;
}

/**
 * `s` with the fields of `c` that are not undefined. Spelled out field by field: V8's object spread of a state this
 * wide cost about twenty times more, and every transition of every paid piece makes one.
 */
export function withPayee(s: PayeeState, c: Partial<PayeeState>): PayeeState {
  return {
    phase: c.phase !== undefined ? c.phase : s.phase,
    terms: c.terms !== undefined ? c.terms : s.terms,
    price_units_per_kib: c.price_units_per_kib !== undefined ? c.price_units_per_kib : s.price_units_per_kib,
    pending_price_units_per_kib: c.pending_price_units_per_kib !== undefined ? c.pending_price_units_per_kib : s.pending_price_units_per_kib,
    candidate_id: c.candidate_id !== undefined ? c.candidate_id : s.candidate_id,
    channel: c.channel !== undefined ? c.channel : s.channel,
    retired_ids: c.retired_ids !== undefined ? c.retired_ids : s.retired_ids,
    closing: c.closing !== undefined ? c.closing : s.closing,
    settled_units: c.settled_units !== undefined ? c.settled_units : s.settled_units,
    owed_units: c.owed_units !== undefined ? c.owed_units : s.owed_units,
    unpaid: c.unpaid !== undefined ? c.unpaid : s.unpaid,
    failures: c.failures !== undefined ? c.failures : s.failures,
    banned_until_ms: c.banned_until_ms !== undefined ? c.banned_until_ms : s.banned_until_ms,
  };
}

/** Everything the payer has paid us in this session, on every channel. */
export function earnedUnits(state: PayeeState): Units {
  return state.settled_units + (state.channel?.paid_units ?? 0n);
}

/** What we delivered and were not (yet) paid for: never more than one piece. */
export function exposureUnits(state: PayeeState): Units {
  const exposure = state.owed_units - earnedUnits(state);
  return exposure > 0n ? exposure : 0n;
}

/** Every invariant of a payee state: at creation and after every load from storage. */
export function assertPayeeInvariants(s: PayeeState): void {
  assertPayeeTerms(s.terms);
  invariant(s.retired_ids.length <= MAX_RETIRED_CHANNEL_IDS, 'counters in range');
  if (s.channel) assertPayeeChannel(s.channel);
  assertPayeeFields(s);
}

/**
 * After a transition from `prev` (itself asserted at creation, at load or after its own transition): every invariant
 * of `next`, except that a part kept by identity from `prev` (terms, retired ids, the current channel) cannot have
 * changed and is not re-derived, then the progress rules between the two.
 */
export function assertPayeeTransition(prev: PayeeState, next: PayeeState): void {
  if (next.terms !== prev.terms) assertPayeeTerms(next.terms);
  if (next.retired_ids !== prev.retired_ids) invariant(next.retired_ids.length <= MAX_RETIRED_CHANNEL_IDS, 'counters in range');
  if (next.channel !== null && next.channel !== prev.channel) assertPayeeChannel(next.channel);
  assertPayeeFields(next);
  assertPayeeProgress(prev, next);
}

function assertPayeeTerms(t: PayeeTerms): void {
  assertPieceLength(t.piece_length_bytes);
  invariant(t.min_escrow_units >= 0n, 'amounts are non-negative');
}

function assertPayeeChannel(ch: PayeeChannel): void {
  invariant(ch.paid_units >= 0n && ch.paid_units <= ch.escrow_units, 'paid within escrow');
  invariant(ch.seq >= 0n, 'seq non-negative');
  invariant(ch.last === null ? ch.paid_units === 0n && ch.seq === 0n : ch.last.amount_units === ch.paid_units && ch.last.seq === ch.seq && ch.last.channel_id === ch.channel_id, 'last state matches the channel');
}

/** The invariants over the fields any transition may change. */
function assertPayeeFields(s: PayeeState): void {
  invariant(s.price_units_per_kib > 0n, 'price must be positive');
  invariant(s.pending_price_units_per_kib === null || s.unpaid !== null, 'a pending price waits only on an unpaid piece');
  invariant(s.settled_units >= 0n && s.owed_units >= 0n, 'amounts are non-negative');
  invariant(s.failures >= 0, 'counters in range');
  invariant((s.phase === 'WaitingForLedgerCheck') === (s.candidate_id !== null), 'a candidate exists exactly while checking it');
  invariant(s.phase !== 'Serving' || s.channel !== null, 'serving needs a channel');
  invariant(s.phase !== 'Closed' || (s.channel === null && s.closing.length === 0), 'closed means nothing left open');
  const earned = earnedUnits(s);
  // owed − earned in (0, cost] with an unpaid piece, ≤ 0 without; compared without the difference (one bigint fewer).
  if (s.unpaid) invariant(s.owed_units > earned && s.owed_units <= earned + s.unpaid.cost_units, 'exposure is at most the one unpaid piece');
  else invariant(s.owed_units <= earned, 'no unpaid piece means nothing owed');
}

export function assertPayeeProgress(prev: PayeeState, next: PayeeState): void {
  const a = prev.channel;
  const b = next.channel;
  const sameChannel = a !== null && b !== null && a.channel_id === b.channel_id;
  // With the settled total kept and the same channel, earnings differ by its paid amount, checked monotone below:
  // the two bigint sums (each allocates) are needed only when a channel was replaced or retired.
  const earnedKept = next.settled_units === prev.settled_units && (a === b || sameChannel);
  invariant(next.owed_units >= prev.owed_units && (earnedKept || earnedUnits(next) >= earnedUnits(prev)), 'owed and earned never decrease');
  invariant(next.failures >= prev.failures, 'failures never decrease');
  if (a && b && a !== b && sameChannel) {
    invariant(b.escrow_units === a.escrow_units, 'escrow is fixed');
    invariant(b.paid_units >= a.paid_units && b.seq >= a.seq, 'cumulative amount and seq are monotone');
    invariant((b.paid_units > a.paid_units) === (b.seq > a.seq), 'amount and seq move together');
  }
  invariant(prev.phase !== 'Closed' || next.phase === 'Closed', 'closed is final');
}

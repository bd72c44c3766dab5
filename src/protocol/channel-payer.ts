// Requester side of the payment channels with one provider: a pure `crankPayer(state, event, now_ms)` → { state,
// effects, rejection }. Signing is the shell's: a `pay` effect carries the exact cumulative state to sign and send.
// Pays each verified piece once, never beyond escrow or the user's caps; a piece failing its hash bans the provider.
import { isPublicKeyHex, type PublicKeyHex } from './ed25519.ts';
import { minUnits, type Units } from './money.ts';
import { emptyPieceSet, withPiece } from './piece-set.ts';
import { CHANNEL_TIMEOUT_MS, invariant, isExhausted, isNearTimeout, pieceCostUnits, type Reaction, type Rejection } from './channel-types.ts';
import {
  allowanceUnits, assertPayerInvariants, assertPayerTransition, exhaustedChannel, isFinished, isPiecePaid, MAX_CHANNEL_BYTES,
  MAX_EMPTY_CHANNELS, MAX_PIECE_COUNT, SESSION_STOPS, sentUnits, withPayer, type Budget, type PayerChannel, type PayerEffect, type PayerEvent, type PayerState,
  type StopReason,
} from './channel-payer-state.ts';

export * from './channel-payer-state.ts';

export type PayerRejectionCode = 'bad_terms' | 'payee_key_changed' | 'price_above_bid' | 'finished' | 'already_paid' | 'not_paying' | 'not_current';

const REACTIONS: Record<PayerRejectionCode, Reaction> = {
  bad_terms: 'disconnect',
  payee_key_changed: 'disconnect',
  price_above_bid: 'warn',
  finished: 'ignore',
  // Our own shell's inputs: a piece already paid, or one that arrived for free (no channel yet), is simply not paid.
  already_paid: 'ignore',
  not_paying: 'ignore',
  // A refusal of a channel we already gave up (the provider saw it after a price rise): it changes nothing.
  not_current: 'ignore',
};

export interface PayerStep {
  readonly state: PayerState;
  readonly effects: readonly PayerEffect[];
  readonly rejection: Rejection<PayerRejectionCode> | null;
}

export function createPayer(payer_key: PublicKeyHex, piece_length_bytes: number, piece_count: number): PayerState {
  invariant(Number.isSafeInteger(piece_count) && piece_count > 0 && piece_count <= MAX_PIECE_COUNT, 'piece_count out of range');
  const state: PayerState = {
    phase: 'WaitingForBidResponse', payer_key, payee_key: null, piece_length_bytes, piece_count, price_units_per_kib: 0n,
    min_escrow_units: 0n, requested_escrow_units: null, channel: null, retired_units: 0n,
    paid_pieces: emptyPieceSet(piece_count), owed: null, empty_channels: 0, stop_reason: null,
  };
  assertPayerInvariants(state);
  return state;
}

/** May the shell request another piece from this provider, knowing it will have to pay for it? */
export function canRequest(s: PayerState, budget: Budget, now_ms: number): boolean {
  const ch = s.channel;
  return (
    s.phase === 'Paying' && ch !== null && !isNearTimeout(ch.expires_at_ms, now_ms) &&
    pieceCostUnits(s.price_units_per_kib, s.piece_length_bytes) <= allowanceUnits(budget)
  );
}

export function crankPayer(state: PayerState, event: PayerEvent, now_ms: number): PayerStep {
  const step = transition(state, event, now_ms);
  assertPayerTransition(state, step.state);
  return step;
}

function transition(s: PayerState, e: PayerEvent, now_ms: number): PayerStep {
  if (isFinished(s) && e.type !== 'channel_opened') return reject(s, 'finished');
  switch (e.type) {
    case 'bid_response': return onBidResponse(s, e);
    case 'channel_opened': return onChannelOpened(s, e, now_ms);
    case 'channel_rejected':
      if (s.phase !== 'Paying' || s.channel?.channel_id !== e.channel_id) return reject(s, 'not_current');
      return stop(s, 'channel_rejected', []);
    case 'channel_open_failed':
      invariant(s.phase === 'WaitingForChannel', 'channel_open_failed without an open_channel');
      return stop(withPayer(s, { requested_escrow_units: null }), 'channel_open_failed', []);
    case 'piece_verified': return onPieceVerified(s, e, now_ms);
    case 'piece_failed':
      invariant(Number.isSafeInteger(e.index) && e.index >= 0 && e.index < s.piece_count, 'piece index out of range');
      return ok(withPayer(s, { phase: 'Banned' }), [{ type: 'send_done' }, { type: 'ban_provider', reason: 'bad_piece' }]);
    case 'tick': {
      const ch = s.channel;
      if (s.phase !== 'Paying' || !ch || !isNearTimeout(ch.expires_at_ms, now_ms)) return ok(s);
      return rollover(withPayer(s, { channel: exhaustedChannel(ch) }), e.remaining_bytes, e.budget, []);
    }
    case 'bid_changed':
      if (s.phase === 'WaitingForBidResponse' || !aboveBid(s.price_units_per_kib, e.bid_units_per_kib)) return ok(s);
      return endSession(s, 'price_above_bid');
    case 'not_charged': return s.phase === 'WaitingForBidResponse' ? ok(s) : endSession(s, 'not_charged');
    case 'done': return ok(withPayer(s, { phase: 'Done' }), [{ type: 'send_done' }]);
  }
}

function onChannelOpened(s: PayerState, e: Extract<PayerEvent, { type: 'channel_opened' }>, now_ms: number): PayerStep {
  invariant(s.requested_escrow_units !== null && e.escrow_units === s.requested_escrow_units, 'channel_opened without a matching open_channel');
  invariant(e.expires_at_ms > now_ms, 'channel_opened already expired');
  // Finished while the ledger was opening it: nothing will be paid on it; it refunds at its timeout.
  if (isFinished(s)) return ok(withPayer(s, { requested_escrow_units: null }));
  const prev = s.channel;
  const channel: PayerChannel = {
    channel_id: e.channel_id, escrow_units: e.escrow_units, expires_at_ms: e.expires_at_ms, amount_units: 0n, seq: 0n, exhausted: false,
  };
  const empty_channels = prev === null ? 0 : prev.amount_units === 0n ? s.empty_channels + 1 : 0;
  const opened: PayerState = withPayer(s, { phase: 'Paying', requested_escrow_units: null, channel, retired_units: sentUnits(s), owed: null, empty_channels });
  const owed = s.owed;
  if (!owed) {
    // The price rose while the ledger was opening it: it cannot take a piece any more, so it is never announced.
    if (isExhausted(e.escrow_units, 0n, s.price_units_per_kib, s.piece_length_bytes)) {
      return rollover(withPayer(opened, { channel: exhaustedChannel(channel) }), e.remaining_bytes ?? s.piece_length_bytes, e.budget, []);
    }
    return ok(opened, [{ type: 'send_channel', channel_id: e.channel_id }]);
  }
  if (owed.cost_units > allowanceUnits(e.budget)) {
    // The caps moved while the ledger opened it: leave it unannounced; the ledger refunds it at its timeout.
    return stop(withPayer(s, { requested_escrow_units: null }), capReason(e.budget, owed.cost_units), []);
  }
  const effects: PayerEffect[] = [{ type: 'send_channel', channel_id: e.channel_id }];
  return afterPayment(pay(opened, owed.index, owed.cost_units, effects), e.remaining_bytes ?? s.piece_length_bytes, e.budget, owed.cost_units, now_ms, effects);
}

/** Shared by every step without effects; frozen, since the shell only reads a step's effects. */
const NO_EFFECTS: readonly PayerEffect[] = Object.freeze([]);

function ok(state: PayerState, effects: readonly PayerEffect[] = NO_EFFECTS): PayerStep {
  return { state, effects, rejection: null };
}

function reject(state: PayerState, code: PayerRejectionCode): PayerStep {
  return { state, effects: [], rejection: { code, reaction: REACTIONS[code] } };
}

const aboveBid = (price: Units, bid: Units | null) => bid === null || price > bid;

/** Stops paying this provider without giving up on it (SESSION_STOPS): no `done`, requests go on, units come free. */
function endSession(s: PayerState, reason: StopReason): PayerStep {
  invariant(SESSION_STOPS.includes(reason), 'not a session stop');
  return ok(withPayer(s, { phase: 'Stopped', stop_reason: reason }));
}

function stop(s: PayerState, reason: StopReason, effects: PayerEffect[]): PayerStep {
  const stopped: PayerState = withPayer(s, { phase: 'Stopped', stop_reason: reason });
  return ok(stopped, [...effects, { type: 'stop_requesting', reason }, { type: 'send_done' }]);
}

/** The budget as it stands once this step's own payment is counted (the shell adds it only after the step). */
function spend(b: Budget, units: Units): Budget {
  return { ...b, torrent_spent_units: b.torrent_spent_units + units, day_spent_units: b.day_spent_units + units };
}

function capReason(b: Budget, needed_units: Units): StopReason {
  return b.torrent_cap_units - b.torrent_spent_units < needed_units ? 'torrent_cap' : 'day_cap';
}

/** A key equal to the one already accepted passed the pattern check then: a repriced session skips the match. */
function isKeyOrKnown(key: string, known: PublicKeyHex | null): key is PublicKeyHex {
  return (known !== null && key === known) || isPublicKeyHex(key);
}

function onBidResponse(s: PayerState, e: Extract<PayerEvent, { type: 'bid_response' }>): PayerStep {
  if (!isKeyOrKnown(e.payee_key, s.payee_key) || e.price_units_per_kib <= 0n || e.min_escrow_units < 0n) return reject(s, 'bad_terms');
  if (s.payee_key !== null && e.payee_key !== s.payee_key) return reject(s, 'payee_key_changed');
  if (e.price_units_per_kib > e.bid_units_per_kib) {
    // Before a channel exists we simply do not take the offer; later, a raised price ends paying this provider.
    if (s.phase === 'WaitingForBidResponse') return reject(s, 'price_above_bid');
    return { ...endSession(s, 'price_above_bid'), rejection: { code: 'price_above_bid', reaction: REACTIONS.price_above_bid } };
  }
  const priced: PayerState = withPayer(s, { payee_key: e.payee_key, price_units_per_kib: e.price_units_per_kib, min_escrow_units: e.min_escrow_units });
  if (s.phase === 'WaitingForBidResponse') return openChannel(priced, e.remaining_bytes, e.budget, []);
  const ch = priced.channel;
  // The provider applies the same rule to the new price and closes the channel; open the next one.
  if (priced.phase === 'Paying' && ch && isExhausted(ch.escrow_units, ch.amount_units, priced.price_units_per_kib, s.piece_length_bytes)) {
    return rollover(withPayer(priced, { channel: exhaustedChannel(ch) }), e.remaining_bytes, e.budget, []);
  }
  return ok(priced);
}

function onPieceVerified(s: PayerState, e: Extract<PayerEvent, { type: 'piece_verified' }>, now_ms: number): PayerStep {
  invariant(Number.isSafeInteger(e.index) && e.index >= 0 && e.index < s.piece_count, 'piece index out of range');
  invariant(Number.isSafeInteger(e.bytes) && e.bytes > 0 && e.bytes <= s.piece_length_bytes, 'piece bytes out of range');
  if (isPiecePaid(s, e.index) || s.owed?.index === e.index) return reject(s, 'already_paid');
  const ch = s.channel;
  if (s.phase !== 'Paying' || !ch) return reject(s, 'not_paying');
  // Checked on every unit, not only when a price arrives: our bid may have fallen since.
  if (aboveBid(s.price_units_per_kib, e.bid_units_per_kib)) return endSession(s, 'price_above_bid');
  const cost_units = pieceCostUnits(s.price_units_per_kib, e.bytes);
  if (cost_units > allowanceUnits(e.budget)) return stop(s, capReason(e.budget, cost_units), []);
  if (ch.amount_units + cost_units > ch.escrow_units) {
    // Only a shorter rule on the provider's side gets here; the piece waits for the next channel.
    const owing: PayerState = withPayer(s, { owed: { index: e.index, cost_units }, channel: exhaustedChannel(ch) });
    return rollover(owing, e.remaining_bytes, e.budget, []);
  }
  const effects: PayerEffect[] = [];
  return afterPayment(pay(s, e.index, cost_units, effects), e.remaining_bytes, e.budget, cost_units, now_ms, effects);
}

/** Signs over `cost_units` more for piece `index` on the current channel. Pushes the `pay` effect. */
function pay(s: PayerState, index: number, cost_units: Units, effects: PayerEffect[]): PayerState {
  const ch = s.channel;
  invariant(ch !== null && ch.amount_units + cost_units <= ch.escrow_units, 'payment beyond escrow');
  const channel: PayerChannel = {
    channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms, amount_units: ch.amount_units + cost_units,
    seq: ch.seq + 1n, exhausted: ch.exhausted,
  };
  const paid_pieces = withPiece(s.paid_pieces, index);
  const state = { channel_id: channel.channel_id, amount_units: channel.amount_units, seq: channel.seq };
  effects.push({ type: 'pay', state, delta_units: cost_units, index });
  return withPayer(s, { channel, paid_pieces });
}

/**
 * After a payment of `paid_units`: finished if nothing remains; otherwise roll over once the channel is exhausted or
 * near its timeout, against the budget with this payment counted (built only then: most payments do not roll over).
 */
function afterPayment(s: PayerState, remaining_bytes: number, budget: Budget, paid_units: Units, now_ms: number, effects: PayerEffect[]): PayerStep {
  if (remaining_bytes === 0) return ok(withPayer(s, { phase: 'Done' }), [...effects, { type: 'send_done' }]);
  const ch = s.channel;
  invariant(ch !== null, 'paid without a channel');
  if (!isExhausted(ch.escrow_units, ch.amount_units, s.price_units_per_kib, s.piece_length_bytes) && !isNearTimeout(ch.expires_at_ms, now_ms)) {
    return ok(s, effects);
  }
  return rollover(withPayer(s, { channel: exhaustedChannel(ch) }), remaining_bytes, spend(budget, paid_units), effects);
}

function rollover(s: PayerState, remaining_bytes: number, budget: Budget, effects: PayerEffect[]): PayerStep {
  if (remaining_bytes <= 0 && !s.owed) return ok(withPayer(s, { phase: 'Done' }), [...effects, { type: 'send_done' }]);
  // A provider that keeps us opening channels it never earns on would lock our funds until each one times out.
  if (s.channel?.amount_units === 0n && s.empty_channels + 1 >= MAX_EMPTY_CHANNELS) return stop(s, 'channel_churn', effects);
  return openChannel(s, remaining_bytes, budget, effects);
}

/** Escrow = the next MAX_CHANNEL_BYTES (or what remains) in whole pieces, at least the provider's minimum, within the caps. */
function openChannel(s: PayerState, remaining_bytes: number, budget: Budget, effects: PayerEffect[]): PayerStep {
  invariant(Number.isSafeInteger(remaining_bytes) && remaining_bytes >= 0, 'remaining_bytes must be a non-negative integer');
  invariant(s.payee_key !== null, 'open_channel before the bid response');
  if (remaining_bytes === 0 && !s.owed) return ok(withPayer(s, { phase: 'Done' }), [...effects, { type: 'send_done' }]);
  const piece_cost = pieceCostUnits(s.price_units_per_kib, s.piece_length_bytes);
  const pieces_per_channel = Math.max(1, Math.floor(MAX_CHANNEL_BYTES / s.piece_length_bytes));
  const pieces = Math.min(Math.ceil(remaining_bytes / s.piece_length_bytes), pieces_per_channel);
  const owed_units = s.owed?.cost_units ?? 0n;
  const floor_units = (s.min_escrow_units > piece_cost ? s.min_escrow_units : piece_cost) + owed_units;
  const want_units = BigInt(pieces) * piece_cost + owed_units;
  const allowance = allowanceUnits(budget);
  if (floor_units > allowance) return stop(s, capReason(budget, floor_units), effects);
  const escrow_units = minUnits(want_units > floor_units ? want_units : floor_units, allowance);
  const open: PayerEffect = { type: 'open_channel', payee_key: s.payee_key, escrow_units, timeout_ms: CHANNEL_TIMEOUT_MS };
  return ok(withPayer(s, { phase: 'WaitingForChannel', requested_escrow_units: escrow_units }), [...effects, open]);
}

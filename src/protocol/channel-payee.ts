// Provider side of the payment channels with one requester for one torrent: a pure `crankPayee(state, event, now_ms)`
// → { state, effects, rejection }. No I/O, no clock, inputs never mutated; invariants are asserted after every step.
//
// Signatures: the core stays synchronous. A `payment` event runs every cheap check first (channel, escrow,
// monotonicity), so stale or bogus states never cost a verification; if it passes, the core changes nothing and
// emits `verify_payment`. The shell verifies exactly those bytes against `payer_key` (WebCrypto) and feeds back
// `payment_verified { payment, ok }`, which re-runs the checks (another payment may have landed meanwhile) before
// accepting. The shell must produce `payment_verified` only from a real verification of that payment.
import { type Units } from './money.ts';
import { type ChannelId, type SignedPaymentState } from './payment-state.ts';
import {
  CLOSE_MARGIN_MS, invariant, isExhausted, isNearTimeout, MIN_CHANNEL_LIFETIME_MS, PAYMENT_DEADLINE_MS, pieceCostUnits,
  type Reaction, type Rejection,
} from './channel-types.ts';
import { checkPayment } from './channel-payee-checks.ts';
import { BAN_DURATION_MS } from './bans.ts';
import {
  assertPayeeInvariants, assertPayeeTransition, earnedUnits, MAX_FAILURES, MAX_PENDING_CLOSES,
  MAX_RETIRED_CHANNEL_IDS, withPayee, type ChannelRejectionCode, type LedgerChannel, type PayeeChannel, type PayeeEffect,
  type PayeeEvent, type PayeeRejectionCode, type PayeeState, type PayeeStep, type PayeeTerms,
} from './channel-payee-state.ts';

export { checkPayment, type PaymentRejectionCode } from './channel-payee-checks.ts';
export * from './channel-payee-state.ts';

const CHANNEL_REACTIONS: Record<ChannelRejectionCode, Reaction> = {
  session_closed: 'ignore',
  channel_known: 'ignore',
  check_in_progress: 'warn',
  channel_reused: 'disconnect',
  channel_not_found: 'warn',
  channel_not_open: 'warn',
  escrow_below_minimum: 'warn',
  // Opened for one piece at the old price just before a price rise: the payer opens the next one itself.
  escrow_below_piece: 'ignore',
  expires_too_soon: 'warn',
  // Announcing a channel that pays someone else, or is paid by someone else, is an attempt to be served for free.
  wrong_payee: 'ban',
  wrong_payer: 'ban',
};

export function createPayee(terms: PayeeTerms, price_units_per_kib: Units): PayeeState {
  const state: PayeeState = {
    phase: 'WaitingForChannel', terms, price_units_per_kib, pending_price_units_per_kib: null, candidate_id: null,
    channel: null, retired_ids: [], closing: [], settled_units: 0n, owed_units: 0n, unpaid: null, failures: 0,
    banned_until_ms: null,
  };
  assertPayeeInvariants(state);
  return state;
}

/** May the shell start sending the next piece to this requester? */
export function canServe(state: PayeeState, now_ms: number): boolean {
  const ch = state.channel;
  return (
    (state.phase === 'Serving' || state.phase === 'WaitingForLedgerCheck') &&
    ch !== null &&
    state.unpaid === null &&
    state.owed_units <= earnedUnits(state) && // exposureUnits(state) === 0n, without the difference's bigint
    !isExhausted(ch.escrow_units, ch.paid_units, state.price_units_per_kib, state.terms.piece_length_bytes) &&
    !isNearTimeout(ch.expires_at_ms, now_ms) &&
    state.closing.length < MAX_PENDING_CLOSES
  );
}

export function crankPayee(state: PayeeState, event: PayeeEvent, now_ms: number): PayeeStep {
  const step = transition(state, event, now_ms);
  assertPayeeTransition(state, step.state);
  return step;
}

function transition(s: PayeeState, e: PayeeEvent, now_ms: number): PayeeStep {
  switch (e.type) {
    case 'channel_announced': return onChannelAnnounced(s, e.channel_id);
    case 'ledger_channel': return onLedgerChannel(s, e.channel_id, e.channel, now_ms);
    case 'piece_started': {
      invariant(canServe(s, now_ms), 'piece_started while canServe is false');
      invariant(Number.isSafeInteger(e.index) && e.index >= 0, 'piece index must be a non-negative integer');
      invariant(Number.isSafeInteger(e.bytes) && e.bytes > 0 && e.bytes <= s.terms.piece_length_bytes, 'piece bytes out of range');
      const cost_units = pieceCostUnits(s.price_units_per_kib, e.bytes);
      const owed_units = s.owed_units + cost_units;
      // A payer may pay ahead; a piece its credit already covers is never unpaid.
      if (earnedUnits(s) >= owed_units) return ok(withPayee(s, { owed_units }));
      return ok(withPayee(s, { owed_units, unpaid: { index: e.index, cost_units, delivered_at_ms: null, deadline_missed: false } }));
    }
    case 'piece_delivered': {
      // The payment may outrun the shell's own "delivered" notice; then there is nothing left to time.
      if (!s.unpaid) return ok(s);
      invariant(s.unpaid.index === e.index && s.unpaid.delivered_at_ms === null, 'piece_delivered for a piece not in flight');
      const u = s.unpaid;
      return ok(withPayee(s, { unpaid: { index: u.index, cost_units: u.cost_units, delivered_at_ms: now_ms, deadline_missed: u.deadline_missed } }));
    }
    case 'payment': {
      const rejection = checkPayment(s, e.payment);
      if (rejection) return penalize(s, rejection, now_ms);
      return { state: s, effects: [{ type: 'verify_payment', payment: e.payment, payer_key: s.terms.payer_key }], rejection: null };
    }
    case 'payment_verified': {
      if (!e.ok) return penalize(s, { code: 'bad_signature', reaction: 'ban' }, now_ms);
      const rejection = checkPayment(s, e.payment);
      if (rejection) return penalize(s, rejection, now_ms);
      return accept(s, e.payment);
    }
    case 'price_changed': {
      invariant(e.price_units_per_kib > 0n, 'price must be positive');
      if (s.unpaid) return ok(withPayee(s, { pending_price_units_per_kib: e.price_units_per_kib }));
      return applyPrice(s, e.price_units_per_kib, []);
    }
    case 'done': return finish(s, []);
    case 'tick': return onTick(s, now_ms);
    case 'channel_closed': {
      const closing = s.closing.filter((c) => c.channel_id !== e.channel_id);
      return ok(withPayee(s, { closing, phase: s.phase === 'Closing' && closing.length === 0 ? 'Closed' : s.phase }));
    }
  }
}

/**
 * The payment a step accepted, if it accepted one: the live channel's new last state, or — when that payment used
 * up the escrow and the channel retired in the same step — the state it is now closing with.
 */
export function acceptedPayment(before: PayeeState, after: PayeeState): SignedPaymentState | null {
  if (after === before || earnedUnits(after) <= earnedUnits(before)) return null; // most steps change nothing
  if (after.channel) return after.channel.last;
  const retired = before.channel?.channel_id;
  return after.closing.findLast((c) => c.channel_id === retired) ?? null;
}

/** Shared by every step without effects; frozen, since the shell only reads a step's effects. */
const NO_EFFECTS: readonly PayeeEffect[] = Object.freeze([]);

function ok(state: PayeeState, effects: readonly PayeeEffect[] = NO_EFFECTS): PayeeStep {
  return { state, effects, rejection: null };
}

function refuse(s: PayeeState, code: ChannelRejectionCode): PayeeStep {
  return { state: s, effects: [], rejection: { code, reaction: CHANNEL_REACTIONS[code] } };
}

function onChannelAnnounced(s: PayeeState, channel_id: ChannelId): PayeeStep {
  if (s.phase === 'Closing' || s.phase === 'Closed') return refuse(s, 'session_closed');
  if (s.channel?.channel_id === channel_id || s.candidate_id === channel_id) return refuse(s, 'channel_known');
  if (s.retired_ids.includes(channel_id)) return refuse(s, 'channel_reused');
  if (s.candidate_id !== null) return refuse(s, 'check_in_progress');
  return ok(withPayee(s, { phase: 'WaitingForLedgerCheck', candidate_id: channel_id }), [{ type: 'fetch_channel', channel_id }]);
}

function onLedgerChannel(s: PayeeState, channel_id: ChannelId, info: LedgerChannel | null, now_ms: number): PayeeStep {
  invariant(s.phase === 'WaitingForLedgerCheck' && s.candidate_id === channel_id, 'ledger_channel for a channel not being checked');
  const code = ledgerMismatch(s, channel_id, info, now_ms);
  const back: PayeeState = withPayee(s, { candidate_id: null, phase: s.channel ? 'Serving' : 'WaitingForChannel' });
  if (code || !info) {
    const c = code ?? 'channel_not_found';
    const rejection = { code: c, reaction: CHANNEL_REACTIONS[c] };
    const refused = penalize(back, rejection, now_ms);
    return { ...refused, effects: [{ type: 'reject_channel', channel_id, code: c }, ...refused.effects] };
  }
  const effects: PayeeEffect[] = [];
  const retired = retire(back, effects);
  const channel: PayeeChannel = {
    channel_id, escrow_units: info.escrow_units, expires_at_ms: info.expires_at_ms, paid_units: 0n, seq: 0n, last: null,
  };
  return ok(withPayee(retired, { phase: 'Serving', channel }), effects);
}

function ledgerMismatch(s: PayeeState, id: ChannelId, info: LedgerChannel | null, now_ms: number): ChannelRejectionCode | null {
  if (!info || info.channel_id !== id) return 'channel_not_found';
  if (!info.open) return 'channel_not_open';
  if (info.payee_key !== s.terms.payee_key) return 'wrong_payee';
  if (info.payer_key !== s.terms.payer_key) return 'wrong_payer';
  if (info.escrow_units < s.terms.min_escrow_units) return 'escrow_below_minimum';
  if (isExhausted(info.escrow_units, 0n, s.price_units_per_kib, s.terms.piece_length_bytes)) return 'escrow_below_piece';
  if (info.expires_at_ms - now_ms < MIN_CHANNEL_LIFETIME_MS) return 'expires_too_soon';
  return null;
}

function accept(s: PayeeState, payment: SignedPaymentState): PayeeStep {
  const ch = s.channel;
  invariant(ch !== null, 'accept without a channel');
  const channel: PayeeChannel = {
    channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms, paid_units: payment.amount_units,
    seq: payment.seq, last: payment,
  };
  // Earned once this payment counts: the retired channels' total plus the new cumulative amount.
  const settled = s.unpaid !== null && s.settled_units + payment.amount_units >= s.owed_units;
  const next: PayeeState = withPayee(s, { channel, unpaid: settled ? null : s.unpaid });
  const pending = next.pending_price_units_per_kib;
  if (next.unpaid === null && pending !== null) return applyPrice(next, pending, []);
  return closeIfExhausted(next, []);
}

/** A new price takes effect only between pieces, and the requester is told before the next piece starts. */
function applyPrice(s: PayeeState, price_units_per_kib: Units, effects: PayeeEffect[]): PayeeStep {
  const next = withPayee(s, { price_units_per_kib, pending_price_units_per_kib: null });
  return closeIfExhausted(next, [...effects, { type: 'announce_price', price_units_per_kib }]);
}

/** The payer applies the same rule and opens the next channel; closing now releases its unspent escrow sooner. */
function closeIfExhausted(s: PayeeState, effects: PayeeEffect[]): PayeeStep {
  const ch = s.channel;
  if (!ch || !isExhausted(ch.escrow_units, ch.paid_units, s.price_units_per_kib, s.terms.piece_length_bytes)) return ok(s, effects);
  const retired = retire(s, effects);
  return ok(withPayee(retired, { phase: retired.candidate_id ? 'WaitingForLedgerCheck' : 'WaitingForChannel' }), effects);
}

/** Payment deadline first (choke, maybe ban), then the ledger timeout (close before the auto-refund). */
function onTick(s: PayeeState, now_ms: number): PayeeStep {
  const u = s.unpaid;
  const late = u !== null && u.delivered_at_ms !== null && !u.deadline_missed && now_ms >= u.delivered_at_ms + PAYMENT_DEADLINE_MS;
  const first = late ? penalize(withPayee(s, { unpaid: { index: u.index, cost_units: u.cost_units, delivered_at_ms: u.delivered_at_ms, deadline_missed: true } }), { code: 'payment_late', reaction: 'warn' }, now_ms) : ok(s);
  const t = first.state;
  const ch = t.channel;
  if (!ch || now_ms < ch.expires_at_ms - CLOSE_MARGIN_MS || t.phase === 'Closing' || t.phase === 'Closed') return first;
  const effects = [...first.effects];
  const retired = retire(t, effects);
  return { ...first, state: withPayee(retired, { phase: retired.candidate_id ? 'WaitingForLedgerCheck' : 'WaitingForChannel' }), effects };
}

/** Applies a rejection's reaction: ignore changes nothing, warn and disconnect count a failure, ban ends the session. */
function penalize(s: PayeeState, rejection: Rejection<PayeeRejectionCode>, now_ms: number): PayeeStep {
  if (rejection.reaction === 'ignore') return { state: s, effects: [], rejection };
  const failures = s.failures + 1;
  if (rejection.reaction === 'ban' || failures >= MAX_FAILURES) {
    const until_ms = now_ms + BAN_DURATION_MS;
    const step = finish(withPayee(s, { failures, banned_until_ms: until_ms }), [{ type: 'ban', until_ms, reason: rejection.code }]);
    return { ...step, rejection: { code: rejection.code, reaction: 'ban' } };
  }
  const reason = rejection.code === 'payment_late' ? 'payment_late' : rejection.code in CHANNEL_REACTIONS ? 'channel_invalid' : 'payment_invalid';
  const effects: PayeeEffect[] = rejection.reaction === 'warn' ? [{ type: 'choke', reason }] : [];
  return { state: withPayee(s, { failures }), effects, rejection };
}

/** Ends the session: close the current channel with its best state, then wait for the ledger's confirmations. */
function finish(s: PayeeState, effects: PayeeEffect[]): PayeeStep {
  if (s.phase === 'Closing' || s.phase === 'Closed') return ok(s, effects);
  const retired = retire(withPayee(s, { candidate_id: null }), effects);
  return ok(withPayee(retired, { phase: retired.closing.length ? 'Closing' : 'Closed' }), effects);
}

/** Moves the current channel to the retired list; if the payer ever paid on it, queues its close. Pushes onto `effects`. */
function retire(s: PayeeState, effects: PayeeEffect[]): PayeeState {
  const ch = s.channel;
  if (!ch) return s;
  if (ch.last) effects.push({ type: 'close_channel', state: ch.last });
  return withPayee(s, {
    channel: null,
    settled_units: s.settled_units + ch.paid_units,
    retired_ids: [...s.retired_ids, ch.channel_id].slice(-MAX_RETIRED_CHANNEL_IDS),
    closing: ch.last ? [...s.closing, ch.last] : s.closing,
  });
}

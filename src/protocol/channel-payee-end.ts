// How a provider's paid session with one requester ends without a payment fault: the requester stopped winning
// (round-outcome.ts `end`), or the unit in flight can no longer be completed. Both forgive at most the one unit in
// flight — the exposure the paper accepts — and never a unit already past its payment deadline.
import { assertPayeeInvariants, crankPayee, type PayeeState, type PayeeStep } from './channel-payee.ts';

/** Units in flight forgiven per requester and wire or rejoin: bounds what reconnecting or re-bidding can take for free. */
export const MAX_FORGIVEN_UNITS = 4;

/**
 * Drops the one unpaid unit when the requester can no longer complete it: we choked it mid-unit (`delivered`
 * false: only a unit never fully sent), or its connection ended and it came back (`delivered` true: a reload loses
 * every unit not yet verified, even one fully received). Such a requester cannot pay for the unit and asks for
 * others first, which the serving gate holds back behind the unpaid one: both sides would wait out the deadline. If
 * the requester did pay it, the payment arrives as credit. Invariants are re-asserted on the rewritten state.
 */
export function forgiveInFlight(state: PayeeState, delivered: boolean): PayeeState {
  const u = state.unpaid;
  if (!u || u.deadline_missed || (!delivered && u.delivered_at_ms !== null)) return state;
  const next: PayeeState = { ...state, unpaid: null, owed_units: state.owed_units - u.cost_units, pending_price_units_per_kib: null };
  const pending = state.pending_price_units_per_kib;
  const priced = pending === null ? next : { ...next, price_units_per_kib: pending };
  assertPayeeInvariants(priced);
  return priced;
}

/**
 * The requester is no longer charged: the unit in flight is forgiven (when `forgive`; the shell bounds how often),
 * since the requester is told it is free now and pays nothing more on this session; then the session closes its
 * channel with the best state signed. From here on the old price is never charged again.
 */
export function endPaidSession(state: PayeeState, now_ms: number, forgive: boolean): PayeeStep {
  const forgiven = forgive ? forgiveInFlight(state, true) : state;
  return crankPayee(forgiven, { type: 'done' }, now_ms);
}

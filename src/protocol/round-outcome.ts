// What a choke round means for each peer's money (spec §7.4): charged at the uniform price, served free, or choked;
// and what that does to the peer's paid session. The shell applies these results; it decides nothing about money.
import type { ChokeRound, PeerId } from './choker.ts';
import type { Units } from './money.ts';

/** One peer's result of one round. Only auction winners are charged, all at the clearing price. */
export type PeerOutcome =
  | { readonly kind: 'charged'; readonly price_units_per_kib: Units }
  /** Unchoked in a tit-for-tat or the optimistic slot: never charged (§7.2, §7.3). */
  | { readonly kind: 'free' }
  | { readonly kind: 'choked' };

export function roundOutcomes(round: ChokeRound): ReadonlyMap<PeerId, PeerOutcome> {
  const out = new Map<PeerId, PeerOutcome>();
  const price = round.clearing_price_units_per_kib;
  for (const id of round.unchoked) out.set(id, { kind: 'free' });
  for (const id of round.choked) out.set(id, { kind: 'choked' });
  for (const id of round.auction_winners) {
    if (price === null) throw new Error('round outcome: winners without a clearing price');
    out.set(id, { kind: 'charged', price_units_per_kib: price });
  }
  return out;
}

/**
 * What the provider does with one requester's paid session:
 * - `open`: no paid session yet (or the last one ended): start one at `price` (a bid_response goes out first);
 * - `reprice`: the session goes on at the new uniform price (applied between units, channel-payee.ts);
 * - `end`: the peer is no longer charged: the session ends now (its channel closes with the best state signed, the
 *   unit in flight is forgiven) and its old price is never charged again; it is served free or choked. A peer that
 *   asks for nothing (not interested: done, or paused) is not served, so nothing is charged, and its session is left
 *   alone: ending it would race the payment for its last unit, which is on its way (the requester's `done` follows
 *   that payment and closes the session in order);
 * - `restart`: end, then open at `price` (the peer lowered its bid below the session's price but still wins);
 * - `keep`: nothing changes.
 */
export type SessionAction =
  | { readonly type: 'keep' }
  | { readonly type: 'end' }
  | { readonly type: 'open'; readonly price_units_per_kib: Units }
  | { readonly type: 'reprice'; readonly price_units_per_kib: Units }
  | { readonly type: 'restart'; readonly price_units_per_kib: Units };

export interface SessionView {
  /** The price of the live paid session, or null when there is none (never opened, or ended). */
  readonly price_units_per_kib: Units | null;
  /** The requester's current bid (null: none, or withdrawn). */
  readonly bid_units_per_kib: Units | null;
  /**
   * It owes a unit past its payment deadline. Its session stays, so it can still pay (and is unchoked again) or is
   * banned for never paying; ending it would forgive the debt.
   */
  readonly payment_late: boolean;
  /** The requester asks for units (BitTorrent `interested`). */
  readonly interested: boolean;
}

/** Applies a round's outcome to a session. The price of a live session is never above the requester's bid. */
export function sessionAction(outcome: PeerOutcome, session: SessionView): SessionAction {
  const live = session.price_units_per_kib;
  if (live !== null && session.payment_late) return { type: 'keep' };
  if (outcome.kind !== 'charged') return live === null || !session.interested ? { type: 'keep' } : { type: 'end' };
  const price = outcome.price_units_per_kib;
  const bid = session.bid_units_per_kib;
  if (bid === null || price > bid) throw new Error('round outcome: charged above the bid');
  if (live === null) return { type: 'open', price_units_per_kib: price };
  if (live > bid) return { type: 'restart', price_units_per_kib: price };
  return live === price ? { type: 'keep' } : { type: 'reprice', price_units_per_kib: price };
}

/**
 * Between rounds: the requester just changed its bid. A session priced above the new bid ends at once — the
 * requester will not pay that price (channel-payer.ts checks its bid on every unit) — and the next round, due
 * soon, decides whether it wins again at a price it bid for.
 */
export function sessionActionOnBid(session: SessionView): SessionAction {
  const live = session.price_units_per_kib;
  if (live === null || session.payment_late) return { type: 'keep' };
  const bid = session.bid_units_per_kib;
  return bid === null || live > bid ? { type: 'end' } : { type: 'keep' };
}

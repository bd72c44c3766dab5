// Multi-unit uniform-price auction for a provider's auctioned unchoke slots (white paper, Figure 2): one slot per
// bidder, the highest bids win, and every winner pays the same price — the highest losing bid, or the reserve.
import type { Units } from './money.ts';

export type PeerId = string & { readonly __brand: 'PeerId' };

export function peerId(text: string): PeerId {
  return text as PeerId;
}

export interface AuctionBid {
  readonly id: PeerId;
  readonly price_units_per_kib: Units;
  /** Tie-break among equal bids: bytes this peer gave us (or took, when we seed) in the last rate window. */
  readonly bytes: number;
}

export interface AuctionResult {
  /** In rank order, at most `slots` of them. */
  readonly winners: readonly PeerId[];
  /** Eligible bidders that did not win, in rank order. */
  readonly losers: readonly PeerId[];
  /** Below the reserve (or zero): not in the auction at all. */
  readonly ineligible: readonly PeerId[];
  /** The uniform price every winner pays; null when there are no winners. */
  readonly price_units_per_kib: Units | null;
}

/**
 * Orders bids for the auction: higher bid first; equal bids go to the peer that moved more bytes with us (the
 * paper's "combination of highest eligible bid and most data received"); then peer id, so results are stable.
 */
export function compareBids(a: AuctionBid, b: AuctionBid): number {
  if (a.price_units_per_kib !== b.price_units_per_kib) return a.price_units_per_kib > b.price_units_per_kib ? -1 : 1;
  if (a.bytes !== b.bytes) return b.bytes - a.bytes;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Runs one round. A bid is eligible when it is positive and at least the reserve. With more eligible bids than
 * slots the price is the best losing bid, which is ≥ reserve and ≤ every winning bid; otherwise it is the reserve.
 */
export function runAuction(bids: readonly AuctionBid[], slots: number, reserve_units_per_kib: Units): AuctionResult {
  if (!Number.isSafeInteger(slots) || slots < 0) throw new RangeError('slots must be a non-negative integer');
  if (reserve_units_per_kib < 0n) throw new RangeError('reserve_units_per_kib must be non-negative');
  assertUniqueIds(bids);
  const eligible: AuctionBid[] = [];
  const ineligible: PeerId[] = [];
  for (const bid of bids) {
    if (bid.price_units_per_kib > 0n && bid.price_units_per_kib >= reserve_units_per_kib) eligible.push(bid);
    else ineligible.push(bid.id);
  }
  eligible.sort(compareBids);
  const winning = eligible.slice(0, slots);
  const losing = eligible.slice(slots);
  const bestLoser = losing[0];
  const price = winning.length === 0 ? null : bestLoser ? bestLoser.price_units_per_kib : reserve_units_per_kib;
  const result = {
    winners: winning.map((bid) => bid.id),
    losers: losing.map((bid) => bid.id),
    ineligible,
    price_units_per_kib: price,
  };
  assertUniformPrice(winning, losing, price, reserve_units_per_kib);
  return result;
}

/** The auction's promise to bidders, checked every round: a broken one is a bug here, so it throws. */
function assertUniformPrice(winning: AuctionBid[], losing: AuctionBid[], price: Units | null, reserve: Units): void {
  if (price === null) return;
  if (price < reserve) throw new Error('auction invariant: price below reserve');
  for (const bid of winning) if (bid.price_units_per_kib < price) throw new Error('auction invariant: price above a winning bid');
  for (const bid of losing) if (bid.price_units_per_kib > price) throw new Error('auction invariant: losing bid above price');
}

function assertUniqueIds(bids: readonly AuctionBid[]): void {
  const seen = new Set<PeerId>();
  for (const bid of bids) {
    if (seen.has(bid.id)) throw new Error(`auction: duplicate peer ${bid.id}`);
    seen.add(bid.id);
  }
}

// The requester's bid: the real auto-bidder decides, this shell only feeds it the balance and what remains, and
// publishes the bid it sends (every provider sees the same broadcast value at its next choke round).
import { decideBid, DEFAULT_BID_SETTINGS } from '../protocol/bidder.ts';
import type { SimPeer } from './peer.ts';
import type { Swarm } from './swarm.ts';

/**
 * Between choke rounds a bid cannot change anything, and the bidder sends at most once a minute anyway; asking it
 * after every piece would only burn time, so a downloader asks at most this often (and once on arrival).
 */
export const BID_CHECK_MS = 10_000;

export function refreshBid(sw: Swarm, peer: SimPeer, now: number): void {
  // An earn-mode provider runs Speed with bidding off: it fetches what it serves for free (docs/cdn-links.md §3).
  if (!peer.spec.speed || peer.phase !== 'leeching' || peer.spec.origin === 'provider') {
    peer.bid_units_per_kib = null;
    return;
  }
  peer.next_bid_check_ms = now + BID_CHECK_MS;
  const remaining_bytes = BigInt((sw.config.piece_count - peer.have_count) * sw.config.piece_bytes);
  // The balance the formula spends is what this torrent may still spend: free balance plus escrow not yet signed
  // over (that escrow is already committed to this torrent's remaining bytes; see docs/sim/README.md).
  const balance_units = peer.free_units + peer.locked_units;
  const decision = decideBid(peer.bidder, { balance_units, remaining_bytes, settings: DEFAULT_BID_SETTINGS }, now);
  peer.bidder = decision.state;
  sw.recorder.bid_decisions++;
  if (decision.send) {
    peer.bid_units_per_kib = decision.send.price_units_per_kib;
    if (peer.bid_units_per_kib > peer.max_bid_units_per_kib) peer.max_bid_units_per_kib = peer.bid_units_per_kib;
  }
}

export function refreshBidIfDue(sw: Swarm, peer: SimPeer, now: number): void {
  if (peer.spec.speed && now >= peer.next_bid_check_ms) refreshBid(sw, peer, now);
}

// Provider-side choker with bids (white paper, "Choking"): each round auctions some regular slots, fills the rest
// by plain tit-for-tat (legacy peers compete there), and rotates one free optimistic slot round-robin.
import { runAuction, type AuctionBid, type PeerId } from './auction.ts';
import type { Units } from './money.ts';

export type { PeerId } from './auction.ts';

/** Default choke round, in ms: the paper's "typically every 15 seconds", shortened to BitTorrent's common 10 s. */
export const CHOKE_ROUND_MS = 10_000;
/** More regular slots than this spreads upload too thin to help anyone; a config above it is a bug. */
export const MAX_REGULAR_SLOTS = 64;
/** Peers per torrent the choker accepts in one snapshot; the shell caps connections well below this. */
export const MAX_PEERS = 10_000;
/** Classic clients keep an optimistic unchoke for three rounds so the peer has time to reciprocate. */
export const DEFAULT_OPTIMISTIC_PERIOD_MS = 30_000;
/** The clearing price can fall to the reserve and a price must be positive, so the reserve is at least 1 unit. */
export const MIN_RESERVE_UNITS_PER_KIB: Units = 1n;
/** Smallest positive price: with 1 BTT = 10^6 units this is 1 BTT per GiB. */
export const DEFAULT_RESERVE_UNITS_PER_KIB: Units = MIN_RESERVE_UNITS_PER_KIB;

export interface ChokePeer {
  readonly id: PeerId;
  readonly interested: boolean;
  readonly banned: boolean;
  /** Owes a payment past its deadline: choked until it pays (the payee state machine decides). */
  readonly payment_late: boolean;
  /** Negotiated Speed on our ledger. Legacy peers are false and their bid is ignored. */
  readonly speed: boolean;
  readonly bid_units_per_kib: Units | null;
  /** Bytes received from this peer in the last rate window (the shell's choice, typically 20 s). */
  readonly bytes_received: number;
  /** Bytes sent to this peer in the same window; what a seed ranks by. */
  readonly bytes_sent: number;
}

export interface ChokeConfig {
  /** Regular unchoke slots, auctioned plus tit-for-tat; the optimistic slot comes on top. */
  readonly regular_slots: number;
  /** Of the regular slots, how many are kept for tit-for-tat; unsold auction slots also fall through to it. */
  readonly tit_for_tat_slots: number;
  readonly reserve_units_per_kib: Units;
  /** A seed receives nothing, so it ranks by bytes sent (throughput) instead of bytes received. */
  readonly is_seed: boolean;
  readonly optimistic_period_ms: number;
}

export const DEFAULT_CHOKE_CONFIG: ChokeConfig = {
  regular_slots: 4,
  tit_for_tat_slots: 1,
  reserve_units_per_kib: DEFAULT_RESERVE_UNITS_PER_KIB,
  is_seed: false,
  optimistic_period_ms: DEFAULT_OPTIMISTIC_PERIOD_MS,
};

export interface ChokeState {
  /** When each peer present in the last snapshot was last unchoked (regular or optimistic). */
  readonly last_unchoked_ms: ReadonlyMap<PeerId, number>;
  readonly optimistic: { readonly id: PeerId; readonly since_ms: number } | null;
}

export const INITIAL_CHOKE_STATE: ChokeState = { last_unchoked_ms: new Map(), optimistic: null };

export interface ChokeRound {
  /** Every peer to unchoke: auction winners, then tit-for-tat, then the optimistic peer. */
  readonly unchoked: readonly PeerId[];
  readonly auction_winners: readonly PeerId[];
  readonly optimistic: PeerId | null;
  /** Winners only, all at the clearing price; send each a bid_response before its unchoke when it changes. */
  readonly prices: ReadonlyMap<PeerId, Units>;
  readonly clearing_price_units_per_kib: Units | null;
  /** Everyone else in the snapshot, in snapshot order. */
  readonly choked: readonly PeerId[];
  readonly state: ChokeState;
}

/** One choke round: a pure function of the peers snapshot, the config, the previous state and the time. */
export function chokeRound(peers: readonly ChokePeer[], config: ChokeConfig, state: ChokeState, now_ms: number): ChokeRound {
  assertArguments(peers, config, now_ms);
  // Plain loops and module-level comparators: a busy provider runs this every round, and closures created per round
  // (wrapped by the dev build's keepNames helper) were a measurable share of a simulated day.
  const candidates: ChokePeer[] = [];
  const bids: AuctionBid[] = [];
  for (const peer of peers) {
    if (!peer.interested || peer.banned || peer.payment_late) continue;
    candidates.push(peer);
    const bid = peer.bid_units_per_kib;
    if (peer.speed && bid !== null) bids.push({ id: peer.id, price_units_per_kib: bid, bytes: config.is_seed ? peer.bytes_sent : peer.bytes_received });
  }
  const auction = runAuction(bids, config.regular_slots - config.tit_for_tat_slots, config.reserve_units_per_kib);
  const regular: PeerId[] = auction.winners.slice();

  // Tit-for-tat ignores bids entirely, as a legacy client would: legacy peers and losing bidders compete equally.
  const rest: ChokePeer[] = [];
  for (const peer of candidates) if (!regular.includes(peer.id)) rest.push(peer);
  rest.sort(config.is_seed ? bySent : byReceived);
  const titForTat = Math.min(rest.length, config.regular_slots - regular.length);
  for (let k = 0; k < titForTat; k++) regular.push((rest[k] as ChokePeer).id);

  const slot = pickOptimistic(candidates, regular, config, state, now_ms);
  const optimistic = slot?.id ?? null;
  const unchoked = optimistic === null ? regular : [...regular, optimistic];
  const price = auction.price_units_per_kib;
  const prices = new Map<PeerId, Units>();
  if (price !== null) for (const id of auction.winners) prices.set(id, price);

  const last_unchoked_ms = new Map<PeerId, number>();
  const choked: PeerId[] = [];
  for (const peer of peers) {
    if (unchoked.includes(peer.id)) {
      last_unchoked_ms.set(peer.id, now_ms);
      continue;
    }
    choked.push(peer.id);
    const previous = state.last_unchoked_ms.get(peer.id);
    if (previous !== undefined) last_unchoked_ms.set(peer.id, previous);
  }
  const round: ChokeRound = {
    unchoked, auction_winners: auction.winners, optimistic, prices, clearing_price_units_per_kib: price, choked,
    state: { last_unchoked_ms, optimistic: slot },
  };
  assertRound(round, peers, config);
  return round;
}

function byReceived(a: ChokePeer, b: ChokePeer): number {
  return b.bytes_received - a.bytes_received || compareIds(a.id, b.id);
}

function bySent(a: ChokePeer, b: ChokePeer): number {
  return b.bytes_sent - a.bytes_sent || compareIds(a.id, b.id);
}

/**
 * Round-robin: keep the current optimistic peer for its period, else take the candidate choked longest (never
 * unchoked first). A bid only breaks ties between peers choked equally long — in practice, newcomers.
 */
function pickOptimistic(
  candidates: readonly ChokePeer[],
  regular: readonly PeerId[],
  config: ChokeConfig,
  state: ChokeState,
  now_ms: number,
): ChokeState['optimistic'] {
  const current = state.optimistic;
  const keep = current !== null && now_ms - current.since_ms < config.optimistic_period_ms;
  let best: ChokePeer | null = null;
  let bestSince = 0;
  let bestBid = 0n;
  for (const peer of candidates) {
    if (regular.includes(peer.id)) continue;
    if (keep && current !== null && peer.id === current.id) return current;
    const since = state.last_unchoked_ms.get(peer.id) ?? Number.NEGATIVE_INFINITY;
    const bid = eligibleBid(peer, config.reserve_units_per_kib);
    if (best === null || comesFirst(since, bid, peer.id, bestSince, bestBid, best.id)) {
      best = peer;
      bestSince = since;
      bestBid = bid;
    }
  }
  return best === null ? null : { id: best.id, since_ms: now_ms };
}

/** The optimistic order: choked longest first (never unchoked counts as equally long), then the higher bid, then id. */
function comesFirst(since_a: number, bid_a: Units, id_a: PeerId, since_b: number, bid_b: Units, id_b: PeerId): boolean {
  const byTime = since_a - since_b;
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime < 0;
  if (bid_a !== bid_b) return bid_a > bid_b;
  return compareIds(id_a, id_b) < 0;
}

/** The bid a peer brings to a tie: only Speed peers bidding at least the reserve count; others count as 0. */
export function eligibleBid(peer: ChokePeer, reserve_units_per_kib: Units): Units {
  const bid = peer.bid_units_per_kib;
  return peer.speed && bid !== null && bid > 0n && bid >= reserve_units_per_kib ? bid : 0n;
}

function compareIds(a: PeerId, b: PeerId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function assertArguments(peers: readonly ChokePeer[], config: ChokeConfig, now_ms: number): void {
  if (!Number.isSafeInteger(now_ms)) throw new RangeError('now_ms must be a safe integer');
  const { regular_slots, tit_for_tat_slots, optimistic_period_ms } = config;
  if (!Number.isSafeInteger(regular_slots) || regular_slots < 0 || regular_slots > MAX_REGULAR_SLOTS) {
    throw new RangeError(`regular_slots must be 0..${MAX_REGULAR_SLOTS}`);
  }
  if (!Number.isSafeInteger(tit_for_tat_slots) || tit_for_tat_slots < 0 || tit_for_tat_slots > regular_slots) {
    throw new RangeError('tit_for_tat_slots must be 0..regular_slots');
  }
  if (!Number.isSafeInteger(optimistic_period_ms) || optimistic_period_ms < 0) {
    throw new RangeError('optimistic_period_ms must be a non-negative integer');
  }
  if (config.reserve_units_per_kib < MIN_RESERVE_UNITS_PER_KIB) throw new RangeError('reserve_units_per_kib must be at least 1');
  if (peers.length > MAX_PEERS) throw new RangeError(`more than ${MAX_PEERS} peers`);
  const seen = new Set<PeerId>();
  for (const peer of peers) {
    if (seen.has(peer.id)) throw new Error(`choker: duplicate peer ${peer.id}`);
    seen.add(peer.id);
    if (!isByteCount(peer.bytes_received) || !isByteCount(peer.bytes_sent)) throw new RangeError(`choker: bad byte count for ${peer.id}`);
  }
}

function isByteCount(bytes: number): boolean {
  return Number.isSafeInteger(bytes) && bytes >= 0;
}

/** Postconditions (TigerBeetle style): a violation is a bug in this file, never a peer's doing. */
function assertRound(round: ChokeRound, peers: readonly ChokePeer[], config: ChokeConfig): void {
  if (round.unchoked.length > config.regular_slots + 1) throw new Error('choker invariant: too many unchoked');
  if (round.unchoked.length + round.choked.length !== peers.length) throw new Error('choker invariant: partition');
  let unchoked = 0;
  let priced = 0;
  for (const peer of peers) {
    if (round.unchoked.includes(peer.id)) {
      unchoked++;
      if (peer.banned || !peer.interested || peer.payment_late) throw new Error(`choker invariant: ${peer.id} unchoked`);
    }
    const price = round.prices.get(peer.id);
    if (price === undefined) continue;
    priced++;
    const bid = peer.bid_units_per_kib;
    if (bid === null || price > bid) throw new Error(`choker invariant: ${peer.id} charged above its bid`);
  }
  // Ids are unique in the snapshot: every unchoked or priced id must have matched exactly one peer.
  if (unchoked !== round.unchoked.length) throw new Error('choker invariant: unchoked a peer not in the snapshot');
  if (priced !== round.prices.size) throw new Error('choker invariant: charged a peer not in the snapshot');
}

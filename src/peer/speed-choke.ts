// The provider's choke round for a Speed torrent, in place of webtorrent's: snapshots every wire (interest, bans,
// late payments, bids, bytes moved since the last round), runs protocol/choker.ts, and applies each peer's outcome
// (protocol/round-outcome.ts) to its paid session — opened or re-priced for winners (a bid response goes out first),
// ended for everyone else — then unchokes and chokes. A wire is unchoked only through here: each wire's unchoke()
// is wrapped to refuse unless the last round allowed it.
import { DEFAULT_OPTIMISTIC_PERIOD_MS, chokeRound as runChoker, type ChokePeer, type ChokeState, type PeerId } from '../protocol/choker.ts';
import { roundOutcomes, sessionAction } from '../protocol/round-outcome.ts';
import type { BanList } from '../protocol/bans.ts';
import type { Units } from '../protocol/money.ts';
import { legacyPeerStatus } from './torrent-view.ts';
import type { PeerStatus } from './rpc-schema.ts';
import type { SpeedContext } from './speed-context.ts';
import type { SpeedExtension } from './speed-extension.ts';
import type { ProviderSession } from './speed-provider.ts';
import type { RequesterSession } from './speed-requester.ts';
import type { Wire } from './wire.ts';

export interface WireState {
  readonly ext: SpeedExtension;
  provider: ProviderSession | null;
  requester: RequesterSession | null;
  /** Set by the round; the wrapped wire.unchoke() refuses while false (webtorrent unchokes on first interest). */
  allowUnchoke: boolean;
  lastUploaded: number;
  lastDownloaded: number;
}

export function chokeRound(wires: ReadonlyMap<Wire, WireState>, ctx: SpeedContext, is_seed: boolean, state: ChokeState): ChokeState {
  const now = ctx.now();
  const settings = ctx.settings;
  const peers: ChokePeer[] = [];
  const byId = new Map<string, [Wire, WireState]>();
  for (const [wire, s] of wires) {
    const id = wire.peerId;
    if (!id || byId.has(id) || wire.destroyed) continue;
    byId.set(id, [wire, s]);
    peers.push({
      id: id as PeerId,
      interested: wire.peerInterested,
      banned: ctx.bans.isBanned([id, s.ext.remote?.payment_pk], now),
      payment_late: s.provider?.payment_late ?? false,
      // Opted out of selling: Speed requesters are served as regular peers (tit-for-tat, optimistic), never charged.
      speed: settings.providing && s.ext.negotiation?.speed === true,
      bid_units_per_kib: settings.providing ? (s.provider?.bid_units_per_kib ?? null) : null,
      bytes_received: Math.max(0, wire.downloaded - s.lastDownloaded),
      bytes_sent: Math.max(0, wire.uploaded - s.lastUploaded),
    });
    s.lastDownloaded = wire.downloaded;
    s.lastUploaded = wire.uploaded;
  }
  const slots = Math.max(settings.regular_slots, settings.tit_for_tat_slots);
  const round = runChoker(peers, {
    regular_slots: slots,
    tit_for_tat_slots: Math.min(settings.tit_for_tat_slots, slots),
    reserve_units_per_kib: settings.reserve_units_per_kib > 0n ? settings.reserve_units_per_kib : 1n,
    is_seed,
    optimistic_period_ms: DEFAULT_OPTIMISTIC_PERIOD_MS,
  }, state, now);
  // Money first, then chokes: a winner hears its price before its unchoke, a loser that it is free before more blocks.
  const outcomes = roundOutcomes(round);
  for (const [id, [, s]] of byId) {
    const provider = s.provider;
    const outcome = outcomes.get(id as PeerId);
    if (!provider || !outcome) continue;
    const action = sessionAction(outcome, provider.view);
    // Selling just switched off: paid sessions end, closing their channels with the last signed state.
    if (action.type === 'end' || action.type === 'restart') provider.end(settings.providing ? 'not_charged' : 'not_selling');
    // charge() is idempotent at an unchanged price: it re-announces terms a resumed session never sent on this wire.
    if (outcome.kind === 'charged' && action.type !== 'end') provider.charge(outcome.price_units_per_kib);
  }
  for (const id of round.unchoked) {
    const entry = byId.get(id);
    if (!entry) continue;
    entry[1].allowUnchoke = true;
    entry[0].unchoke();
  }
  for (const id of round.choked) {
    const entry = byId.get(id);
    if (!entry) continue;
    entry[1].allowUnchoke = false;
    entry[0].choke();
  }
  return round.state;
}

/** What one Speed wire shows in the torrent's peer list: its Speed state and the money on it, both directions. */
export function wireStatus(wire: Wire, s: WireState, our_bid: Units | null, bans: BanList, now_ms: number): PeerStatus {
  return {
    ...legacyPeerStatus(wire),
    speed: s.ext.negotiation === null ? 'pending' : s.ext.negotiation.speed ? 'speed' : 'legacy',
    their_bid_units_per_kib: s.provider?.bid_units_per_kib ?? null,
    our_bid_units_per_kib: s.requester ? our_bid : null,
    price_units_per_kib: s.requester?.price_units_per_kib ?? s.provider?.price_units_per_kib ?? null,
    paid_units: s.requester?.paid_units ?? 0n,
    earned_units: s.provider?.earned_units ?? 0n,
    payer_phase: s.requester?.payer?.phase ?? null,
    payee_phase: s.provider?.payee?.phase ?? null,
    banned: bans.isBanned([wire.peerId, s.ext.remote?.payment_pk], now_ms),
    payment_pk: s.ext.remote?.payment_pk ?? null,
  };
}

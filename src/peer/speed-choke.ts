// The provider's choke round for a Speed torrent, in place of webtorrent's: snapshots every wire (interest, bans,
// late payments, bids, bytes moved since the last round), runs protocol/choker.ts, charges each auction winner its
// clearing price (a bid response goes out first), then unchokes and chokes. A wire is unchoked only through here:
// each wire's unchoke() is wrapped to refuse unless the last round allowed it.
import { DEFAULT_OPTIMISTIC_PERIOD_MS, chokeRound as runChoker, type ChokePeer, type ChokeState, type PeerId } from '../protocol/choker.ts';
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
  for (const [id, price] of round.prices) byId.get(id)?.[1].provider?.charge(price);
  // Selling just switched off: paid sessions end, closing their channels with the last signed state.
  if (!settings.providing) for (const [, s] of byId.values()) s.provider?.stopSelling();
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
    // A piece we stop sending mid-way could never be completed by this requester: forgive it (speed-provider.ts).
    if (!entry[0].amChoking) entry[1].provider?.choked();
    entry[0].choke();
  }
  return round.state;
}

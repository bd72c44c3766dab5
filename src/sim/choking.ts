// A provider's choke round through the real choker: the shell builds its snapshot (interest, bids, bytes in the
// last round, late payers), applies the unchokes, and turns auction wins into paid slots.
import { chokeRound as runChoker, type ChokeConfig, type ChokePeer } from '../protocol/choker.ts';
import { hasMissing } from './bitset.ts';
import { ensurePaidSlot, paysNoMore } from './payments.ts';
import type { SimPeer, Stream } from './peer.ts';
import type { Swarm } from './swarm.ts';
import { setChoked, setUnchoked, tryStart } from './transfer.ts';

const configs = new WeakMap<Swarm, { leech: ChokeConfig; seed: ChokeConfig }>();

function configFor(sw: Swarm, is_seed: boolean): ChokeConfig {
  let pair = configs.get(sw);
  if (!pair) {
    const c = sw.config;
    const base = {
      regular_slots: c.regular_slots, tit_for_tat_slots: c.tit_for_tat_slots, reserve_units_per_kib: c.reserve_units_per_kib,
      optimistic_period_ms: 3 * c.choke_round_ms,
    };
    pair = { leech: { ...base, is_seed: false }, seed: { ...base, is_seed: true } };
    configs.set(sw, pair);
  }
  return is_seed ? pair.seed : pair.leech;
}

/**
 * One round for `provider`. The snapshot holds the interested peers plus any still unchoked (so they are choked);
 * a peer neither interested nor unchoked cannot be affected by the round and is left out to keep rounds cheap.
 * Returns false when there was nobody to decide about.
 */
export function chokeRound(sw: Swarm, provider: SimPeer, now: number): boolean {
  if (provider.spec.origin === 'web_seed') return webSeedRound(sw, provider, now);
  const snapshot: ChokePeer[] = [];
  const streams: Stream[] = [];
  const seeding = provider.phase === 'seeding';
  for (const out of provider.outs) {
    const back = out.twin;
    const peer = out.down;
    const interested = peer.phase === 'leeching' && (seeding || hasMissing(provider.have, peer.have));
    const bytes_sent = out.bytes_total - out.snap_up;
    const bytes_received = back.bytes_total - back.snap_down;
    out.snap_up = out.bytes_total;
    back.snap_down = back.bytes_total;
    if (!interested && !out.unchoked) continue;
    // Speed is negotiated per connection: both ends must run it. A pair whose payer has stopped bids no more.
    const speed = provider.spec.speed && peer.spec.speed;
    out.payment_late = out.payee?.unpaid?.deadline_missed === true;
    snapshot.push({
      id: peer.id, interested, banned: false, payment_late: out.payment_late, speed,
      bid_units_per_kib: speed && !paysNoMore(out) ? peer.bid_units_per_kib : null, bytes_received, bytes_sent,
    });
    streams.push(out);
  }
  if (snapshot.length === 0) return false;
  const round = runChoker(snapshot, configFor(sw, seeding), provider.choke_state, now);
  provider.choke_state = round.state;
  sw.recorder.choke_rounds++;
  const unchoked = round.unchoked;
  for (let i = 0; i < streams.length; i++) {
    const s = streams[i] as Stream;
    const id = (snapshot[i] as ChokePeer).id;
    if (!unchoked.includes(id)) {
      setChoked(s);
      s.price_units_per_kib = null;
      continue;
    }
    setUnchoked(s);
    const price = round.prices.get(id) ?? null;
    s.price_units_per_kib = price !== null && price > 0n ? price : null;
    if (s.price_units_per_kib !== null) ensurePaidSlot(sw, s, s.price_units_per_kib, now);
    if (!s.conn.open) continue;
    tryStart(sw, s, now);
  }
  return true;
}

/** The CDN origin (a BEP 19 web seed) is no peer: it answers every downloader's Range requests, free, sharing its upload. */
function webSeedRound(sw: Swarm, origin: SimPeer, now: number): boolean {
  let busy = false;
  for (const out of origin.outs) {
    if (out.down.phase !== 'leeching') {
      setChoked(out);
      continue;
    }
    busy = true;
    serveFromOrigin(sw, out, now);
  }
  return busy;
}

export function serveFromOrigin(sw: Swarm, out: Stream, now: number): void {
  setUnchoked(out);
  out.price_units_per_kib = null;
  tryStart(sw, out, now);
}

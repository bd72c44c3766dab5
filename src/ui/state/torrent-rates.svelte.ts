// Paid versus free download rate per torrent, sampled from each peer snapshot for the torrents in the list (the
// series itself is in src/ui/lib/rates.ts). Memory only and bounded: the counters it differences are the peer's
// persisted figures, so after a reload the chart starts again from the same truth, never from zero money.
import { addSample, emptyRates, type RateSeries } from '../lib/rates.ts';
import type { PeerSnapshot } from '../peer/peer-api.ts';

class TorrentRates {
  #series = $state.raw<ReadonlyMap<string, RateSeries>>(new Map());

  of(info_hash: string): RateSeries {
    return this.#series.get(info_hash) ?? emptyRates();
  }

  record(snapshot: PeerSnapshot, now_ms = Date.now()): void {
    const next = new Map<string, RateSeries>();
    for (const t of snapshot.torrents) {
      const series = this.#series.get(t.info_hash) ?? emptyRates();
      next.set(t.info_hash, addSample(series, { t_ms: now_ms, paid_bytes: t.paid_bytes, free_bytes: t.free_bytes, paid_units: t.paid_units }));
    }
    this.#series = next; // removed torrents drop out
  }
}

export const torrentRates = new TorrentRates();

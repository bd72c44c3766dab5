// Time series for the charts: speeds and cumulative BTT paid and earned, one sample per peer snapshot, plus the
// paid-versus-free split of downloaded bytes. Kept in memory for the session (a bounded ring, not a database).
import type { PeerSnapshot } from '../peer/peer-api.ts';

/** One hour at one sample a second: enough to see a download through, small enough to redraw at once. */
export const MAX_SAMPLES = 3_600;
/** Snapshots closer together than this are merged: charts need seconds, not milliseconds. */
const MIN_SAMPLE_INTERVAL_MS = 900;

export interface Series {
  readonly t_s: number[];
  readonly down_bytes_per_s: number[];
  readonly up_bytes_per_s: number[];
  /** Cumulative BTT (as a float for drawing only; totals elsewhere stay exact). */
  readonly paid_btt: number[];
  readonly earned_btt: number[];
}

function empty(): Series {
  return { t_s: [], down_bytes_per_s: [], up_bytes_per_s: [], paid_btt: [], earned_btt: [] };
}

class MetricsState {
  #series = $state.raw<Series>(empty());
  #last_ms = 0;

  get series(): Series {
    return this.#series;
  }

  record(snapshot: PeerSnapshot, now_ms = Date.now()): void {
    if (now_ms - this.#last_ms < MIN_SAMPLE_INTERVAL_MS) return;
    this.#last_ms = now_ms;
    let paid = 0n;
    let earned = 0n;
    for (const torrent of snapshot.torrents) {
      paid += torrent.paid_units;
      earned += torrent.earned_units;
    }
    const s = this.#series;
    const trim = <T>(values: T[], value: T) => [...(values.length >= MAX_SAMPLES ? values.slice(1) : values), value];
    this.#series = {
      t_s: trim(s.t_s, now_ms / 1000),
      down_bytes_per_s: trim(s.down_bytes_per_s, snapshot.down_bytes_per_s),
      up_bytes_per_s: trim(s.up_bytes_per_s, snapshot.up_bytes_per_s),
      paid_btt: trim(s.paid_btt, Number(paid) / 1e6),
      earned_btt: trim(s.earned_btt, Number(earned) / 1e6),
    };
  }
}

export const metrics = new MetricsState();

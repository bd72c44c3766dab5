// Time series for the charts: speeds and cumulative BTT paid and earned, one sample per peer snapshot. A bounded
// ring, saved to the app's prefs every few seconds and loaded at start, so the charts keep their history across a
// reload (the paid and earned totals are the peer's persisted figures, so the lines continue where they were).
import { loadPref, savePref } from '../lib/prefs-store.ts';
import { MAX_SAMPLES, parseSeries, type Series } from '../lib/series.ts';
import type { PeerSnapshot } from '../peer/peer-api.ts';

/** Snapshots closer together than this are merged: charts need seconds, not milliseconds. */
const MIN_SAMPLE_INTERVAL_MS = 900;
/** The series is written at most this often: a reload loses at most these seconds of chart. */
export const METRICS_SAVE_INTERVAL_MS = 5_000;
const METRICS_PREF_KEY = 'metrics';

function empty(): Series {
  return { t_s: [], down_bytes_per_s: [], up_bytes_per_s: [], paid_btt: [], earned_btt: [] };
}

class MetricsState {
  #series = $state.raw<Series>(empty());
  #last_ms = 0;
  #saved_ms = 0;

  get series(): Series {
    return this.#series;
  }

  /** The history saved before a reload; a damaged record is dropped (the charts start empty). */
  async load(): Promise<void> {
    const stored = parseSeries(await loadPref(METRICS_PREF_KEY).catch(() => null));
    if (stored && this.#series.t_s.length === 0) {
      this.#series = stored;
      this.#last_ms = (stored.t_s[stored.t_s.length - 1] ?? 0) * 1000;
    }
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
    if (now_ms - this.#saved_ms >= METRICS_SAVE_INTERVAL_MS) {
      this.#saved_ms = now_ms;
      void savePref(METRICS_PREF_KEY, $state.snapshot(this.#series)).catch(() => undefined);
    }
  }
}

export const metrics = new MetricsState();

// Per torrent, the download rate from paid peers next to the rate from free peers over one time window, derived
// from the peer's cumulative paid and free bytes (signed states and ledger closes, kept across reloads), with the
// units paid in the same window. Pure: the state file feeds it snapshots; it claims nothing the counters don't say.

/** Ten minutes at one sample a second per torrent: the window the chart shows. */
export const MAX_RATE_SAMPLES = 600;
/** Samples closer than this are skipped: a rate over a shorter span is noise. */
export const MIN_RATE_INTERVAL_MS = 900;

export interface Counters {
  readonly t_ms: number;
  readonly paid_bytes: number;
  readonly free_bytes: number;
  readonly paid_units: bigint;
}

export interface RateSeries {
  readonly t_s: number[];
  readonly paid_bytes_per_s: number[];
  readonly free_bytes_per_s: number[];
  /** Cumulative units paid at each sample: the window's spend is last minus first. */
  readonly paid_units: bigint[];
  /** The counters of the newest sample, to difference the next one against. */
  readonly last: Counters | null;
}

export function emptyRates(): RateSeries {
  return { t_s: [], paid_bytes_per_s: [], free_bytes_per_s: [], paid_units: [], last: null };
}

const push = <T>(values: readonly T[], value: T): T[] => [...(values.length >= MAX_RATE_SAMPLES ? values.slice(1) : values), value];

/**
 * The series with one more sample. A counter that went down (a ledger close settled one payment short, so its
 * piece moved from paid to free) gives a rate of 0 for that span rather than a negative one.
 */
export function addSample(series: RateSeries, now: Counters): RateSeries {
  const last = series.last;
  if (last && now.t_ms - last.t_ms < MIN_RATE_INTERVAL_MS) return series;
  if (!last) return { ...series, last: now };
  const dt_s = (now.t_ms - last.t_ms) / 1000;
  return {
    t_s: push(series.t_s, now.t_ms / 1000),
    paid_bytes_per_s: push(series.paid_bytes_per_s, Math.max(0, now.paid_bytes - last.paid_bytes) / dt_s),
    free_bytes_per_s: push(series.free_bytes_per_s, Math.max(0, now.free_bytes - last.free_bytes) / dt_s),
    paid_units: push(series.paid_units, now.paid_units),
    last: now,
  };
}

/** What the window shows in numbers: average rates from paid and from free peers, and the units paid meanwhile. */
export function windowSummary(series: RateSeries): { paid_bytes_per_s: number; free_bytes_per_s: number; paid_units: bigint; seconds: number } | null {
  const n = series.t_s.length;
  if (n === 0) return null;
  const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const first = series.paid_units[0] ?? 0n;
  const newest = series.paid_units[n - 1] ?? 0n;
  return {
    paid_bytes_per_s: mean(series.paid_bytes_per_s),
    free_bytes_per_s: mean(series.free_bytes_per_s),
    paid_units: newest > first ? newest - first : 0n,
    seconds: n > 1 ? (series.t_s[n - 1] as number) - (series.t_s[0] as number) : 0,
  };
}

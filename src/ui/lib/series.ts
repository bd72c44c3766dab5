// The charts' time series as stored between visits, and the check a stored record passes before it is drawn (a
// damaged or hostile record is dropped, never drawn). Pure.

/** One hour at one sample a second: enough to see a download through, small enough to redraw at once. */
export const MAX_SAMPLES = 3_600;

export interface Series {
  readonly t_s: number[];
  readonly down_bytes_per_s: number[];
  readonly up_bytes_per_s: number[];
  /** Cumulative BTT (as a float for drawing only; totals elsewhere stay exact). */
  readonly paid_btt: number[];
  readonly earned_btt: number[];
}

const SERIES_KEYS = ['t_s', 'down_bytes_per_s', 'up_bytes_per_s', 'paid_btt', 'earned_btt'] as const;

/** A stored series as it was saved, or null: equal-length arrays of finite non-negative numbers, times rising. */
export function parseSeries(value: unknown): Series | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  const columns: number[][] = [];
  for (const key of SERIES_KEYS) {
    const column = record[key];
    if (!Array.isArray(column) || column.length > MAX_SAMPLES) return null;
    if (!column.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) return null;
    columns.push(column as number[]);
  }
  const [t_s = [], down = [], up = [], paid = [], earned = []] = columns;
  if (columns.some((c) => c.length !== t_s.length)) return null;
  for (let i = 1; i < t_s.length; i++) if ((t_s[i] as number) <= (t_s[i - 1] as number)) return null;
  return { t_s, down_bytes_per_s: down, up_bytes_per_s: up, paid_btt: paid, earned_btt: earned };
}

// When a PostgreSQL-wire transaction may simply be run again: SERIALIZABLE conflicts (40001) and deadlocks
// (40P01) are the database asking for a retry (CockroachDB and YugabyteDB raise 40001 as a matter of course, even
// at COMMIT). Retries are bounded, with full-jitter exponential backoff so racing writers spread out.

export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);
/** Attempts per transaction, the first included; past this the error reaches the caller (a 500, nothing applied). */
export const MAX_TX_ATTEMPTS = 10;
const BASE_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 200;

export function isRetryable(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}

/** Delay before attempt `attempt + 1` (attempt ≥ 1): uniform in [0, min(cap, base·2^(attempt−1))]. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
}

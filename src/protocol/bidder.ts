// Auto-bidder (white paper, "Automatic Bidding"): bid = spending rate × balance ÷ remaining KiB, rebid only on a
// move of more than 10 % and at most once a minute, except at once when the user changes the bid settings.
import type { Units } from './money.ts';

/** Spending rate is an integer in parts per million, so no float touches money; the UI's 0.0–1.0 converts once. */
export const SPENDING_RATE_SCALE = 1_000_000n;
/** The paper fixes the default spending rate at 1.0. */
export const DEFAULT_SPENDING_RATE_PPM = SPENDING_RATE_SCALE;
/** "It should not send new bids more than once a minute." */
export const MIN_REBID_INTERVAL_MS = 60_000;
/** "The client will not rebid until the bid changes by more than 10 % from the previous bid": 1/10. */
export const REBID_CHANGE_DIVISOR = 10n;
const BYTES_PER_KIB = 1024n;

export interface BidSettings {
  /** Off withdraws the bid (sends 0): the user toggled the feature or this torrent off. */
  readonly enabled: boolean;
  /** 0..SPENDING_RATE_SCALE. */
  readonly spending_rate_ppm: bigint;
  /** Optional user cap on the price; null = no cap. */
  readonly max_price_units_per_kib: Units | null;
}

export const DEFAULT_BID_SETTINGS: BidSettings = {
  enabled: true,
  spending_rate_ppm: DEFAULT_SPENDING_RATE_PPM,
  max_price_units_per_kib: null,
};

/** Only what was last sent: the target is recomputed from inputs each time. */
export interface BidderState {
  readonly last_sent_units_per_kib: Units | null;
  readonly last_sent_ms: number | null;
}

export const INITIAL_BIDDER_STATE: BidderState = { last_sent_units_per_kib: null, last_sent_ms: null };

export interface BidInputs {
  /** Spendable wallet balance (not counting escrow already locked in channels). */
  readonly balance_units: Units;
  /** Bytes still wanted. With several paid downloads, pass their sum so the bids together never exceed balance. */
  readonly remaining_bytes: bigint;
  readonly settings: BidSettings;
  /** True exactly once after the user changed `settings`: the new bid goes out at once. */
  readonly settings_changed?: boolean;
}

export interface BidDecision {
  readonly state: BidderState;
  /** The bid to broadcast to providers now, or null. */
  readonly send: { readonly type: 'bid'; readonly price_units_per_kib: Units } | null;
  /** What the formula says now (null when nothing remains); for display even when not sent. */
  readonly target_units_per_kib: Units | null;
}

/** Converts the UI's 0.0–1.0 to parts per million at the edge, clamping and rounding to the nearest ppm. */
export function spendingRateFromFraction(fraction: number): bigint {
  if (!Number.isFinite(fraction)) throw new RangeError('spending rate must be a finite number');
  const clamped = Math.min(1, Math.max(0, fraction));
  return BigInt(Math.round(clamped * Number(SPENDING_RATE_SCALE)));
}

/** Remaining KiB, rounded up: a partial KiB still costs a KiB, and a non-zero remainder never divides by zero. */
export function remainingKib(remaining_bytes: bigint): bigint {
  return (remaining_bytes + BYTES_PER_KIB - 1n) / BYTES_PER_KIB;
}

/**
 * The formula, floored to whole units. Null when nothing remains (the bid stops, no division by zero); 0 when
 * disabled. Never above balance: rate ≤ 1 and remaining KiB ≥ 1, so the price of even one KiB fits the balance.
 */
export function targetBid(balance_units: Units, remaining_bytes: bigint, settings: BidSettings): Units | null {
  assertInputs(balance_units, remaining_bytes, settings);
  const kib = remainingKib(remaining_bytes);
  if (kib === 0n) return null;
  if (!settings.enabled) return 0n;
  const bid = (settings.spending_rate_ppm * balance_units) / (SPENDING_RATE_SCALE * kib);
  const cap = settings.max_price_units_per_kib;
  return cap !== null && cap < bid ? cap : bid;
}

/** One step of the bidder: pure; call on every balance/progress change and on settings changes. */
export function decideBid(state: BidderState, inputs: BidInputs, now_ms: number): BidDecision {
  if (!Number.isSafeInteger(now_ms)) throw new RangeError('now_ms must be a safe integer');
  const target = targetBid(inputs.balance_units, inputs.remaining_bytes, inputs.settings);
  const last = state.last_sent_units_per_kib;
  const hold = { state, send: null, target_units_per_kib: target };
  if (target === null || target === last) return hold;
  if (last === null) {
    // Nothing sent yet: a zero bid would say nothing a missing bid does not already say.
    return target === 0n ? hold : sent(target, now_ms);
  }
  if (inputs.settings_changed === true) return sent(target, now_ms);
  const waited = state.last_sent_ms === null || now_ms - state.last_sent_ms >= MIN_REBID_INTERVAL_MS;
  return waited && movedEnough(last, target) ? sent(target, now_ms) : hold;
}

/** Strictly more than 10 % of the last sent bid, in integers: |new − last| × 10 > last. */
export function movedEnough(last: Units, next: Units): boolean {
  const delta = next > last ? next - last : last - next;
  return delta * REBID_CHANGE_DIVISOR > last;
}

function sent(price_units_per_kib: Units, now_ms: number): BidDecision {
  return {
    state: { last_sent_units_per_kib: price_units_per_kib, last_sent_ms: now_ms },
    send: { type: 'bid', price_units_per_kib },
    target_units_per_kib: price_units_per_kib,
  };
}

function assertInputs(balance_units: Units, remaining_bytes: bigint, settings: BidSettings): void {
  if (balance_units < 0n) throw new RangeError('balance_units must be non-negative');
  if (remaining_bytes < 0n) throw new RangeError('remaining_bytes must be non-negative');
  const rate = settings.spending_rate_ppm;
  if (rate < 0n || rate > SPENDING_RATE_SCALE) throw new RangeError('spending_rate_ppm must be 0..1,000,000');
  const cap = settings.max_price_units_per_kib;
  if (cap !== null && cap < 0n) throw new RangeError('max_price_units_per_kib must be non-negative');
}

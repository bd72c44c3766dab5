// Auto-bidder: the paper's formula in integers, the stop at zero remaining, and the rebid rules (>10 %, ≤1/min,
// immediately on a settings change), as unit tests and as properties over random event sequences.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_BID_SETTINGS,
  INITIAL_BIDDER_STATE,
  MIN_REBID_INTERVAL_MS,
  SPENDING_RATE_SCALE,
  decideBid,
  movedEnough,
  remainingKib,
  spendingRateFromFraction,
  targetBid,
  type BidSettings,
  type BidderState,
} from '../../src/protocol/bidder.ts';
import { UNITS_PER_BTT } from '../../src/protocol/money.ts';

const KIB = 1024n;
const settings = (patch: Partial<BidSettings> = {}): BidSettings => ({ ...DEFAULT_BID_SETTINGS, ...patch });

describe('targetBid', () => {
  it('is spending rate × balance ÷ remaining KiB, floored', () => {
    // 100 BTT over 1 GiB at rate 1.0: 100,000,000 units / 1,048,576 KiB = 95.36… → 95.
    expect(targetBid(100n * UNITS_PER_BTT, 1024n * 1024n * KIB, settings())).toBe(95n);
    expect(targetBid(1000n, 10n * KIB, settings({ spending_rate_ppm: 500_000n }))).toBe(50n);
    expect(targetBid(999n, 10n * KIB, settings())).toBe(99n);
  });

  it('counts a partial KiB as a whole one', () => {
    expect(remainingKib(1n)).toBe(1n);
    expect(remainingKib(1024n)).toBe(1n);
    expect(remainingKib(1025n)).toBe(2n);
    expect(targetBid(1000n, 1n, settings())).toBe(1000n);
  });

  it('stops (null) when nothing remains — no division by zero', () => {
    expect(targetBid(1000n, 0n, settings())).toBeNull();
  });

  it('is 0 when disabled, and honours the user cap', () => {
    expect(targetBid(1000n, KIB, settings({ enabled: false }))).toBe(0n);
    expect(targetBid(1000n, KIB, settings({ max_price_units_per_kib: 10n }))).toBe(10n);
    expect(targetBid(5n, KIB, settings({ max_price_units_per_kib: 10n }))).toBe(5n);
  });

  it('rejects impossible inputs (caller bugs)', () => {
    expect(() => targetBid(-1n, KIB, settings())).toThrow();
    expect(() => targetBid(1n, -1n, settings())).toThrow();
    expect(() => targetBid(1n, KIB, settings({ spending_rate_ppm: SPENDING_RATE_SCALE + 1n }))).toThrow();
  });

  it('never exceeds the balance, nor balance ÷ remaining KiB (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 64n }),
        fc.bigInt({ min: 0n, max: 1n << 50n }),
        fc.bigInt({ min: 0n, max: SPENDING_RATE_SCALE }),
        (balance, remaining, rate) => {
          const bid = targetBid(balance, remaining, settings({ spending_rate_ppm: rate }));
          if (remaining === 0n) {
            expect(bid).toBeNull();
            return;
          }
          expect(bid).not.toBeNull();
          expect(bid!).toBeGreaterThanOrEqual(0n);
          expect(bid!).toBeLessThanOrEqual(balance);
          expect(bid! * remainingKib(remaining)).toBeLessThanOrEqual(balance);
        },
      ),
    );
  });
});

describe('spendingRateFromFraction', () => {
  it('converts the UI fraction at the edge, clamped', () => {
    expect(spendingRateFromFraction(1)).toBe(1_000_000n);
    expect(spendingRateFromFraction(0.25)).toBe(250_000n);
    expect(spendingRateFromFraction(0.1234567)).toBe(123_457n);
    expect(spendingRateFromFraction(-3)).toBe(0n);
    expect(spendingRateFromFraction(7)).toBe(1_000_000n);
    expect(() => spendingRateFromFraction(Number.NaN)).toThrow();
  });
});

describe('decideBid', () => {
  const inputs = (balance_units: bigint, remaining_bytes: bigint, extra: Partial<{ settings: BidSettings; settings_changed: boolean }> = {}) => ({
    balance_units,
    remaining_bytes,
    settings: settings(),
    ...extra,
  });

  it('sends the first positive bid at once', () => {
    const d = decideBid(INITIAL_BIDDER_STATE, inputs(1000n, 10n * KIB), 5);
    expect(d.send).toEqual({ type: 'bid', price_units_per_kib: 100n });
    expect(d.state).toEqual({ last_sent_units_per_kib: 100n, last_sent_ms: 5 });
  });

  it('does not open with a zero bid, nor bid when nothing remains', () => {
    expect(decideBid(INITIAL_BIDDER_STATE, inputs(0n, KIB), 0).send).toBeNull();
    const done = decideBid(INITIAL_BIDDER_STATE, inputs(1000n, 0n), 0);
    expect(done.send).toBeNull();
    expect(done.target_units_per_kib).toBeNull();
  });

  const after100: BidderState = { last_sent_units_per_kib: 100n, last_sent_ms: 0 };

  it('waits a full minute before rebidding, even for a large move', () => {
    expect(decideBid(after100, inputs(2000n, 10n * KIB), MIN_REBID_INTERVAL_MS - 1).send).toBeNull();
    expect(decideBid(after100, inputs(2000n, 10n * KIB), MIN_REBID_INTERVAL_MS).send).toEqual({ type: 'bid', price_units_per_kib: 200n });
  });

  it('rebids only for a move of more than 10 %', () => {
    const later = MIN_REBID_INTERVAL_MS * 5;
    expect(decideBid(after100, inputs(1100n, 10n * KIB), later).send).toBeNull(); // exactly +10 %
    expect(decideBid(after100, inputs(900n, 10n * KIB), later).send).toBeNull(); // exactly −10 %
    expect(decideBid(after100, inputs(1110n, 10n * KIB), later).send?.price_units_per_kib).toBe(111n);
    expect(decideBid(after100, inputs(890n, 10n * KIB), later).send?.price_units_per_kib).toBe(89n);
    expect(movedEnough(0n, 1n)).toBe(true);
    expect(movedEnough(0n, 0n)).toBe(false);
  });

  it('sends at once when the user changes the settings, and restarts the minute', () => {
    const changed = decideBid(after100, inputs(1000n, 10n * KIB, { settings: settings({ spending_rate_ppm: 950_000n }), settings_changed: true }), 1);
    expect(changed.send?.price_units_per_kib).toBe(95n);
    expect(changed.state.last_sent_ms).toBe(1);
    const off = decideBid(after100, inputs(1000n, 10n * KIB, { settings: settings({ enabled: false }), settings_changed: true }), 2);
    expect(off.send).toEqual({ type: 'bid', price_units_per_kib: 0n });
  });

  it('does not resend an unchanged bid even after a settings change', () => {
    expect(decideBid(after100, inputs(1000n, 10n * KIB, { settings_changed: true }), 1).send).toBeNull();
  });

  it('withdraws (0) once the balance is gone, at the next allowed time', () => {
    expect(decideBid(after100, inputs(0n, 10n * KIB), MIN_REBID_INTERVAL_MS).send).toEqual({ type: 'bid', price_units_per_kib: 0n });
  });

  it('keeps its rules over random event sequences (property)', () => {
    const event = fc.record({
      dt_ms: fc.integer({ min: 0, max: 3 * MIN_REBID_INTERVAL_MS }),
      balance: fc.bigInt({ min: 0n, max: 10n ** 12n }),
      remaining: fc.bigInt({ min: 0n, max: 1n << 40n }),
      rate: fc.bigInt({ min: 0n, max: SPENDING_RATE_SCALE }),
      enabled: fc.boolean(),
      settings_changed: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 40 }), (events) => {
        let state = INITIAL_BIDDER_STATE;
        let now = 0;
        for (const e of events) {
          now += e.dt_ms;
          const s = settings({ spending_rate_ppm: e.rate, enabled: e.enabled });
          const before = state;
          const d = decideBid(state, { balance_units: e.balance, remaining_bytes: e.remaining, settings: s, settings_changed: e.settings_changed }, now);
          state = d.state;
          if (d.send === null) {
            expect(state).toBe(before);
            continue;
          }
          const price = d.send.price_units_per_kib;
          expect(e.remaining).toBeGreaterThan(0n);
          expect(price).toBeLessThanOrEqual(e.balance);
          expect(price).not.toBe(before.last_sent_units_per_kib);
          expect(state).toEqual({ last_sent_units_per_kib: price, last_sent_ms: now });
          const last = before.last_sent_units_per_kib;
          if (last !== null && !e.settings_changed) {
            expect(now - (before.last_sent_ms as number)).toBeGreaterThanOrEqual(MIN_REBID_INTERVAL_MS);
            const delta = price > last ? price - last : last - price;
            expect(delta * 10n).toBeGreaterThan(last);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

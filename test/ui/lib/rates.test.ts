// Paid and free rates from the peer's cumulative counters: differences over time, never negative, bounded, with
// the window's spend as newest minus oldest.
import { describe, expect, it } from 'vitest';
import { addSample, emptyRates, MAX_RATE_SAMPLES, windowSummary } from '../../../src/ui/lib/rates.ts';

const at = (t_ms: number, paid_bytes: number, free_bytes: number, paid_units: bigint) => ({ t_ms, paid_bytes, free_bytes, paid_units });

describe('addSample', () => {
  it('turns counters into rates per second, the first snapshot only setting the baseline', () => {
    let s = addSample(emptyRates(), at(0, 0, 0, 0n));
    expect(s.t_s).toEqual([]);
    s = addSample(s, at(2_000, 4_000, 1_000, 10n));
    s = addSample(s, at(3_000, 4_000, 3_000, 10n));
    expect(s.paid_bytes_per_s).toEqual([2_000, 0]);
    expect(s.free_bytes_per_s).toEqual([500, 2_000]);
    expect(windowSummary(s)).toEqual({ paid_bytes_per_s: 1_000, free_bytes_per_s: 1_250, paid_units: 0n, seconds: 1 });
  });

  it('skips snapshots too close together, and a counter going down is a rate of 0, not negative', () => {
    let s = addSample(emptyRates(), at(0, 1_000, 0, 5n));
    expect(addSample(s, at(100, 9_999, 0, 5n))).toBe(s);
    s = addSample(s, at(1_000, 600, 400, 5n)); // a close settled one payment short: 400 bytes moved to free
    expect(s.paid_bytes_per_s).toEqual([0]);
    expect(s.free_bytes_per_s).toEqual([400]);
  });

  it('keeps a bounded window and reports the units paid within it', () => {
    let s = emptyRates();
    for (let i = 0; i <= MAX_RATE_SAMPLES + 10; i++) s = addSample(s, at(i * 1_000, i * 100, 0, BigInt(i)));
    expect(s.t_s).toHaveLength(MAX_RATE_SAMPLES);
    expect(windowSummary(s)?.paid_units).toBe(BigInt(MAX_RATE_SAMPLES - 1));
    expect(windowSummary(emptyRates())).toBeNull();
  });
});

// The stored chart history: a saved series loads back as it was; anything damaged or hostile is dropped whole.
import { describe, expect, it } from 'vitest';
import { MAX_SAMPLES, parseSeries } from '../../../src/ui/lib/series.ts';

const good = { t_s: [1, 2, 3], down_bytes_per_s: [0, 10, 20], up_bytes_per_s: [0, 0, 5], paid_btt: [0, 0.5, 1], earned_btt: [0, 0, 0] };

describe('parseSeries', () => {
  it('loads a saved series back as it was', () => {
    expect(parseSeries(structuredClone(good))).toEqual(good);
    expect(parseSeries({ t_s: [], down_bytes_per_s: [], up_bytes_per_s: [], paid_btt: [], earned_btt: [] })).not.toBeNull();
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'series'],
    ['a missing column', { ...good, earned_btt: undefined }],
    ['columns of different lengths', { ...good, paid_btt: [0, 1] }],
    ['a negative rate', { ...good, down_bytes_per_s: [0, -1, 2] }],
    ['NaN', { ...good, up_bytes_per_s: [0, Number.NaN, 1] }],
    ['a number as text', { ...good, paid_btt: [0, '1', 2] }],
    ['times going back', { ...good, t_s: [1, 3, 2] }],
    ['more samples than the ring holds', Object.fromEntries(Object.keys(good).map((k) => [k, Array.from({ length: MAX_SAMPLES + 1 }, (_, i) => i + 1)]))],
  ])('drops %s', (_what, value) => {
    expect(parseSeries(value)).toBeNull();
  });
});

// Piece availability: the O(1) bucketed order must always agree with plain counting, and distributed copies must
// read as clients show them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Availability } from '../../src/sim/availability.ts';

describe('Availability', () => {
  it('keeps pieces ordered by count through any sequence of gains and losses', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 19 }), fc.boolean()), { maxLength: 500 }), (ops) => {
        const av = new Availability(20);
        const counts = new Array(20).fill(0) as number[];
        for (const [p, up] of ops) {
          if (up) {
            av.increment(p);
            counts[p] = (counts[p] as number) + 1;
          } else if ((counts[p] as number) > 0) {
            av.decrement(p);
            counts[p] = (counts[p] as number) - 1;
          }
        }
        expect(Array.from(av.count)).toEqual(counts);
        const ordered = Array.from(av.order).map((p) => counts[p] as number);
        expect(ordered).toEqual([...counts].sort((a, b) => a - b));
        const min = Math.min(...counts);
        expect(av.minCount()).toBe(min);
        expect(av.rarestEnd()).toBe(counts.filter((c) => c === min).length);
        expect(av.distributedCopies()).toBeCloseTo(min + counts.filter((c) => c > min).length / 20, 10);
      }),
      { numRuns: 300 },
    );
  });

  it('reads 1.5 copies for one seed plus a peer holding half the pieces, and 0.x when pieces are missing', () => {
    const av = new Availability(4);
    for (let p = 0; p < 4; p++) av.increment(p);
    av.increment(0);
    av.increment(1);
    expect(av.distributedCopies()).toBe(1.5);
    for (let p = 0; p < 4; p++) av.decrement(p);
    expect(av.minCount()).toBe(0);
    expect(av.missingPieces()).toBe(2);
    expect(av.distributedCopies()).toBe(0.5);
  });

  it('refuses to count below zero', () => {
    expect(() => new Availability(2).decrement(1)).toThrow(/negative/);
  });
});

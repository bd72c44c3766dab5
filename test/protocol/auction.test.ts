// Uniform-price auction: the white paper's worked cases, eligibility, tie-breaks, and the price properties.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareBids, peerId, runAuction, type AuctionBid } from '../../src/protocol/auction.ts';

const bid = (id: string, price: bigint, bytes = 0): AuctionBid => ({ id: peerId(id), price_units_per_kib: price, bytes });

describe('runAuction', () => {
  it('paper case: 3 bidders, 2 slots, bids 10/7/5 → 10 and 7 win, both pay 5', () => {
    const result = runAuction([bid('c', 5n), bid('a', 10n), bid('b', 7n)], 2, 1n);
    expect(result).toEqual({ winners: ['a', 'b'], losers: ['c'], ineligible: [], price_units_per_kib: 5n });
  });

  it('no losing bid → everyone pays the reserve', () => {
    expect(runAuction([bid('a', 10n), bid('b', 7n)], 2, 3n).price_units_per_kib).toBe(3n);
    expect(runAuction([bid('a', 10n)], 5, 0n).price_units_per_kib).toBe(0n);
  });

  it('bids below the reserve, and zero bids, are not in the auction (and do not set the price)', () => {
    const result = runAuction([bid('a', 10n), bid('b', 7n), bid('c', 2n), bid('d', 0n)], 2, 3n);
    expect(result.winners).toEqual(['a', 'b']);
    expect(result.losers).toEqual([]);
    expect(result.ineligible).toEqual(['c', 'd']);
    expect(result.price_units_per_kib).toBe(3n);
    expect(runAuction([bid('z', 0n)], 1, 0n).ineligible).toEqual(['z']);
  });

  it('equal bids: more bytes wins; the loser at the same bid sets the price at that bid', () => {
    const result = runAuction([bid('a', 7n, 100), bid('b', 7n, 900), bid('c', 9n, 0)], 2, 1n);
    expect(result.winners).toEqual(['c', 'b']);
    expect(result.losers).toEqual(['a']);
    expect(result.price_units_per_kib).toBe(7n);
  });

  it('equal bids and bytes: peer id decides, so results are stable', () => {
    expect(runAuction([bid('y', 5n), bid('x', 5n)], 1, 1n).winners).toEqual(['x']);
    expect(compareBids(bid('x', 5n), bid('x', 5n))).toBe(0);
  });

  it('zero slots → no winners and no price', () => {
    expect(runAuction([bid('a', 10n)], 0, 1n)).toEqual({ winners: [], losers: ['a'], ineligible: [], price_units_per_kib: null });
  });

  it('rejects caller bugs', () => {
    expect(() => runAuction([bid('a', 1n), bid('a', 2n)], 1, 0n)).toThrow(/duplicate/);
    expect(() => runAuction([], -1, 0n)).toThrow();
    expect(() => runAuction([], 1.5, 0n)).toThrow();
    expect(() => runAuction([], 1, -1n)).toThrow();
  });

  it('uniform price: ≤ every winning bid, ≥ every losing bid, = best loser or reserve (property)', () => {
    const bids = fc.uniqueArray(
      fc.record({ id: fc.string({ minLength: 1, maxLength: 4 }), price: fc.bigInt({ min: 0n, max: 50n }), bytes: fc.nat(1000) }),
      { selector: (b) => b.id, maxLength: 20 },
    );
    fc.assert(
      fc.property(bids, fc.integer({ min: 0, max: 8 }), fc.bigInt({ min: 0n, max: 30n }), (raw, slots, reserve) => {
        const input = raw.map((b) => bid(b.id, b.price, b.bytes));
        const priceOf = new Map(input.map((b) => [b.id, b.price_units_per_kib]));
        const { winners, losers, ineligible, price_units_per_kib: price } = runAuction(input, slots, reserve);
        const eligible = input.filter((b) => b.price_units_per_kib > 0n && b.price_units_per_kib >= reserve);
        expect(winners.length).toBe(Math.min(slots, eligible.length));
        expect(winners.length + losers.length + ineligible.length).toBe(input.length);
        for (const id of ineligible) {
          const p = priceOf.get(id)!;
          expect(p === 0n || p < reserve).toBe(true);
        }
        if (winners.length === 0) {
          expect(price).toBeNull();
          return;
        }
        const bestLoser = losers.length > 0 ? priceOf.get(losers[0]!)! : null;
        expect(price).toBe(bestLoser ?? reserve);
        expect(price!).toBeGreaterThanOrEqual(reserve);
        for (const id of winners) expect(priceOf.get(id)!).toBeGreaterThanOrEqual(price!);
        for (const id of losers) expect(priceOf.get(id)!).toBeLessThanOrEqual(price!);
        const minWinner = winners.reduce((m, id) => (priceOf.get(id)! < m ? priceOf.get(id)! : m), priceOf.get(winners[0]!)!);
        for (const id of losers) expect(priceOf.get(id)!).toBeLessThanOrEqual(minWinner);
      }),
      { numRuns: 500 },
    );
  });
});

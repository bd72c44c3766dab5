// Paid storage's challenge sizing and derivation: the exact bigint sizing agrees with ⌈ln(1 − p)/ln(1 − f)⌉ and is
// minimal; f = 10 %, p = 99 % gives 44; indexes are deterministic, in range, uniform, and bound to the beacon, the
// contract and the epoch; a provider missing 10 % of the leaves is caught in ≥ 99 % of epochs, as predicted.
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerIndexes, beaconCommit, catchProbability, ChallengeError, challengeIndexes, leavesPerChallenge, MAX_CHALLENGE_LEAVES,
  PPM, revealMatches,
} from '../../src/protocol/storage-challenge.ts';

const secret = (n: number) => sha256(new TextEncoder().encode(`beacon ${n}`));

describe('challenge sizing', () => {
  it('asks 44 leaves to catch a 10 % loss with 99 %', () => {
    expect(leavesPerChallenge()).toBe(44);
    expect(leavesPerChallenge(100_000, 990_000)).toBe(44);
    expect(catchProbability(100_000, 44)).toBeGreaterThanOrEqual(0.99);
    expect(catchProbability(100_000, 43)).toBeLessThan(0.99);
  });

  it('is the smallest k with (1 − f)^k ≤ 1 − p, as the closed formula says', () => {
    fc.assert(fc.property(fc.integer({ min: 5_000, max: PPM - 1 }), fc.integer({ min: 1, max: 999_999 }), (f, p) => {
      const exact = Math.log(1 - p / PPM) / Math.log(1 - f / PPM);
      if (exact > MAX_CHALLENGE_LEAVES - 1) return;
      const k = leavesPerChallenge(f, p);
      // Away from integer boundaries, where floats cannot decide, the float formula must agree.
      if (Math.abs(exact - Math.round(exact)) > 1e-6) expect(k).toBe(Math.max(1, Math.ceil(exact)));
      expect((1 - f / PPM) ** k).toBeLessThanOrEqual((1 - p / PPM) * (1 + 1e-9));
      if (k > 1) expect((1 - f / PPM) ** (k - 1)).toBeGreaterThan((1 - p / PPM) * (1 - 1e-9));
    }), { numRuns: 500 });
  });

  it('refuses fractions out of range and targets needing more than the cap', () => {
    for (const [f, p] of [[0, 990_000], [PPM, 990_000], [100_000, 0], [100_000, PPM], [0.5, 990_000]]) {
      expect(() => leavesPerChallenge(f, p)).toThrow(ChallengeError);
    }
    expect(() => leavesPerChallenge(1_000, 999_999)).toThrow(/more than 1024/);
    expect(leavesPerChallenge(5_000, 990_000)).toBeLessThanOrEqual(MAX_CHALLENGE_LEAVES);
  });
});

describe('challenge derivation', () => {
  it('opens only the committed beacon', () => {
    const commit = beaconCommit(secret(1));
    expect(revealMatches(commit, secret(1))).toBe(true);
    expect(revealMatches(commit, secret(2))).toBe(false);
    for (let bit = 0; bit < 256; bit += 37) {
      const flipped = secret(1).slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      expect(revealMatches(commit, flipped)).toBe(false);
    }
    expect(revealMatches(commit, secret(1).subarray(1))).toBe(false);
    expect(revealMatches(commit.subarray(1), secret(1))).toBe(false);
    expect(revealMatches(commit, 'not bytes')).toBe(false);
    expect(() => beaconCommit(new Uint8Array(31))).toThrow(ChallengeError);
  });

  it('is deterministic, in range, and changes with the beacon, the contract and the epoch', () => {
    fc.assert(fc.property(fc.nat(), fc.integer({ min: 1, max: 1 << 26 }), fc.integer({ min: 1, max: 200 }), fc.nat({ max: 10_000 }),
      (s, leaf_count, k, epoch) => {
        const a = challengeIndexes(secret(s), 'c-1', epoch, leaf_count, k);
        expect(a).toHaveLength(k);
        expect(challengeIndexes(secret(s), 'c-1', epoch, leaf_count, k)).toEqual(a);
        for (const i of a) expect(Number.isInteger(i) && i >= 0 && i < leaf_count).toBe(true);
        if (leaf_count > 1000 && k >= 8) {
          expect(challengeIndexes(secret(s + 1), 'c-1', epoch, leaf_count, k)).not.toEqual(a);
          expect(challengeIndexes(secret(s), 'c-2', epoch, leaf_count, k)).not.toEqual(a);
          expect(challengeIndexes(secret(s), 'c-1', epoch + 1, leaf_count, k)).not.toEqual(a);
        }
        const distinct = answerIndexes(a);
        expect(distinct).toEqual([...new Set(a)].sort((x, y) => x - y));
      }), { numRuns: 200 });
  });

  it('draws leaves uniformly, including counts that do not divide 2^32', () => {
    for (const n of [3, 10, 1000]) {
      const counts = new Array<number>(n).fill(0);
      const draws = 200 * n;
      for (let e = 0; e * 100 < draws; e++) for (const i of challengeIndexes(secret(n), 'uniform', e, n, 100)) counts[i]!++;
      // 200 expected per leaf; ±35 % is > 4.9 standard deviations (√200 ≈ 14), fixed beacons so never flaky.
      for (const c of counts) expect(c).toBeGreaterThan(130), expect(c).toBeLessThan(270);
    }
  });

  it('catches a provider missing 10 % of the leaves in ≥ 99 % of epochs (predicted 99.03 %)', () => {
    const leaf_count = 5_000;
    // 500 distinct leaves (7,919 is prime to 5,000), scattered over the file.
    const lost = new Set(Array.from({ length: leaf_count / 10 }, (_, i) => (i * 7919) % leaf_count));
    expect(lost.size).toBe(leaf_count / 10);
    const k = leavesPerChallenge();
    const epochs = 4_000;
    let caught = 0;
    for (let e = 0; e < epochs; e++) if (challengeIndexes(secret(e), 'provider-a', e, leaf_count, k).some((i) => lost.has(i))) caught++;
    // 4,000 epochs: the standard deviation is 0.16 %, so 98.5 % is over 3 deviations below the prediction.
    expect(caught / epochs).toBeGreaterThan(0.985);
    expect(caught / epochs).toBeLessThan(0.996);
  });

  it('refuses bad inputs', () => {
    expect(() => challengeIndexes(secret(1).subarray(2), 'c', 0, 10, 4)).toThrow(ChallengeError);
    expect(() => challengeIndexes(secret(1), '', 0, 10, 4)).toThrow(ChallengeError);
    expect(() => challengeIndexes(secret(1), 'a b', 0, 10, 4)).toThrow(ChallengeError);
    expect(() => challengeIndexes(secret(1), 'x'.repeat(129), 0, 10, 4)).toThrow(ChallengeError);
    expect(() => challengeIndexes(secret(1), 'c', -1, 10, 4)).toThrow(ChallengeError);
    expect(() => challengeIndexes(secret(1), 'c', 0, 0, 4)).toThrow(ChallengeError);
    expect(() => challengeIndexes(secret(1), 'c', 0, 10, 0)).toThrow(ChallengeError);
    expect(() => challengeIndexes(secret(1), 'c', 0, 10, MAX_CHALLENGE_LEAVES + 1)).toThrow(ChallengeError);
  });
});

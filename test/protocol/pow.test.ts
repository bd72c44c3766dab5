// Airdrop proof of work: bit counting, the exact hash input (checked against node:crypto), chunked solving that
// resumes where it stopped, and verification that refuses malformed or unbound solutions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  MAX_DIFFICULTY_BITS,
  MAX_TRIES_PER_CHUNK,
  POW_DOMAIN,
  checkPow,
  expectedWork,
  leadingZeroBits,
  powInput,
  solvePowChunk,
} from '../../src/protocol/pow.ts';

const CHALLENGE = Uint8Array.from({ length: 32 }, (_, i) => i);
const KEY = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const nodeSha256 = (bytes: Uint8Array) => new Uint8Array(createHash('sha256').update(bytes).digest());

function solve(difficulty_bits: number, challenge = CHALLENGE, public_key = KEY, chunk = 1_000): number {
  let start_nonce = 0;
  for (;;) {
    const result = solvePowChunk({ challenge, public_key, difficulty_bits, start_nonce, max_tries: chunk });
    if (result.found) return result.nonce;
    expect(result.next_nonce).toBe(start_nonce + chunk);
    start_nonce = result.next_nonce;
  }
}

describe('leadingZeroBits', () => {
  it('counts zero bits from the most significant end', () => {
    expect(leadingZeroBits(Uint8Array.of(0xff))).toBe(0);
    expect(leadingZeroBits(Uint8Array.of(0x01))).toBe(7);
    expect(leadingZeroBits(Uint8Array.of(0x00, 0x80))).toBe(8);
    expect(leadingZeroBits(Uint8Array.of(0x00, 0x00, 0x10))).toBe(19);
    expect(leadingZeroBits(new Uint8Array(32))).toBe(256);
    expect(leadingZeroBits(new Uint8Array(0))).toBe(0);
  });

  it('agrees with a bit-string reference (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), (bytes) => {
        const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
        const firstOne = bits.indexOf('1');
        expect(leadingZeroBits(bytes)).toBe(firstOne === -1 ? bits.length : firstOne);
      }),
    );
  });
});

describe('hash input', () => {
  it('is domain || challenge || public_key || nonce (u64 big-endian)', () => {
    const input = powInput(CHALLENGE, KEY, 2 ** 40 + 5);
    const domain = new TextEncoder().encode(POW_DOMAIN);
    expect(POW_DOMAIN).toBe('seedpay/airdrop-pow/v1');
    expect(input.length).toBe(domain.length + 32 + 32 + 8);
    expect(input.slice(0, domain.length)).toEqual(domain);
    expect(input.slice(domain.length, domain.length + 32)).toEqual(CHALLENGE);
    expect(input.slice(domain.length + 32, domain.length + 64)).toEqual(KEY);
    expect([...input.slice(-8)]).toEqual([0, 0, 1, 0, 0, 0, 0, 5]);
  });
});

describe('solve and check', () => {
  it('finds the first nonce meeting the difficulty, as node:crypto confirms', () => {
    const nonce = solve(10);
    expect(leadingZeroBits(nodeSha256(powInput(CHALLENGE, KEY, nonce)))).toBeGreaterThanOrEqual(10);
    for (let earlier = 0; earlier < nonce; earlier++) {
      expect(leadingZeroBits(nodeSha256(powInput(CHALLENGE, KEY, earlier)))).toBeLessThan(10);
    }
    expect(checkPow({ challenge: CHALLENGE, public_key: KEY, nonce, difficulty_bits: 10 })).toBe(true);
  });

  it('chunk size does not change the answer (resume is exact)', () => {
    expect(solve(9, CHALLENGE, KEY, 1)).toBe(solve(9, CHALLENGE, KEY, 50_000));
  });

  it('binds the solution to the challenge and the public key', () => {
    const nonce = solve(12);
    const otherKey = Uint8Array.from(KEY, (b, i) => (i === 0 ? b ^ 1 : b));
    const otherChallenge = Uint8Array.from(CHALLENGE, (b, i) => (i === 31 ? b ^ 1 : b));
    // Fixed inputs, so these are deterministic: both rehashes happen to fall short of 12 bits.
    expect(leadingZeroBits(nodeSha256(powInput(CHALLENGE, otherKey, nonce)))).toBeLessThan(12);
    expect(checkPow({ challenge: CHALLENGE, public_key: otherKey, nonce, difficulty_bits: 12 })).toBe(false);
    expect(checkPow({ challenge: otherChallenge, public_key: KEY, nonce, difficulty_bits: 12 })).toBe(false);
  });

  it('checkPow matches the definition for random inputs (property, node:crypto as reference)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: 4 }),
        (challenge, public_key, nonce, difficulty_bits) => {
          const expected = leadingZeroBits(nodeSha256(powInput(challenge, public_key, nonce))) >= difficulty_bits;
          expect(checkPow({ challenge, public_key, nonce, difficulty_bits })).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('average work at 6 bits is near 2^6 over 200 fixed challenges', () => {
    let total = 0;
    for (let i = 0; i < 200; i++) total += solve(6, Uint8Array.from(CHALLENGE, (b) => b ^ i), KEY) + 1;
    const mean = total / 200;
    expect(mean).toBeGreaterThan(expectedWork(6) * 0.7);
    expect(mean).toBeLessThan(expectedWork(6) * 1.3);
  });
});

describe('limits', () => {
  it('checkPow refuses malformed solutions without throwing', () => {
    const ok = { challenge: CHALLENGE, public_key: KEY, nonce: 0, difficulty_bits: 0 };
    expect(checkPow(ok)).toBe(true); // difficulty 0: any nonce
    expect(checkPow({ ...ok, challenge: new Uint8Array(31) })).toBe(false);
    expect(checkPow({ ...ok, public_key: new Uint8Array(33) })).toBe(false);
    expect(checkPow({ ...ok, nonce: -1 })).toBe(false);
    expect(checkPow({ ...ok, nonce: 1.5 })).toBe(false);
    expect(checkPow({ ...ok, difficulty_bits: MAX_DIFFICULTY_BITS + 1 })).toBe(false);
    expect(checkPow({ ...ok, challenge: 'x' as unknown as Uint8Array })).toBe(false);
    expect(checkPow(null as never)).toBe(false);
  });

  it('expected work is 2^bits, within the named maximum', () => {
    expect(expectedWork(0)).toBe(1);
    expect(expectedWork(20)).toBe(1_048_576);
    expect(expectedWork(MAX_DIFFICULTY_BITS)).toBe(2 ** 32);
    expect(() => expectedWork(MAX_DIFFICULTY_BITS + 1)).toThrow();
  });

  it('solvePowChunk rejects bad arguments from its (trusted) caller', () => {
    const base = { challenge: CHALLENGE, public_key: KEY, difficulty_bits: 8, start_nonce: 0, max_tries: 10 };
    expect(() => solvePowChunk({ ...base, max_tries: 0 })).toThrow();
    expect(() => solvePowChunk({ ...base, max_tries: MAX_TRIES_PER_CHUNK + 1 })).toThrow();
    expect(() => solvePowChunk({ ...base, start_nonce: -1 })).toThrow();
    expect(() => solvePowChunk({ ...base, difficulty_bits: 33 })).toThrow();
    expect(() => solvePowChunk({ ...base, challenge: new Uint8Array(1) })).toThrow();
  });
});

// Hashcash-style proof of work for the airdrop: sha256(domain || challenge || public_key || nonce) must start with
// difficulty_bits zero bits. Solved in chunks so a worker can report progress and be cancelled between chunks.
import { sha256 } from '@noble/hashes/sha2.js';

export const POW_DOMAIN = 'seedpay/airdrop-pow/v1';
const DOMAIN_BYTES = new TextEncoder().encode(POW_DOMAIN);
/** The ledger's challenge is 32 random bytes: unpredictable, so no work can be done before it is issued. */
export const POW_CHALLENGE_BYTES = 32;
/** The Ed25519 payment key the airdrop credits: binding it stops one solution being claimed for another key. */
export const POW_PUBLIC_KEY_BYTES = 32;
/** Nonce is a u64 big-endian on the hash input; JS searches the safe-integer range, which is never exhausted. */
export const POW_NONCE_BYTES = 8;
export const MAX_POW_NONCE = Number.MAX_SAFE_INTEGER;
/** 2^32 hashes is hours in a browser: a ledger asking for more is misconfigured, and checkPow refuses it. */
export const MAX_DIFFICULTY_BITS = 32;
/** A chunk larger than this would block a worker for seconds without a chance to report progress or cancel. */
export const MAX_TRIES_PER_CHUNK = 1_000_000;

export interface PowPuzzle {
  readonly challenge: Uint8Array;
  readonly public_key: Uint8Array;
  readonly difficulty_bits: number;
}

export interface PowSolution extends PowPuzzle {
  readonly nonce: number;
}

export type PowChunkResult = { readonly found: true; readonly nonce: number } | { readonly found: false; readonly next_nonce: number };

/** Leading zero bits of a hash (or any bytes); 8 × length for all-zero input. */
export function leadingZeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (const byte of hash) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** Expected hashes to find a solution: 2^bits (each try succeeds with probability 2^−bits). */
export function expectedWork(difficulty_bits: number): number {
  assertDifficulty(difficulty_bits);
  return 2 ** difficulty_bits;
}

/** The hash input: domain || challenge || public_key || nonce (u64 BE). Exported for the spec's test vectors. */
export function powInput(challenge: Uint8Array, public_key: Uint8Array, nonce: number): Uint8Array {
  const input = new Uint8Array(DOMAIN_BYTES.length + POW_CHALLENGE_BYTES + POW_PUBLIC_KEY_BYTES + POW_NONCE_BYTES);
  input.set(DOMAIN_BYTES, 0);
  input.set(challenge, DOMAIN_BYTES.length);
  input.set(public_key, DOMAIN_BYTES.length + POW_CHALLENGE_BYTES);
  writeNonce(input, nonce);
  return input;
}

/** Verifies a claimed solution. Untrusted input: any malformed field makes it false, never a throw. */
export function checkPow(solution: PowSolution): boolean {
  if (typeof solution !== 'object' || solution === null) return false;
  const { challenge, public_key, nonce, difficulty_bits } = solution;
  if (!(challenge instanceof Uint8Array) || challenge.length !== POW_CHALLENGE_BYTES) return false;
  if (!(public_key instanceof Uint8Array) || public_key.length !== POW_PUBLIC_KEY_BYTES) return false;
  if (!Number.isSafeInteger(nonce) || nonce < 0) return false;
  if (!Number.isSafeInteger(difficulty_bits) || difficulty_bits < 0 || difficulty_bits > MAX_DIFFICULTY_BITS) return false;
  return leadingZeroBits(sha256(powInput(challenge, public_key, nonce))) >= difficulty_bits;
}

/**
 * Tries nonces start_nonce .. start_nonce + max_tries − 1. Returns the first solution, or where to resume. Our own
 * worker calls this, so bad arguments are a bug and throw.
 */
export function solvePowChunk(puzzle: PowPuzzle & { readonly start_nonce: number; readonly max_tries: number }): PowChunkResult {
  const { challenge, public_key, difficulty_bits, start_nonce, max_tries } = puzzle;
  if (!(challenge instanceof Uint8Array) || challenge.length !== POW_CHALLENGE_BYTES) throw new TypeError('challenge: 32 bytes');
  if (!(public_key instanceof Uint8Array) || public_key.length !== POW_PUBLIC_KEY_BYTES) throw new TypeError('public_key: 32 bytes');
  assertDifficulty(difficulty_bits);
  if (!Number.isSafeInteger(start_nonce) || start_nonce < 0) throw new RangeError('start_nonce: non-negative safe integer');
  if (!Number.isSafeInteger(max_tries) || max_tries < 1 || max_tries > MAX_TRIES_PER_CHUNK) {
    throw new RangeError(`max_tries: 1..${MAX_TRIES_PER_CHUNK}`);
  }
  const end = Math.min(start_nonce + max_tries, MAX_POW_NONCE);
  const input = powInput(challenge, public_key, start_nonce);
  for (let nonce = start_nonce; nonce < end; nonce++) {
    writeNonce(input, nonce);
    if (leadingZeroBits(sha256(input)) >= difficulty_bits) return { found: true, nonce };
  }
  return { found: false, next_nonce: end };
}

function writeNonce(input: Uint8Array, nonce: number): void {
  const offset = input.length - POW_NONCE_BYTES;
  const high = Math.floor(nonce / 2 ** 32);
  const low = nonce >>> 0;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  view.setUint32(offset, high, false);
  view.setUint32(offset + 4, low, false);
}

function assertDifficulty(difficulty_bits: number): void {
  if (!Number.isSafeInteger(difficulty_bits) || difficulty_bits < 0 || difficulty_bits > MAX_DIFFICULTY_BITS) {
    throw new RangeError(`difficulty_bits: 0..${MAX_DIFFICULTY_BITS}`);
  }
}

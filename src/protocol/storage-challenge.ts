// Paid storage's challenges: how many leaves to ask for, and which, from a beacon the verifier committed to in advance.
// Sizing (sampling with replacement, each draw uniform over the leaves): a provider missing a fraction f of the
// leaves answers one draw with probability 1 − f, all k draws with (1 − f)^k, so it is caught with probability
// 1 − (1 − f)^k. For that to be ≥ p: k = ⌈ln(1 − p) / ln(1 − f)⌉; f = 10 %, p = 99 % → k = 44 (0.9^44 ≈ 0.0097).
// Computed here exactly in bigint (f and p in parts per million), so the ledger and every client agree bit for bit.
import { sha256 } from '@noble/hashes/sha2.js';

export const PPM = 1_000_000;
/** The target: a provider missing 10 % of the data is caught with ≥ 99 % probability per epoch. */
export const DEFAULT_MISS_PPM = 100_000;
export const DEFAULT_CONFIDENCE_PPM = 990_000;
/** 1,024 leaves per challenge: catches a 0.5 % loss with 99.4 %; more would make each answer megabytes. */
export const MAX_CHALLENGE_LEAVES = 1024;
/** The beacon secret the verifier draws per epoch; its SHA-256 commitment is published before the epoch. */
export const BEACON_SECRET_BYTES = 32;
/** Contract ids are the ledger's ids (printable, short); the bound keeps hashing inputs small. */
export const MAX_CONTRACT_ID_LENGTH = 128;

const COMMIT_DOMAIN = new TextEncoder().encode('seedpay/storage-beacon/v1');
const INDEX_DOMAIN = new TextEncoder().encode('seedpay/storage-challenge/v1');

export class ChallengeError extends Error {
  override name = 'ChallengeError';
}

function assertPpm(value: number, title: string): void {
  if (!Number.isSafeInteger(value) || value <= 0 || value >= PPM) throw new ChallengeError(`${title} must be in 1..${PPM - 1} ppm`);
}

/** Smallest k with (1 − f)^k ≤ 1 − p, i.e. ⌈ln(1 − p) / ln(1 − f)⌉ without floating point; throws above the cap. */
export function leavesPerChallenge(miss_ppm = DEFAULT_MISS_PPM, confidence_ppm = DEFAULT_CONFIDENCE_PPM): number {
  assertPpm(miss_ppm, 'missing fraction');
  assertPpm(confidence_ppm, 'confidence');
  const keep = BigInt(PPM - miss_ppm); // (1 − f) in ppm
  const escape = BigInt(PPM - confidence_ppm); // (1 − p) in ppm
  // Compare (keep / PPM)^k ≤ escape / PPM as keep^k · PPM ≤ escape · PPM^k.
  let power = keep;
  let scale = BigInt(PPM);
  for (let k = 1; k <= MAX_CHALLENGE_LEAVES; k++) {
    if (power * BigInt(PPM) <= escape * scale) return k;
    power *= keep;
    scale *= BigInt(PPM);
  }
  throw new ChallengeError(`more than ${MAX_CHALLENGE_LEAVES} leaves needed for ${miss_ppm} ppm at ${confidence_ppm} ppm`);
}

/** Probability (0..1) that k draws catch a provider missing miss_ppm of the leaves: 1 − (1 − f)^k. For reports. */
export function catchProbability(miss_ppm: number, leaves: number): number {
  return 1 - (1 - miss_ppm / PPM) ** leaves;
}

/** The commitment the verifier publishes before the epoch: SHA-256(domain ‖ secret). */
export function beaconCommit(secret: Uint8Array): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length !== BEACON_SECRET_BYTES) throw new ChallengeError(`a beacon secret is ${BEACON_SECRET_BYTES} bytes`);
  return sha256.create().update(COMMIT_DOMAIN).update(secret).digest();
}

/** True when `secret` is the one `commit` promised (constant-time on equal lengths). */
export function revealMatches(commit: Uint8Array, secret: unknown): boolean {
  if (!(secret instanceof Uint8Array) || secret.length !== BEACON_SECRET_BYTES) return false;
  const expected = beaconCommit(secret);
  if (!(commit instanceof Uint8Array) || commit.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= (expected[i] ?? 0) ^ (commit[i] ?? 0);
  return diff === 0;
}

export function isContractId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_CONTRACT_ID_LENGTH && /^[\x21-\x7e]+$/.test(value);
}

/**
 * The k leaf indexes (with repeats) contract `contract_id` must prove in `epoch`: words of
 * SHA-256(domain ‖ secret ‖ id length u8 ‖ id ‖ epoch u32 ‖ block u32), rejection-sampled so each is uniform.
 */
export function challengeIndexes(secret: Uint8Array, contract_id: string, epoch: number, leaf_count: number, leaves: number): number[] {
  if (!(secret instanceof Uint8Array) || secret.length !== BEACON_SECRET_BYTES) throw new ChallengeError('bad beacon secret');
  if (!isContractId(contract_id)) throw new ChallengeError('bad contract id');
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > 0xffff_ffff) throw new ChallengeError('bad epoch');
  if (!Number.isSafeInteger(leaf_count) || leaf_count < 1 || leaf_count > 0xffff_ffff) throw new ChallengeError('bad leaf count');
  if (!Number.isSafeInteger(leaves) || leaves < 1 || leaves > MAX_CHALLENGE_LEAVES) throw new ChallengeError('bad leaves per challenge');
  const id = new TextEncoder().encode(contract_id);
  const tail = new Uint8Array(1 + id.length + 8);
  const view = new DataView(tail.buffer);
  tail[0] = id.length;
  tail.set(id, 1);
  view.setUint32(1 + id.length, epoch);
  // Words at or above `limit` would favour low indexes; they are skipped (at most 1 in 64 within MAX_LEAVES).
  const limit = Math.floor(2 ** 32 / leaf_count) * leaf_count;
  const out: number[] = [];
  for (let block = 0; out.length < leaves; block++) {
    view.setUint32(5 + id.length, block);
    const digest = sha256.create().update(INDEX_DOMAIN).update(secret).update(tail).digest();
    const words = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
    for (let w = 0; w < 8 && out.length < leaves; w++) {
      const word = words.getUint32(w * 4);
      if (word < limit) out.push(word % leaf_count);
    }
  }
  return out;
}

/** The indexes an answer must prove, once each, ascending: repeats in the draw cost no extra bytes. */
export function answerIndexes(indexes: readonly number[]): number[] {
  return [...new Set(indexes)].sort((a, b) => a - b);
}

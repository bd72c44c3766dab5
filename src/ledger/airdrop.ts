// Airdrop gatekeeping: ledger-issued proof-of-work challenges bound to one key and expiring, plus a per-IP limiter.
// Challenges are stateless (MAC'd by the ledger key) yet single-use: each binds one key, and a key claims once.
import { timingSafeEqual } from 'node:crypto';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { type Units, UNITS_PER_BTT } from '../protocol/money.ts';
import { checkPow, MAX_DIFFICULTY_BITS, POW_CHALLENGE_BYTES } from '../protocol/pow.ts';
import type { LedgerKey } from './ledger-key.ts';

export interface AirdropOptions {
  /** Credited once per key from the "BitTorrent protocol airdrop" reserve. */
  readonly amount_units?: Units;
  readonly difficulty_bits?: number;
  readonly challenge_ttl_ms?: number;
  /** Challenge and claim requests allowed per client IP per window. */
  readonly max_requests_per_window?: number;
  readonly window_ms?: number;
}

export type AirdropConfig = Required<AirdropOptions>;

export const DEFAULT_AIRDROP: AirdropConfig = {
  amount_units: 100n * UNITS_PER_BTT, // a small initial balance: enough for many pieces, not worth farming
  difficulty_bits: 18, // ~262k hashes: a second or two in a browser worker
  challenge_ttl_ms: 5 * 60 * 1_000, // long enough to solve on a slow phone
  max_requests_per_window: 20,
  window_ms: 60 * 1_000,
};

/** Clients the limiter remembers; beyond this, expired windows are dropped and then new clients are refused. */
export const MAX_TRACKED_CLIENTS = 10_000;
const CHALLENGE_DOMAIN = new TextEncoder().encode('seedpay/airdrop-challenge/v1');
/** expires_at_ms (u64) || random (8) || MAC (16) = 32 bytes, the challenge size pow.ts expects. */
const MAC_BYTES = 16;

export function airdropConfig(options: AirdropOptions = {}): AirdropConfig {
  const config = { ...DEFAULT_AIRDROP, ...options };
  if (config.amount_units <= 0n) throw new RangeError('airdrop.amount_units must be positive');
  if (!Number.isSafeInteger(config.difficulty_bits) || config.difficulty_bits < 0 || config.difficulty_bits > MAX_DIFFICULTY_BITS) {
    throw new RangeError(`airdrop.difficulty_bits must be 0..${MAX_DIFFICULTY_BITS}`);
  }
  for (const name of ['challenge_ttl_ms', 'max_requests_per_window', 'window_ms'] as const) {
    if (!Number.isSafeInteger(config[name]) || config[name] <= 0) throw new RangeError(`airdrop.${name} must be a positive integer`);
  }
  return config;
}

function challengeMac(key: LedgerKey, public_key: PublicKeyHex, prefix: Uint8Array): Uint8Array {
  const message = new Uint8Array(CHALLENGE_DOMAIN.length + 32 + prefix.length);
  message.set(CHALLENGE_DOMAIN, 0);
  message.set(hexToBytes(public_key), CHALLENGE_DOMAIN.length);
  message.set(prefix, CHALLENGE_DOMAIN.length + 32);
  return key.mac(message).subarray(0, MAC_BYTES);
}

export function issueChallenge(key: LedgerKey, public_key: PublicKeyHex, now_ms: number, ttl_ms: number, random: Uint8Array) {
  if (random.length !== 8) throw new TypeError('random: expected 8 bytes');
  const challenge = new Uint8Array(POW_CHALLENGE_BYTES);
  const expires_at_ms = now_ms + ttl_ms;
  new DataView(challenge.buffer).setBigUint64(0, BigInt(expires_at_ms), false);
  challenge.set(random, 8);
  challenge.set(challengeMac(key, public_key, challenge.subarray(0, 16)), 16);
  return { challenge, expires_at_ms };
}

export type ChallengeCheck = 'ok' | 'invalid_challenge' | 'challenge_expired' | 'invalid_pow';

export function checkClaim(
  key: LedgerKey,
  claim: { public_key: PublicKeyHex; challenge: Uint8Array; pow_nonce: number },
  difficulty_bits: number,
  now_ms: number,
): ChallengeCheck {
  const { challenge } = claim;
  if (challenge.length !== POW_CHALLENGE_BYTES) return 'invalid_challenge';
  const expected = challengeMac(key, claim.public_key, challenge.subarray(0, 16));
  if (!timingSafeEqual(expected, challenge.subarray(16))) return 'invalid_challenge';
  const expires_at_ms = Number(new DataView(challenge.buffer, challenge.byteOffset).getBigUint64(0, false));
  if (now_ms >= expires_at_ms) return 'challenge_expired';
  const solved = checkPow({ challenge, public_key: hexToBytes(claim.public_key), nonce: claim.pow_nonce, difficulty_bits });
  return solved ? 'ok' : 'invalid_pow';
}

/** Fixed-window counter per client: cheap, bounded, and good enough to stop one host farming keys. */
export class RateLimiter {
  readonly #max: number;
  readonly #window_ms: number;
  readonly #clients = new Map<string, { start_ms: number; count: number }>();

  constructor(max_per_window: number, window_ms: number) {
    this.#max = max_per_window;
    this.#window_ms = window_ms;
  }

  /** Counts one request; false when the client is over its limit (or the table is full of live clients). */
  allow(client: string, now_ms: number): boolean {
    let entry = this.#clients.get(client);
    if (entry && now_ms - entry.start_ms >= this.#window_ms) entry = undefined;
    if (!entry) {
      if (this.#clients.size >= MAX_TRACKED_CLIENTS) this.#evict(now_ms);
      if (this.#clients.size >= MAX_TRACKED_CLIENTS) return false;
      entry = { start_ms: now_ms, count: 0 };
      this.#clients.set(client, entry);
    }
    entry.count += 1;
    return entry.count <= this.#max;
  }

  #evict(now_ms: number): void {
    for (const [client, entry] of this.#clients) {
      if (now_ms - entry.start_ms >= this.#window_ms) this.#clients.delete(client);
    }
  }
}

// Password-based sealing of the wallet's secret: PBKDF2-HMAC-SHA256 (WebCrypto) stretches the password into an
// AES-256-GCM key; GCM's tag makes a wrong password (or a tampered record) fail to open rather than yield garbage.
// `subtle` and randomness are passed in, so the same code runs in the page, in Node tests and nowhere else.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/** OWASP's 2023 floor for PBKDF2-HMAC-SHA256; about 0.3 s in a browser, paid once per unlock. */
export const PBKDF2_ITERATIONS = 600_000;
/** A record asking for fewer was not made by us (or was downgraded): refuse it. */
export const MIN_PBKDF2_ITERATIONS = 600_000;
/** A crafted key file must not make the tab spin for minutes. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
export const SALT_BYTES = 16;
/** GCM's standard 96-bit nonce; a fresh random one per seal (a key is used for one seal only anyway). */
export const IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
/** The sealed secret is BIP-39 entropy (16–32 bytes); nothing larger is ever sealed. */
export const MAX_PLAINTEXT_BYTES = 64;
/** Short enough to be typed, long enough that PBKDF2 is not the only thing standing between a thief and the key. */
export const MIN_PASSWORD_CHARS = 8;
export const MAX_PASSWORD_CHARS = 1024;

export type RandomBytes = (length: number) => Uint8Array;

export interface SealedBox {
  readonly kdf: { readonly name: 'PBKDF2-SHA256'; readonly iterations: number; readonly salt_hex: string };
  readonly cipher: { readonly name: 'AES-256-GCM'; readonly iv_hex: string };
  readonly ciphertext_hex: string;
}

export class PasswordPolicyError extends Error {
  override name = 'PasswordPolicyError';
}

export function checkPassword(password: string): void {
  if (typeof password !== 'string') throw new PasswordPolicyError('password: expected text');
  if (password.length < MIN_PASSWORD_CHARS) throw new PasswordPolicyError(`Use at least ${MIN_PASSWORD_CHARS} characters.`);
  if (password.length > MAX_PASSWORD_CHARS) throw new PasswordPolicyError(`Use at most ${MAX_PASSWORD_CHARS} characters.`);
}

async function deriveAesKey(subtle: SubtleCrypto, password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const passwordBytes = new TextEncoder().encode(password.normalize('NFKC'));
  try {
    const base = await subtle.importKey('raw', passwordBytes, 'PBKDF2', false, ['deriveKey']);
    return await subtle.deriveKey(
      { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
  } finally {
    passwordBytes.fill(0);
  }
}

/**
 * Encrypts `plaintext` under `password`. `aad` (authenticated, not secret) binds the record's public fields to the
 * ciphertext, so swapping the shown account under someone's ciphertext is detected on open.
 */
export async function seal(
  subtle: SubtleCrypto,
  random: RandomBytes,
  password: string,
  plaintext: Uint8Array,
  aad: (box: Omit<SealedBox, 'ciphertext_hex'>) => Uint8Array,
  iterations = PBKDF2_ITERATIONS,
): Promise<SealedBox> {
  checkPassword(password);
  if (!(plaintext instanceof Uint8Array) || plaintext.length === 0 || plaintext.length > MAX_PLAINTEXT_BYTES) {
    throw new TypeError(`plaintext: expected 1..${MAX_PLAINTEXT_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(iterations) || iterations < MIN_PBKDF2_ITERATIONS || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new RangeError(`iterations: ${MIN_PBKDF2_ITERATIONS}..${MAX_PBKDF2_ITERATIONS}`);
  }
  const salt = random(SALT_BYTES);
  const iv = random(IV_BYTES);
  const header = {
    kdf: { name: 'PBKDF2-SHA256', iterations, salt_hex: bytesToHex(salt) },
    cipher: { name: 'AES-256-GCM', iv_hex: bytesToHex(iv) },
  } as const;
  const key = await deriveAesKey(subtle, password, salt, iterations);
  const ciphertext = await subtle.encrypt(
    { name: 'AES-GCM', iv: iv as BufferSource, additionalData: aad(header) as BufferSource, tagLength: GCM_TAG_BYTES * 8 },
    key,
    plaintext as BufferSource,
  );
  return { ...header, ciphertext_hex: bytesToHex(new Uint8Array(ciphertext)) };
}

/** The plaintext, or null when the password is wrong or the box was altered (GCM cannot tell the two apart). */
export async function open(
  subtle: SubtleCrypto,
  password: string,
  box: SealedBox,
  aad: (box: Omit<SealedBox, 'ciphertext_hex'>) => Uint8Array,
): Promise<Uint8Array | null> {
  if (typeof password !== 'string' || password.length === 0 || password.length > MAX_PASSWORD_CHARS) return null;
  const key = await deriveAesKey(subtle, password, hexToBytes(box.kdf.salt_hex), box.kdf.iterations);
  try {
    const plaintext = await subtle.decrypt(
      { name: 'AES-GCM', iv: hexToBytes(box.cipher.iv_hex) as BufferSource, additionalData: aad(box) as BufferSource, tagLength: GCM_TAG_BYTES * 8 },
      key,
      hexToBytes(box.ciphertext_hex) as BufferSource,
    );
    return new Uint8Array(plaintext);
  } catch {
    return null;
  }
}

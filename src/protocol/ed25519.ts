// Ed25519 signatures on two paths that must agree: @noble/curves (portable reference) and WebCrypto (hot path,
// ~10x faster). One verification rule for both: strict RFC 8032 (noble with zip215: false matches OpenSSL/WebCrypto).
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

export type PublicKeyHex = string & { readonly __brand: 'PublicKeyHex' };

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** Imported WebCrypto verify keys kept per public key; one per peer, so a small cap suffices. */
const MAX_CACHED_VERIFY_KEYS = 1024;

export function abytes(value: unknown, length: number, title: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${title}: expected Uint8Array`);
  if (value.length !== length) throw new TypeError(`${title}: expected ${length} bytes, got ${value.length}`);
  return value;
}

export function toPublicKeyHex(publicKey: Uint8Array): PublicKeyHex {
  return bytesToHex(abytes(publicKey, PUBLIC_KEY_BYTES, 'publicKey')) as PublicKeyHex;
}

export function isPublicKeyHex(text: unknown): text is PublicKeyHex {
  return typeof text === 'string' && /^[0-9a-f]{64}$/.test(text);
}

export function publicKeyFromHex(hex: PublicKeyHex): Uint8Array {
  return hexToBytes(hex);
}

export function publicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(abytes(secretKey, SECRET_KEY_BYTES, 'secretKey'));
}

/** Reference signer (noble). Deterministic per RFC 8032. */
export function nobleSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, abytes(secretKey, SECRET_KEY_BYTES, 'secretKey'));
}

/** Reference verifier with the pinned rule (strict, not ZIP-215). Malformed inputs verify false. */
export function nobleVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export interface Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/**
 * A WebCrypto signer holding a non-extractable key: once imported, the secret cannot be read back out of it.
 * `subtle` is passed in so this module stays free of globals; callers pass `globalThis.crypto.subtle`.
 */
export async function createWebCryptoSigner(subtle: SubtleCrypto, secretKey: Uint8Array): Promise<Signer> {
  const publicKey = publicKeyFromSecret(secretKey);
  const jwk: JsonWebKey = { kty: 'OKP', crv: 'Ed25519', d: base64Url(secretKey), x: base64Url(publicKey) };
  const key = await subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']);
  return {
    publicKey,
    async sign(message) {
      return new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, message as BufferSource));
    },
  };
}

/**
 * A signer over an already-imported WebCrypto key. The wallet hands the peer worker a non-extractable CryptoKey
 * (structured-cloneable, but its bytes can never be read back), so the worker signs without ever holding the secret.
 */
export function signerFromCryptoKey(subtle: SubtleCrypto, key: CryptoKey, publicKey: Uint8Array): Signer {
  abytes(publicKey, PUBLIC_KEY_BYTES, 'publicKey');
  return {
    publicKey,
    async sign(message) {
      return new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, message as BufferSource));
    },
  };
}

/** A signer on the reference path, for places without WebCrypto Ed25519. */
export function createNobleSigner(secretKey: Uint8Array): Signer {
  const copy = Uint8Array.from(abytes(secretKey, SECRET_KEY_BYTES, 'secretKey'));
  const publicKey = publicKeyFromSecret(copy);
  return { publicKey, sign: async (message) => nobleSign(copy, message) };
}

/** Verifies with WebCrypto, caching imported keys per public key. Malformed inputs verify false. */
export class WebCryptoVerifier {
  readonly #subtle: SubtleCrypto;
  readonly #keys = new Map<string, Promise<CryptoKey>>();

  constructor(subtle: SubtleCrypto) {
    this.#subtle = subtle;
  }

  async verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
    try {
      const key = await this.#key(publicKey);
      return await this.#subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, message as BufferSource);
    } catch {
      return false;
    }
  }

  #key(publicKey: Uint8Array): Promise<CryptoKey> {
    const id = bytesToHex(publicKey);
    let key = this.#keys.get(id);
    if (!key) {
      if (this.#keys.size >= MAX_CACHED_VERIFY_KEYS) {
        const oldest = this.#keys.keys().next().value;
        if (oldest !== undefined) this.#keys.delete(oldest);
      }
      key = this.#subtle.importKey('raw', publicKey as BufferSource, { name: 'Ed25519' }, false, ['verify']);
      key.catch(() => this.#keys.delete(id));
      this.#keys.set(id, key);
    }
    return key;
  }
}

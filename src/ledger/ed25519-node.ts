// Ed25519 on the ledger's hot path through node:crypto (OpenSSL, strict RFC 8032 like WebCrypto and noble with
// zip215: false). In Node 20 this is ~40% cheaper than WebCrypto's verify, which also runs on the main thread.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '../protocol/ed25519.ts';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Public keys kept parsed; beyond this the oldest is dropped (one entry per active account). */
const MAX_CACHED_KEYS = 4096;

export interface Ed25519Verifier {
  /** Malformed inputs verify false; never throws. */
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export function publicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

export function createNodeVerifier(): Ed25519Verifier {
  const keys = new Map<string, KeyObject>();
  const keyFor = (publicKey: Uint8Array): KeyObject => {
    const id = Buffer.from(publicKey).toString('hex');
    let key = keys.get(id);
    if (!key) {
      if (keys.size >= MAX_CACHED_KEYS) keys.delete(keys.keys().next().value as string);
      key = publicKeyObject(publicKey);
      keys.set(id, key);
    }
    return key;
  };
  return {
    verify(signature, message, publicKey) {
      if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
      try {
        return verify(null, message, keyFor(publicKey), signature);
      } catch {
        return false;
      }
    },
  };
}

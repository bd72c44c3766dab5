// Imports the Ed25519 payment secret into WebCrypto as a NON-EXTRACTABLE signing key: after this the secret bytes
// are wiped and nothing in JavaScript can read them back. The CryptoKey is structured-cloneable, so the peer worker
// receives it and signs payments without ever holding the secret.
import { abytes, SECRET_KEY_BYTES, signerFromCryptoKey, type Signer } from '../protocol/ed25519.ts';

/** RFC 8410 PKCS#8 prefix for an Ed25519 private key: SEQUENCE { version 0, AlgorithmIdentifier id-Ed25519, OCTET STRING { OCTET STRING (32) } }. */
const PKCS8_ED25519_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

export interface PaymentKey {
  /** Non-extractable; usages ['sign']. */
  readonly key: CryptoKey;
  readonly publicKey: Uint8Array;
  readonly signer: Signer;
}

/** Wraps the 32-byte secret in PKCS#8 (a buffer, not a JWK string, so it can be zeroed) and imports it. */
export async function importPaymentKey(subtle: SubtleCrypto, secretKey: Uint8Array, publicKey: Uint8Array): Promise<PaymentKey> {
  abytes(secretKey, SECRET_KEY_BYTES, 'secretKey');
  const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.length + SECRET_KEY_BYTES);
  pkcs8.set(PKCS8_ED25519_PREFIX, 0);
  pkcs8.set(secretKey, PKCS8_ED25519_PREFIX.length);
  try {
    const key = await subtle.importKey('pkcs8', pkcs8 as BufferSource, { name: 'Ed25519' }, false, ['sign']);
    const publicCopy = Uint8Array.from(publicKey);
    return { key, publicKey: publicCopy, signer: signerFromCryptoKey(subtle, key, publicCopy) };
  } finally {
    pkcs8.fill(0);
  }
}

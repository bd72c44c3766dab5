import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createNobleSigner,
  createWebCryptoSigner,
  nobleSign,
  nobleVerify,
  publicKeyFromSecret,
  WebCryptoVerifier,
} from '../../src/protocol/ed25519.ts';

// RFC 8032 section 7.1, test 1 (empty message).
const RFC_SECRET = Uint8Array.from(Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'));
const RFC_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC_SIGNATURE =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

describe('ed25519', () => {
  const subtle = globalThis.crypto.subtle;

  it('matches the RFC 8032 vector on both paths', async () => {
    expect(Buffer.from(publicKeyFromSecret(RFC_SECRET)).toString('hex')).toBe(RFC_PUBLIC);
    expect(Buffer.from(nobleSign(RFC_SECRET, new Uint8Array())).toString('hex')).toBe(RFC_SIGNATURE);
    const signer = await createWebCryptoSigner(subtle, RFC_SECRET);
    expect(Buffer.from(await signer.sign(new Uint8Array())).toString('hex')).toBe(RFC_SIGNATURE);
  });

  it('noble and WebCrypto agree on sign and verify for random keys and messages', async () => {
    const verifier = new WebCryptoVerifier(subtle);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), async (secret, msg) => {
        const web = await createWebCryptoSigner(subtle, secret);
        const ref = createNobleSigner(secret);
        const sig = await web.sign(msg);
        expect(sig).toEqual(await ref.sign(msg));
        expect(nobleVerify(sig, msg, web.publicKey)).toBe(true);
        expect(await verifier.verify(sig, msg, web.publicKey)).toBe(true);
        const tampered = Uint8Array.from(sig);
        tampered[0] = (tampered[0] ?? 0) ^ 1;
        expect(nobleVerify(tampered, msg, web.publicKey)).toBe(false);
        expect(await verifier.verify(tampered, msg, web.publicKey)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects malformed signatures and keys instead of throwing', async () => {
    const verifier = new WebCryptoVerifier(subtle);
    const pub = publicKeyFromSecret(RFC_SECRET);
    expect(nobleVerify(new Uint8Array(10), new Uint8Array(), pub)).toBe(false);
    expect(await verifier.verify(new Uint8Array(64), new Uint8Array(), new Uint8Array(31))).toBe(false);
    expect(await verifier.verify(new Uint8Array(64), new Uint8Array(), new Uint8Array(32).fill(0xff))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createNobleSigner, publicKeyFromHex, toPublicKeyHex, WebCryptoVerifier } from '../../src/protocol/ed25519.ts';
import {
  type ChannelId,
  encodePaymentState,
  PAYMENT_STATE_BYTES,
  signPaymentState,
  verifyPaymentStateNoble,
} from '../../src/protocol/payment-state.ts';

const channel_id = 'ab'.repeat(32) as ChannelId;

describe('payment state', () => {
  it('has one fixed canonical encoding: domain || channel id || amount u64 BE || seq u64 BE', () => {
    const bytes = encodePaymentState({ channel_id, amount_units: 0x0102n, seq: 3n });
    expect(bytes.length).toBe(PAYMENT_STATE_BYTES);
    const text = new TextDecoder().decode(bytes.subarray(0, 24));
    expect(text).toBe('seedpay/payment-state/v1');
    expect(Buffer.from(bytes.subarray(24, 56)).toString('hex')).toBe('ab'.repeat(32));
    expect(Buffer.from(bytes.subarray(56, 64)).toString('hex')).toBe('0000000000000102');
    expect(Buffer.from(bytes.subarray(64, 72)).toString('hex')).toBe('0000000000000003');
  });

  it('refuses out-of-range fields and malformed channel ids', () => {
    expect(() => encodePaymentState({ channel_id, amount_units: -1n, seq: 0n })).toThrow(RangeError);
    expect(() => encodePaymentState({ channel_id, amount_units: 1n << 64n, seq: 0n })).toThrow(RangeError);
    expect(() => encodePaymentState({ channel_id, amount_units: 0n, seq: -1n })).toThrow(RangeError);
    expect(() => encodePaymentState({ channel_id: 'AB'.repeat(32) as ChannelId, amount_units: 0n, seq: 0n })).toThrow(TypeError);
  });

  it('verifies only the payer signature over the exact state', async () => {
    const payer = createNobleSigner(new Uint8Array(32).fill(7));
    const other = createNobleSigner(new Uint8Array(32).fill(8));
    const signed = await signPaymentState(payer, { channel_id, amount_units: 500n, seq: 1n });
    expect(verifyPaymentStateNoble(signed, payer.publicKey)).toBe(true);
    expect(verifyPaymentStateNoble(signed, other.publicKey)).toBe(false);
    expect(verifyPaymentStateNoble({ ...signed, amount_units: 501n }, payer.publicKey)).toBe(false);
    expect(verifyPaymentStateNoble({ ...signed, seq: 2n }, payer.publicKey)).toBe(false);
    expect(verifyPaymentStateNoble({ ...signed, signature: signed.signature.subarray(1) }, payer.publicKey)).toBe(false);
  });

  it('matches the fixed test vector of the spec (section 13): key, state, bytes and signature', async () => {
    const signer = createNobleSigner(new Uint8Array(32).fill(7)); // Ed25519 seed 07 × 32
    const state = { channel_id, amount_units: 163_840n, seq: 1n }; // one 16 KiB piece at 10 units/KiB
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    expect(toPublicKeyHex(signer.publicKey)).toBe('ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c');
    expect(hex(encodePaymentState(state))).toBe(
      '736565647061792f7061796d656e742d73746174652f7631' + 'ab'.repeat(32) + '0000000000028000' + '0000000000000001',
    );
    const signed = await signPaymentState(signer, state);
    expect(hex(signed.signature)).toBe(
      '8f51e9c015e38ba24cc522223bbe70547aa14aece5ded8dbcd90b63c48ad96d88517b3927756af2a71967888434a7e9f87d3da6c14963a6425b70da4e05a520a',
    );
    // The ledger and the provider verify through WebCrypto: it must accept the same bytes.
    const key = publicKeyFromHex(toPublicKeyHex(signer.publicKey));
    expect(await new WebCryptoVerifier(crypto.subtle).verify(signed.signature, encodePaymentState(state), key)).toBe(true);
  });
});

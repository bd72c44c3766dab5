import { describe, expect, it } from 'vitest';
import { createNobleSigner, publicKeyFromHex, toPublicKeyHex, WebCryptoVerifier } from '../../src/protocol/ed25519.ts';
import {
  type ChannelId,
  type SessionContext,
  encodePaymentState,
  NO_CONTEXT,
  PAYMENT_STATE_BYTES,
  signPaymentState,
  verifyPaymentStateNoble,
} from '../../src/protocol/payment-state.ts';
import { speedContext } from '../../src/protocol/session-context.ts';

const channel_id = 'ab'.repeat(32) as ChannelId;
const context = 'cd'.repeat(32) as SessionContext;

describe('payment state', () => {
  it('has one fixed canonical encoding: domain || channel id || session context || amount u64 BE || seq u64 BE', () => {
    const bytes = encodePaymentState({ channel_id, amount_units: 0x0102n, seq: 3n }, context);
    expect(bytes.length).toBe(PAYMENT_STATE_BYTES);
    const text = new TextDecoder().decode(bytes.subarray(0, 24));
    expect(text).toBe('seedpay/payment-state/v2');
    expect(Buffer.from(bytes.subarray(24, 56)).toString('hex')).toBe('ab'.repeat(32));
    expect(Buffer.from(bytes.subarray(56, 88)).toString('hex')).toBe('cd'.repeat(32));
    expect(Buffer.from(bytes.subarray(88, 96)).toString('hex')).toBe('0000000000000102');
    expect(Buffer.from(bytes.subarray(96, 104)).toString('hex')).toBe('0000000000000003');
    expect(Buffer.from(encodePaymentState({ channel_id, amount_units: 1n, seq: 1n }).subarray(56, 88)).toString('hex')).toBe(NO_CONTEXT);
  });

  it('binds a state to one session: signed for one torrent, it does not verify for another', async () => {
    const payer = createNobleSigner(new Uint8Array(32).fill(7));
    const a = speedContext('01'.repeat(20));
    const b = speedContext('02'.repeat(20));
    expect(a).not.toBe(b);
    expect(a).toBe('910c15fe5be7e3659f54540391267caa5366c5d7c14cbeed2a3d8d6bb95c6d91'); // SHA-256("seedpay/session/speed/v1" 00 info hash)
    const signed = await signPaymentState(payer, { channel_id, amount_units: 500n, seq: 1n }, a);
    expect(verifyPaymentStateNoble(signed, payer.publicKey, a)).toBe(true);
    expect(verifyPaymentStateNoble(signed, payer.publicKey, b)).toBe(false);
    expect(verifyPaymentStateNoble(signed, payer.publicKey)).toBe(false);
    expect(() => encodePaymentState(signed, 'AB'.repeat(32) as SessionContext)).toThrow(TypeError);
    expect(() => speedContext('01'.repeat(19))).toThrow(TypeError);
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
    expect(hex(encodePaymentState(state, context))).toBe(
      '736565647061792f7061796d656e742d73746174652f7632' + 'ab'.repeat(32) + 'cd'.repeat(32) + '0000000000028000' + '0000000000000001',
    );
    const signed = await signPaymentState(signer, state, context);
    expect(hex(signed.signature)).toBe(
      '848f5edec8909cb1884537c7da5ec72090ac6170e5494a07abd4f3fbb41011ce23151df41dd2fc2961c22dac045174bf88c79743f5c7cf1717b80676fe7da60d',
    );
    // The ledger and the provider verify through WebCrypto: it must accept the same bytes.
    const key = publicKeyFromHex(toPublicKeyHex(signer.publicKey));
    expect(await new WebCryptoVerifier(crypto.subtle).verify(signed.signature, encodePaymentState(state, context), key)).toBe(true);
  });
});

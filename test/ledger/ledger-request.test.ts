// The canonical signed-request encoding (src/protocol/ledger-request.ts): fixed layout, domain separation by ledger
// and kind, any field change changes the bytes, and signatures verify on both Ed25519 paths.
import { NO_CONTEXT } from '../../src/protocol/payment-state.ts';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createNobleSigner, nobleVerify, toPublicKeyHex, type PublicKeyHex } from '../../src/protocol/ed25519.ts';
import {
  channelIdFor,
  encodeLedgerRequest,
  LEDGER_REQUEST_DOMAIN,
  MAX_REQUEST_NONCE,
  signLedgerRequest,
  type LedgerRequest,
} from '../../src/protocol/ledger-request.ts';
import type { ChannelId } from '../../src/protocol/payment-state.ts';

const LEDGER = '11'.repeat(32) as PublicKeyHex;
const A = '22'.repeat(32) as PublicKeyHex;
const B = '33'.repeat(32) as PublicKeyHex;
const CH = '44'.repeat(32) as ChannelId;
const HEAD = LEDGER_REQUEST_DOMAIN.length + 32 + 1 + 32 + 8;

const requests: LedgerRequest[] = [
  { kind: 'transfer', from: A, to: B, amount_units: 5n, nonce: 7n },
  { kind: 'channel_open', payer: A, payee: B, escrow_units: 1_000n, timeout_ms: 60_000, context: NO_CONTEXT, nonce: 8n },
  { kind: 'channel_close', payee: B, channel_id: CH, amount_units: 300n, seq: 3n, payment_signature: new Uint8Array(64).fill(9), nonce: 1n },
  { kind: 'airdrop_claim', public_key: A, challenge: new Uint8Array(32).fill(5), pow_nonce: 12_345, nonce: 1n },
];

describe('canonical ledger request encoding', () => {
  it('lays out domain, ledger id, kind, signer, nonce, then the kind fields at fixed widths', () => {
    const bytes = encodeLedgerRequest(LEDGER, requests[0]!);
    expect(new TextDecoder().decode(bytes.subarray(0, LEDGER_REQUEST_DOMAIN.length))).toBe('seedpay/ledger-request/v1');
    let at = LEDGER_REQUEST_DOMAIN.length;
    expect(bytesToHex(bytes.subarray(at, (at += 32)))).toBe(LEDGER);
    expect(bytes[at++]).toBe(1);
    expect(bytesToHex(bytes.subarray(at, (at += 32)))).toBe(A);
    expect(bytesToHex(bytes.subarray(at, (at += 8)))).toBe('0000000000000007');
    expect(bytesToHex(bytes.subarray(at, (at += 32)))).toBe(B);
    expect(bytesToHex(bytes.subarray(at, (at += 8)))).toBe('0000000000000005');
    expect(at).toBe(bytes.length);
    expect(requests.map((r) => encodeLedgerRequest(LEDGER, r).length - HEAD)).toEqual([40, 80, 112, 40]);
  });

  it('binds the ledger id and the kind: the same fields under another ledger or kind are other bytes', () => {
    const all = requests.map((r) => bytesToHex(encodeLedgerRequest(LEDGER, r)));
    expect(new Set(all).size).toBe(requests.length);
    for (const r of requests) {
      expect(bytesToHex(encodeLedgerRequest(B, r))).not.toBe(bytesToHex(encodeLedgerRequest(LEDGER, r)));
    }
  });

  it('changes whenever any transfer field changes', () => {
    const key = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b) as PublicKeyHex);
    const transfer = fc.record({
      from: key,
      to: key,
      amount_units: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      nonce: fc.bigInt({ min: 0n, max: MAX_REQUEST_NONCE }),
    });
    fc.assert(
      fc.property(transfer, transfer, (x, y) => {
        const a = bytesToHex(encodeLedgerRequest(LEDGER, { kind: 'transfer', ...x }));
        const b = bytesToHex(encodeLedgerRequest(LEDGER, { kind: 'transfer', ...y }));
        const same = x.from === y.from && x.to === y.to && x.amount_units === y.amount_units && x.nonce === y.nonce;
        return (a === b) === same;
      }),
    );
  });

  it('refuses values it cannot encode canonically', () => {
    const bad: LedgerRequest[] = [
      { kind: 'transfer', from: A, to: B, amount_units: -1n, nonce: 1n },
      { kind: 'transfer', from: A, to: B, amount_units: 1n << 64n, nonce: 1n },
      { kind: 'transfer', from: A, to: B, amount_units: 1n, nonce: MAX_REQUEST_NONCE + 1n },
      { kind: 'transfer', from: 'AA'.repeat(32) as PublicKeyHex, to: B, amount_units: 1n, nonce: 1n },
      { kind: 'channel_open', payer: A, payee: B, escrow_units: 1n, timeout_ms: 1.5, context: NO_CONTEXT, nonce: 1n },
      { kind: 'channel_close', payee: B, channel_id: CH, amount_units: 1n, seq: 1n, payment_signature: new Uint8Array(63), nonce: 1n },
      { kind: 'airdrop_claim', public_key: A, challenge: new Uint8Array(31), pow_nonce: 1, nonce: 1n },
      { kind: 'airdrop_claim', public_key: A, challenge: new Uint8Array(32), pow_nonce: -1, nonce: 1n },
    ];
    for (const r of bad) expect(() => encodeLedgerRequest(LEDGER, r)).toThrow();
  });

  it('signs with a Signer for its own account only, and verifies with the reference verifier', async () => {
    const signer = createNobleSigner(hexToBytes('55'.repeat(32)));
    const me = toPublicKeyHex(signer.publicKey);
    const request: LedgerRequest = { kind: 'transfer', from: me, to: B, amount_units: 5n, nonce: 7n };
    const signature = await signLedgerRequest(signer, LEDGER, request);
    expect(nobleVerify(signature, encodeLedgerRequest(LEDGER, request), signer.publicKey)).toBe(true);
    expect(nobleVerify(signature, encodeLedgerRequest(B, request), signer.publicKey)).toBe(false);
    await expect(signLedgerRequest(signer, LEDGER, { ...request, from: A })).rejects.toThrow(/another account/);
  });

  it('derives channel ids from payer and nonce, known before opening', () => {
    expect(channelIdFor(A, 1n)).toMatch(/^[0-9a-f]{64}$/);
    expect(channelIdFor(A, 1n)).toBe(channelIdFor(A, 1n));
    expect(channelIdFor(A, 2n)).not.toBe(channelIdFor(A, 1n));
    expect(channelIdFor(B, 1n)).not.toBe(channelIdFor(A, 1n));
  });
});

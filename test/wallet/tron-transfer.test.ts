// The browser's TRC-10 transfer builder against tronweb's own encoder (the bytes java-tron and the local node hash),
// the vault's TRON signature checked as the node checks it, and a deposit built, signed and mined on the local node.
import { webcrypto } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { TronWeb } from 'tronweb';
import { describe, expect, it } from 'vitest';
import { createTronNode } from '../../src/tron/node.ts';
import { checkSignedTransaction, rawDataBytes } from '../../src/tron/transaction.ts';
import { BTT_TOKEN_ID } from '../../src/tron/ledger-state.ts';
import { memoryVaultStorage } from '../../src/wallet/vault-storage.ts';
import { buildTrc10Transfer, MAX_MEMO_BYTES, signTronDigest, tronAddressHex, withSignature, type Trc10TransferSpec } from '../../src/wallet/tron-transfer.ts';
import { WalletVault } from '../../src/wallet/wallet-vault.ts';

const subtle = webcrypto.subtle as SubtleCrypto;
const random = (length: number) => webcrypto.getRandomValues(new Uint8Array(length));
const PASSWORD = 'correct horse battery';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const addressOf = (secretHex: string) => TronWeb.address.fromPrivateKey(secretHex) as string;
const A = addressOf('11'.repeat(32));
const B = addressOf('22'.repeat(32));
const spec = (over: Partial<Trc10TransferSpec> = {}): Trc10TransferSpec => ({
  from: A,
  to: B,
  token_id: '1002000',
  amount_units: 50_000_000n,
  memo: `seedpay:${'ab'.repeat(32)}`,
  head_block_id: `${'00'.repeat(8)}${'cd'.repeat(24)}`,
  head_timestamp_ms: 1_700_000_000_000,
  now_ms: 1_700_000_001_000,
  ...over,
});

describe('buildTrc10Transfer', () => {
  it('encodes raw_data exactly as tronweb does, so its txID is the one java-tron computes', () => {
    const secret = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((b) => b.some((x) => x !== 0) && b[0] !== 0xff);
    fc.assert(
      fc.property(
        secret,
        secret,
        fc.bigInt({ min: 1n, max: BigInt(Number.MAX_SAFE_INTEGER) }),
        fc.string({ maxLength: 60 }),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.integer({ min: 1, max: 2 ** 45 }),
        fc.integer({ min: 1, max: 2 ** 45 }),
        fc.constantFrom('1002000', '1', '1000001'),
        (s1, s2, amount_units, memo, head_block_id, head_timestamp_ms, now_ms, token_id) => {
          const from = addressOf(bytesToHex(s1));
          const to = addressOf(bytesToHex(s2));
          fc.pre(from !== to);
          const tx = buildTrc10Transfer({ from, to, token_id, amount_units, memo, head_block_id, head_timestamp_ms, now_ms });
          const theirs = rawDataBytes({ visible: false, raw_data: tx.raw_data });
          expect(tx.raw_data_hex).toBe(bytesToHex(theirs));
          expect(tx.txID).toBe(bytesToHex(sha256(theirs)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses bad input by name', () => {
    const badChecksum = `${B.slice(0, 33)}${B.endsWith('a') ? 'b' : 'a'}`;
    expect(() => buildTrc10Transfer(spec({ to: badChecksum }))).toThrow(/to|address/);
    expect(() => buildTrc10Transfer(spec({ to: '41'.padEnd(42, '0') }))).toThrow(/address/);
    expect(() => buildTrc10Transfer(spec({ to: A }))).toThrow(/oneself/);
    expect(() => buildTrc10Transfer(spec({ amount_units: 0n }))).toThrow(/amount_units/);
    expect(() => buildTrc10Transfer(spec({ amount_units: 2n ** 53n }))).toThrow(/amount_units/);
    expect(() => buildTrc10Transfer(spec({ memo: 'x'.repeat(MAX_MEMO_BYTES + 1) }))).toThrow(/memo/);
    expect(() => buildTrc10Transfer(spec({ token_id: 'BTT' }))).toThrow(/token_id/);
    expect(() => buildTrc10Transfer(spec({ head_block_id: 'zz' }))).toThrow(/head_block_id/);
    expect(() => buildTrc10Transfer(spec({ now_ms: 0 }))).toThrow(/now_ms/);
    expect(tronAddressHex(B)).toBe(TronWeb.address.toHex(B).toLowerCase());
  });
});

describe('the vault signs TRON transfers with the phrase\'s TRON key', () => {
  it('signs only against the password, with the key of the stored address; a forged signature is refused', async () => {
    const vault = new WalletVault({ storage: memoryVaultStorage(), subtle, random, now: () => new Date() });
    const session = await vault.restore(ABANDON, PASSWORD);
    const from = session.account.tronAddress;
    const tx = buildTrc10Transfer(spec({ from }));
    expect(await vault.signTron('not the password', tx.txID)).toEqual({ ok: false, error: 'wrong_password' });
    const signed = await vault.signTron(PASSWORD, tx.txID);
    if (!signed.ok) throw new Error('expected a signature');
    const check = checkSignedTransaction(withSignature(tx, signed.signature_hex));
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.tx.transfer.owner).toBe(tronAddressHex(from));
    const forged = checkSignedTransaction(withSignature(tx, signTronDigest(tx.txID, new Uint8Array(32).fill(7))));
    expect(forged).toMatchObject({ ok: false, code: 'SIGERROR' });
    expect(await new WalletVault({ storage: memoryVaultStorage(), subtle, random, now: () => new Date() }).signTron(PASSWORD, tx.txID)).toEqual({ ok: false, error: 'no_wallet' });
  });

  it('a deposit built in the wallet is accepted and mined by the local node, memo included', async () => {
    const node = createTronNode({ auto: false });
    const vault = new WalletVault({ storage: memoryVaultStorage(), subtle, random, now: () => new Date() });
    const from = (await vault.restore(ABANDON, PASSWORD)).account.tronAddress;
    node.fund(tronAddressHex(from) as never);
    node.chain.produceBlock();
    const head = node.chain.head;
    const tx = buildTrc10Transfer(spec({ from, token_id: BTT_TOKEN_ID, head_block_id: head.id, head_timestamp_ms: head.timestamp_ms, now_ms: head.timestamp_ms + 1 }));
    const signed = await vault.signTron(PASSWORD, tx.txID);
    if (!signed.ok) throw new Error('expected a signature');
    const res = await node.app.request('/wallet/broadcasttransaction', { method: 'POST', body: JSON.stringify(withSignature(tx, signed.signature_hex)) });
    expect(await res.json()).toMatchObject({ result: true, txid: tx.txID });
    node.chain.produceBlock();
    const to = (await (await node.app.request(`/wallet/getaccount?address=${B}&visible=true`)).json()) as { assetV2?: Array<{ key: string; value: number }> };
    expect(to.assetV2?.find((a) => a.key === BTT_TOKEN_ID)?.value).toBe(50_000_000);
    const info = (await (await node.app.request(`/wallet/gettransactionbyid?value=${tx.txID}`)).json()) as { raw_data?: { data?: string } };
    expect(info.raw_data?.data).toBe(bytesToHex(new TextEncoder().encode(spec().memo)));
    node.close();
  });
});

// The local TRON node over real HTTP on loopback, driven by unmodified tronweb: build, sign, broadcast, confirm,
// solidify; every refusal (forged signature, replay, expired, wrong ref block, unactivated, insufficient) in
// java-tron's shapes, and the test controls (drop, re-org).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TronWeb, utils } from 'tronweb';
import { SOLIDIFY_CONFIRMATIONS } from '../../src/tron/chain.ts';
import { BTT_TOKEN_ID } from '../../src/tron/ledger-state.ts';
import { FAUCET_BTT_UNITS, FAUCET_TRX_SUN } from '../../src/tron/node.ts';
import { fromHexText, newWallet, post, startNode, type RunningNode, type Wallet } from './helpers.ts';

let run: RunningNode;
let alice: Wallet;
let bob: Wallet;

const produce = (blocks: number) => post(`${run.url}/admin/produce`, { blocks });
const btt = (account: Record<string, unknown>) =>
  ((account.assetV2 as Array<{ key: string; value: number }> | undefined) ?? []).find((a) => a.key === BTT_TOKEN_ID)?.value ?? 0;

async function signedSend(from: Wallet, to: string, amount: number, options: Record<string, unknown> = {}) {
  const tx = await from.tronWeb.transactionBuilder.sendToken(to, amount, BTT_TOKEN_ID, from.address, options);
  return from.tronWeb.trx.sign(tx);
}

beforeAll(async () => {
  run = await startNode({ auto: false, block_ms: 3_000 });
  alice = newWallet(run.url);
  bob = newWallet(run.url);
  expect(run.node.fund(alice.hex as never).every((r) => r.result)).toBe(true);
  await produce(1);
});
afterAll(async () => run.close());

describe('local TRON node', () => {
  it('shows an unactivated account as {} and a funded one with assetV2', async () => {
    expect(await bob.tronWeb.trx.getUnconfirmedAccount(bob.address)).toEqual({});
    const account = await alice.tronWeb.trx.getUnconfirmedAccount(alice.address);
    expect(btt(account as never)).toBe(Number(FAUCET_BTT_UNITS));
    expect(account.balance).toBe(Number(FAUCET_TRX_SUN));
    expect(await alice.tronWeb.trx.getAccount(alice.address)).toEqual({}); // not solidified yet
  });

  it('builds, signs, broadcasts, confirms and solidifies a TRC-10 BTT transfer', async () => {
    const signed = await signedSend(alice, bob.address, 50_000_000);
    expect(utils.transaction.txCheck(signed)).toBe(true);
    const sent = await alice.tronWeb.trx.sendRawTransaction(signed);
    expect(sent.result).toBe(true);
    expect(sent.txid).toBe(signed.txID);
    expect(await alice.tronWeb.trx.getUnconfirmedTransactionInfo(signed.txID)).toEqual({});
    await produce(1);
    const info = await alice.tronWeb.trx.getUnconfirmedTransactionInfo(signed.txID);
    expect(info.blockNumber).toBeGreaterThan(0);
    expect(info.fee).toBe(1_000_000); // bob's account was created by this transfer
    expect(await alice.tronWeb.trx.getTransactionInfo(signed.txID)).toEqual({});
    await produce(SOLIDIFY_CONFIRMATIONS - 1);
    expect(await alice.tronWeb.trx.getTransactionInfo(signed.txID)).toEqual({});
    await produce(1);
    expect((await alice.tronWeb.trx.getTransactionInfo(signed.txID)).blockNumber).toBe(info.blockNumber);
    expect(btt((await bob.tronWeb.trx.getAccount(bob.address)) as never)).toBe(50_000_000);
    const tx = await alice.tronWeb.trx.getTransaction(signed.txID);
    expect(tx.ret?.[0]?.contractRet).toBe('SUCCESS');
    const solidBlock = await alice.tronWeb.trx.getConfirmedCurrentBlock();
    const head = await alice.tronWeb.trx.getCurrentBlock();
    expect(head.block_header.raw_data.number - solidBlock.block_header.raw_data.number).toBe(SOLIDIFY_CONFIRMATIONS);
    expect((await alice.tronWeb.trx.getBlockByNumber(info.blockNumber)).transactions?.[0]?.txID).toBe(signed.txID);
  });

  it('refuses a replay of the same signed transaction', async () => {
    const signed = await signedSend(alice, bob.address, 1_000_000);
    expect((await alice.tronWeb.trx.sendRawTransaction(signed)).result).toBe(true);
    const again = await alice.tronWeb.trx.sendRawTransaction(signed);
    expect(again.code).toBe('DUP_TRANSACTION_ERROR');
    await produce(1);
    expect((await alice.tronWeb.trx.sendRawTransaction(signed)).code).toBe('DUP_TRANSACTION_ERROR');
  });

  it('refuses a signature by another key and a tampered amount (SIGERROR)', async () => {
    const tx = await alice.tronWeb.transactionBuilder.sendToken(bob.address, 1_000_000, BTT_TOKEN_ID, alice.address);
    const forged = utils.crypto.signTransaction(bob.privateKey, structuredClone(tx));
    const result = await alice.tronWeb.trx.sendRawTransaction(forged);
    expect(result.code).toBe('SIGERROR');
    expect(fromHexText(result.message)).toMatch(/Validate signature error/);
    const signed = await alice.tronWeb.trx.sign(tx);
    const tampered = structuredClone(signed);
    (tampered.raw_data.contract[0]!.parameter.value as { amount: number }).amount = 999_000_000;
    expect((await alice.tronWeb.trx.sendRawTransaction(tampered)).code).toBe('SIGERROR');
    expect((await post(`${run.url}/wallet/broadcasttransaction`, { ...signed, signature: ['00'.repeat(65)] })).code).toBe('SIGERROR');
    expect((await post(`${run.url}/wallet/broadcasttransaction`, { ...signed, signature: [] })).code).toBe('SIGERROR');
  });

  it('refuses an expired transaction and a wrong reference block', async () => {
    const head = await alice.tronWeb.trx.getCurrentBlock();
    const header = {
      ref_block_bytes: head.blockID.slice(12, 16),
      ref_block_hash: head.blockID.slice(16, 32),
      expiration: head.block_header.raw_data.timestamp + 60_000,
      timestamp: head.block_header.raw_data.timestamp,
    };
    const expiring = await signedSend(alice, bob.address, 2_000_000, { blockHeader: header });
    const wrongRef = await signedSend(alice, bob.address, 3_000_000, { blockHeader: { ...header, ref_block_hash: 'ff'.repeat(8) } });
    const tapos = await alice.tronWeb.trx.sendRawTransaction(wrongRef);
    expect(tapos.code).toBe('TAPOS_ERROR');
    await produce(20); // 60 s of 3 s blocks
    const late = await alice.tronWeb.trx.sendRawTransaction(expiring);
    expect(late.code).toBe('TRANSACTION_EXPIRATION_ERROR');
  });

  it('refuses insufficient balance and an unactivated owner (CONTRACT_VALIDATE_ERROR)', async () => {
    const tooMuch = await signedSend(alice, bob.address, Number(FAUCET_BTT_UNITS) * 2);
    const result = await alice.tronWeb.trx.sendRawTransaction(tooMuch);
    expect(result.code).toBe('CONTRACT_VALIDATE_ERROR');
    expect(fromHexText(result.message)).toMatch(/assetBalance is not sufficient/);
    const carol = newWallet(run.url);
    const fromNobody = await signedSend(carol, alice.address, 1);
    const refused = await carol.tronWeb.trx.sendRawTransaction(fromNobody);
    expect(refused.code).toBe('CONTRACT_VALIDATE_ERROR');
    expect(fromHexText(refused.message)).toMatch(/no OwnerAccount/);
    // Two pending spends of one balance: the second is judged with the first applied.
    const balance = btt((await alice.tronWeb.trx.getUnconfirmedAccount(alice.address)) as never);
    const first = await signedSend(alice, bob.address, balance - 1);
    expect((await alice.tronWeb.trx.sendRawTransaction(first)).result).toBe(true);
    const second = await signedSend(alice, carol.address, 2);
    expect((await alice.tronWeb.trx.sendRawTransaction(second)).code).toBe('CONTRACT_VALIDATE_ERROR');
    expect((await post(`${run.url}/admin/drop`, { value: first.txID })).dropped).toBe(true);
  });

  it('drops a pending transaction and re-organises unsolidified blocks', async () => {
    const dropped = await signedSend(alice, bob.address, 4_000_000);
    await alice.tronWeb.trx.sendRawTransaction(dropped);
    expect((await post(`${run.url}/admin/drop`, { value: dropped.txID })).dropped).toBe(true);
    await produce(1);
    expect(await alice.tronWeb.trx.getTransaction(dropped.txID).catch((e: Error) => e.message)).toBe('Transaction not found');

    const before = btt((await bob.tronWeb.trx.getUnconfirmedAccount(bob.address)) as never);
    const orphan = await signedSend(alice, bob.address, 5_000_000);
    await alice.tronWeb.trx.sendRawTransaction(orphan);
    await produce(3);
    expect(btt((await bob.tronWeb.trx.getUnconfirmedAccount(bob.address)) as never)).toBe(before + 5_000_000);
    const reorg = await post(`${run.url}/admin/reorg`, { depth: 3, requeue: false });
    expect(reorg.orphaned).toEqual([orphan.txID]);
    expect(btt((await bob.tronWeb.trx.getUnconfirmedAccount(bob.address)) as never)).toBe(before);
    expect(await alice.tronWeb.trx.getUnconfirmedTransactionInfo(orphan.txID)).toEqual({});
    // A solidified block is beyond reach.
    expect((await post(`${run.url}/admin/reorg`, { depth: 100 })).Error).toBeDefined();
  });

  it('serves /wallet/transferasset with a transaction tronweb can check, sign and broadcast', async () => {
    const tx = await post(`${run.url}/wallet/transferasset`, {
      owner_address: alice.hex,
      to_address: bob.hex,
      asset_name: Buffer.from(BTT_TOKEN_ID).toString('hex'),
      amount: 1_000,
    });
    expect(utils.transaction.txCheck(tx)).toBe(true);
    const signed = await alice.tronWeb.trx.sign(tx as never);
    expect((await alice.tronWeb.trx.sendRawTransaction(signed)).result).toBe(true);
    const bad = await post(`${run.url}/wallet/transferasset`, { owner_address: bob.hex, to_address: alice.hex, asset_name: '31', amount: 1 });
    expect(String(bad.Error)).toMatch(/ContractValidateException/);
  });

  it('answers bad parameters with {Error} and changes nothing', async () => {
    const head = (await alice.tronWeb.trx.getCurrentBlock()).blockID;
    for (const body of [{ address: 'T-not-an-address' }, { address: `41${'0'.repeat(39)}` }, { address: 42 }]) {
      expect((await post(`${run.url}/wallet/getaccount`, body)).Error).toBeDefined();
    }
    const bad = TronWeb.address.fromHex(alice.hex).slice(0, 33) + (alice.address.endsWith('A') ? 'B' : 'A'); // checksum broken
    expect((await post(`${run.url}/wallet/getaccount`, { address: bad, visible: true })).Error).toBeDefined();
    expect((await post(`${run.url}/wallet/gettransactionbyid`, { value: 'xyz' })).Error).toBeDefined();
    expect((await post(`${run.url}/wallet/broadcasttransaction`, { raw_data: 'nope' })).code).toBe('OTHER_ERROR');
    expect((await alice.tronWeb.trx.getCurrentBlock()).blockID).toBe(head);
  });
});

describe('local TRON node clock', () => {
  it('produces blocks on its own at the configured interval', async () => {
    const fast = await startNode({ block_ms: 20 });
    try {
      const start = (await post(`${fast.url}/wallet/getnowblock`, {})) as { block_header: { raw_data: { number?: number } } };
      await new Promise((done) => setTimeout(done, 200));
      const later = (await post(`${fast.url}/wallet/getnowblock`, {})) as { block_header: { raw_data: { number: number } } };
      expect(later.block_header.raw_data.number).toBeGreaterThan(start.block_header.raw_data.number ?? 0);
    } finally {
      await fast.close();
    }
  });
});

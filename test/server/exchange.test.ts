// `npm start`'s own server with the local TRON chain on a fast clock: a wallet funded by the faucet deposits BTT
// through tronweb against /tron, the exchange credits it on the ledger once solidified, and pays a withdrawal back.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TronWeb } from 'tronweb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNobleSigner, toPublicKeyHex } from '../../src/protocol/ed25519.ts';
import { depositMemo, signWithdrawRequest } from '../../src/protocol/exchange-request.ts';
import { startServer, type RunningServer } from '../../src/server/main.ts';

let server: RunningServer;
let dir: string;
const BTT = 1_000_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seedpay-exchange-'));
  mkdirSync(join(dir, 'static'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), staticDir: join(dir, 'static'), tronBlockMs: 25 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function json(path: string, init?: RequestInit): Promise<Record<string, unknown>> {
  return (await (await fetch(`${server.url}${path}`, init)).json()) as Record<string, unknown>;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeout_ms = 20_000): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('npm start: local TRON chain and exchange', () => {
  it('deposits 50 BTT from a faucet-funded wallet and withdraws 20 BTT to another address', async () => {
    const info = await json('/ledger/exchange/info');
    expect(info).toMatchObject({ local_test_chain: true, token_id: '1002000', required_confirmations: 19 });
    const signer = createNobleSigner(new Uint8Array(32).fill(9));
    const account = toPublicKeyHex(signer.publicKey);
    const privateKey = '22'.repeat(32);
    const tronWeb = new TronWeb({ fullHost: `${server.url}/tron`, privateKey });
    const address = TronWeb.address.fromPrivateKey(privateKey) as string;
    const funded = await json('/tron/admin/faucet', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address }) });
    expect((funded.results as Array<{ result: boolean }>).every((r) => r.result)).toBe(true);
    await until(() => tronWeb.trx.getUnconfirmedAccount(address), (a) => (a as { assetV2?: unknown[] }).assetV2 !== undefined);

    const tx = await tronWeb.transactionBuilder.sendToken(String(info.hot_wallet), 50 * BTT, '1002000', address);
    const signed = await tronWeb.trx.sign(await tronWeb.transactionBuilder.addUpdateData(tx, depositMemo(account), 'utf8', { txLocal: true }));
    expect((await tronWeb.trx.sendRawTransaction(signed)).result).toBe(true);
    const credited = await until(() => json(`/ledger/exchange/deposits/${signed.txID}`), (d) => d.state === 'credited');
    expect(credited.state).toBe('credited');
    expect((await json(`/ledger/accounts/${account}`)).balance_units).toBe(String(50 * BTT));

    const to = TronWeb.address.fromPrivateKey('33'.repeat(32)) as string;
    const request = { kind: 'withdraw' as const, account, to_address_hex: TronWeb.address.toHex(to).toLowerCase(), amount_units: BigInt(20 * BTT), nonce: 1n };
    const ledgerId = String((await json('/ledger/info')).ledger_id) as never;
    const signature = bytesToHex(await signWithdrawRequest(signer, ledgerId, request));
    const body = { account, to_address: to, amount_units: String(20 * BTT), nonce: '1', signature };
    const res = await fetch(`${server.url}/ledger/exchange/withdrawals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    const id = String(((await res.json()) as { id: string }).id);
    const done = await until(() => json(`/ledger/exchange/withdrawals/${id}`), (w) => w.state === 'completed');
    expect(done.state).toBe('completed');
    const received = (await tronWeb.trx.getUnconfirmedAccount(to)) as { assetV2?: Array<{ key: string; value: number }> };
    expect(received.assetV2?.find((a) => a.key === '1002000')?.value).toBe(20 * BTT);
    expect((await json(`/ledger/accounts/${account}`)).balance_units).toBe(String(30 * BTT));
    const audit = await json('/ledger/exchange/audit');
    expect(audit).toMatchObject({ ok: true, liabilities_units: String(30 * BTT), holdings_units: String(30 * BTT) });
    expect((await json('/ledger/audit')).ok).toBe(true);
  }, 60_000);
});

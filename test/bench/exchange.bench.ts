// Exchange throughput in `npm start`'s own server on the local TRON chain at a fast block clock: deposits credited
// and withdrawals made final per second (each only after 19 confirmations), signed and sent through tronweb.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TronWeb } from 'tronweb';
import { createNobleSigner, toPublicKeyHex } from '../../src/protocol/ed25519.ts';
import { depositMemo, signWithdrawRequest } from '../../src/protocol/exchange-request.ts';
import { startServer } from '../../src/server/main.ts';
import type { BenchContext, BenchResult } from './bench.ts';

/** Block interval of the run: 3 s on TRON; fast here so the run measures the exchange, not the wait. */
const BLOCK_MS = Number(process.env.EXCHANGE_BENCH_BLOCK_MS ?? 50);
const WALLETS = Number(process.env.EXCHANGE_BENCH_WALLETS ?? 20);
const PER_WALLET = Number(process.env.EXCHANGE_BENCH_PER_WALLET ?? 10);
const BTT = 1_000_000;
const TIMEOUT_MS = 120_000;

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('exchange bench: timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until every id reaches `state`, asking about one id at a time so the bench's polling stays light. */
async function allReach(ids: readonly string[], read: (id: string) => Promise<Record<string, unknown>>, state: string): Promise<void> {
  let next = 0;
  await until(async () => {
    while (next < ids.length && (await read(ids[next] as string)).state === state) next++;
    return next === ids.length;
  });
}

export default async function bench(ctx: BenchContext): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-exchange-bench-'));
  mkdirSync(join(dir, 'static'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), staticDir: join(dir, 'static'), tronBlockMs: BLOCK_MS, exchangeDailyLimitUnits: BigInt(1_000_000 * BTT) });
  const get = async (path: string) => (await (await fetch(`${server.url}${path}`)).json()) as Record<string, unknown>;
  try {
    const hot = String((await get('/ledger/exchange/info')).hot_wallet);
    const ledgerId = String((await get('/ledger/info')).ledger_id) as never;
    const users = Array.from({ length: WALLETS }, (_, i) => {
      const privateKey = bytesToHex(new Uint8Array(32).fill(i + 1));
      const signer = createNobleSigner(new Uint8Array(32).fill(i + 101));
      return { privateKey, address: TronWeb.address.fromPrivateKey(privateKey) as string, tronWeb: new TronWeb({ fullHost: `${server.url}/tron`, privateKey }), signer, account: toPublicKeyHex(signer.publicKey) };
    });
    for (const u of users) await fetch(`${server.url}/tron/admin/faucet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: u.address }) });
    await until(async () => ((await users.at(-1)!.tronWeb.trx.getUnconfirmedAccount(users.at(-1)!.address)) as { assetV2?: unknown }).assetV2 !== undefined);

    // Deposits: every wallet sends PER_WALLET transfers (distinct amounts, so distinct transactions) at once.
    const started = performance.now();
    const txids: string[] = [];
    await Promise.all(users.map(async (u) => {
      for (let i = 0; i < PER_WALLET; i++) {
        const tx = await u.tronWeb.transactionBuilder.sendToken(hot, 10 * BTT + i, '1002000', u.address);
        const signed = await u.tronWeb.trx.sign(await u.tronWeb.transactionBuilder.addUpdateData(tx, depositMemo(u.account), 'utf8', { txLocal: true }));
        if ((await u.tronWeb.trx.sendRawTransaction(signed)).result) txids.push(signed.txID);
      }
    }));
    await allReach(txids, (id) => get(`/ledger/exchange/deposits/${id}`), 'credited');
    const deposit_s = (performance.now() - started) / 1000;
    ctx.log(`${txids.length} deposits credited in ${deposit_s.toFixed(1)} s at ${BLOCK_MS} ms blocks`);

    // Withdrawals: every account asks for PER_WALLET withdrawals to its own TRON address at once.
    const wStarted = performance.now();
    const ids: string[] = [];
    await Promise.all(users.map(async (u) => {
      for (let i = 1; i <= PER_WALLET; i++) {
        const request = { kind: 'withdraw' as const, account: u.account, to_address_hex: TronWeb.address.toHex(u.address).toLowerCase(), amount_units: BigInt(BTT + i), nonce: BigInt(i) };
        const signature = bytesToHex(await signWithdrawRequest(u.signer, ledgerId, request));
        const body = { account: u.account, to_address: u.address, amount_units: String(request.amount_units), nonce: String(i), signature };
        const res = await fetch(`${server.url}/ledger/exchange/withdrawals`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (res.status === 201) ids.push(String(((await res.json()) as { id: string }).id));
      }
    }));
    await allReach(ids, (id) => get(`/ledger/exchange/withdrawals/${id}`), 'completed');
    const withdraw_s = (performance.now() - wStarted) / 1000;
    ctx.log(`${ids.length} withdrawals final in ${withdraw_s.toFixed(1)} s; audit ok: ${String((await get('/ledger/exchange/audit')).ok)}`);
    const note = `${BLOCK_MS} ms blocks, 19 confirmations, ${WALLETS}×${PER_WALLET} at once, 1 s exchange poll`;
    return [
      { name: 'exchange deposits credited per second', value: txids.length / deposit_s, unit: 'deposits/s', note },
      { name: 'exchange withdrawals final per second', value: ids.length / withdraw_s, unit: 'withdrawals/s', note },
    ];
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// A real ledger (SQLite), the loopback TRON node on manual blocks, and the exchange between them, with crash
// injection: restart() drops the exchange object and opens a new one on the same files, as a new process would.
import { bytesToHex } from '@noble/hashes/utils.js';
import { Hono } from 'hono';
import { TronWeb } from 'tronweb';
import { createExchangeService, type ExchangeService } from '../../src/exchange/service.ts';
import type { ExchangeLimits, FaultPoint } from '../../src/exchange/context.ts';
import type { Signer } from '../../src/protocol/ed25519.ts';
import { depositMemo, signWithdrawRequest } from '../../src/protocol/exchange-request.ts';
import { createFixture, newSigner, type Fixture } from '../ledger/helpers/ledger.ts';
import type { PgServer } from '../ledger/helpers/pg.ts';
import { newWallet, post, startNode, type RunningNode, type Wallet } from '../tron/helpers.ts';

export const HOT_SECRET = '11'.repeat(32);
export const BTT = 1_000_000n;

export class Crash extends Error {
  override name = 'Crash';
}

export interface Harness {
  ledger: Fixture;
  node: RunningNode;
  exchange: ExchangeService;
  clock: { now_ms: number };
  /** Exchange API at /ledger/exchange, in-process. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Arms a crash at `point` (once). */
  crashAt(point: FaultPoint | null): void;
  restart(): Promise<void>;
  produce(blocks: number): Promise<void>;
  /** A ledger account and a funded TRON wallet. */
  user(): Promise<{ signer: Signer; key: string; wallet: Wallet }>;
  /** Signs and broadcasts a BTT transfer to the hot wallet naming `account` in the memo; returns the txID. */
  deposit(wallet: Wallet, account: string | null, amount: bigint): Promise<string>;
  signedWithdrawal(signer: Signer, account: string, to: string, amount: bigint, nonce: bigint): Promise<Record<string, string>>;
  bttOf(address: string): Promise<bigint>;
  close(): Promise<void>;
}

/** `postgres`: the ledger and the exchange's tables in one PostgreSQL database (pg from startPg). */
export async function createHarness(limits: Partial<ExchangeLimits> = {}, pg: PgServer | null = null): Promise<Harness> {
  const ledger = await createFixture(pg ? 'postgres' : 'sqlite', pg);
  const hot = TronWeb.address.toHex(TronWeb.address.fromPrivateKey(HOT_SECRET) as string).toLowerCase();
  const node = await startNode({ auto: false, allocations: [{ address: hot as never, trx_sun: 1_000_000_000n, btt: 0n }] });
  const clock = { now_ms: ledger.clock.now_ms };
  let armed: FaultPoint | null = null;
  const open = () =>
    createExchangeService({
      dataDir: ledger.dataDir,
      ...(ledger.databaseUrl ? { databaseUrl: ledger.databaseUrl } : {}),
      bridge: ledger.service.bridge,
      fullNodeUrl: node.url,
      hotWalletSecretHex: HOT_SECRET,
      limits,
      now: () => clock.now_ms,
      pollIntervalMs: 0,
      localTestChain: true,
      scanFromBlock: 0,
      log: () => {},
      fault: (point) => {
        if (armed === point) {
          armed = null;
          throw new Crash(point);
        }
      },
    });
  const root = new Hono();
  const h: Harness = {
    ledger,
    node,
    exchange: open(),
    clock,
    async api(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      const response = await root.request(`http://x/ledger/exchange${path}`, init);
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    crashAt(point) {
      armed = point;
    },
    async restart() {
      await h.exchange.close().catch(() => undefined);
      h.exchange = open();
    },
    async produce(blocks) {
      await post(`${node.url}/admin/produce`, { blocks });
    },
    async user() {
      const { signer, key } = await newSigner();
      const wallet = newWallet(node.url);
      node.node.fund(wallet.hex as never);
      await h.produce(1);
      return { signer, key, wallet };
    },
    async deposit(wallet, account, amount) {
      const tx = await wallet.tronWeb.transactionBuilder.sendToken(h.exchange.hotWallet.base58, Number(amount), '1002000', wallet.address);
      const withMemo = account ? await wallet.tronWeb.transactionBuilder.addUpdateData(tx, depositMemo(account as never), 'utf8', { txLocal: true }) : tx;
      const signed = await wallet.tronWeb.trx.sign(withMemo);
      const result = await wallet.tronWeb.trx.sendRawTransaction(signed);
      if (!result.result) throw new Error(`deposit refused: ${String(result.code)}`);
      return signed.txID;
    },
    async signedWithdrawal(signer, account, to, amount, nonce) {
      const to_address_hex = TronWeb.address.toHex(to).toLowerCase();
      const signature = await signWithdrawRequest(signer, ledger.service.ledgerId, { kind: 'withdraw', account: account as never, to_address_hex, amount_units: amount, nonce });
      return { account, to_address: to, amount_units: String(amount), nonce: String(nonce), signature: bytesToHex(signature) };
    },
    async bttOf(address) {
      const account = (await post(`${node.url}/wallet/getaccount`, { address, visible: address.startsWith('T') })) as { assetV2?: Array<{ key: string; value: number }> };
      return BigInt(account.assetV2?.find((a) => a.key === '1002000')?.value ?? 0);
    },
    async close() {
      await h.exchange.close().catch(() => undefined);
      await node.close();
      await ledger.close();
    },
  };
  root.mount('/ledger/exchange', (request, env) => h.exchange.app.fetch(request, env));
  return h;
}

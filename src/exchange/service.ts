// createExchangeService: the exchange assembled (its store, the hot wallet key, a tronweb client for the full node,
// the ledger's bridge, the poller) as one Hono app to mount at /ledger/exchange. src/server/main.ts starts it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { LedgerBridge } from '../ledger/service.ts';
import type { ExchangeContext, ExchangeLimits, FaultPoint } from './context.ts';
import { scanCursor, setScanStart } from './deposits.ts';
import { Exchange, type ExchangeAudit } from './exchange.ts';
import { createExchangeApp } from './http.ts';
import type { ExchangeStore } from './store.ts';
import { PostgresExchangeStore } from './store-postgres.ts';
import { SqliteExchangeStore } from './store-sqlite.ts';
import { TronClient } from './tron-client.ts';

export const HOT_WALLET_KEY_FILE = 'exchange-hot.key';
/** How often the exchange reads the chain: TRON makes a block every 3 s. */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_LIMITS: ExchangeLimits = {
  daily_limit_units: 10_000n * 1_000_000n, // 10,000 BTT a day from the hot wallet
  window_ms: 24 * 60 * 60 * 1_000,
  min_withdrawal_units: 1_000_000n, // 1 BTT
  max_payment_attempts: 2,
};

export interface ExchangeServiceOptions {
  readonly dataDir: string;
  /** postgres://… : keep the exchange's tables in PostgreSQL (beside the ledger's) instead of dataDir/exchange.sqlite. */
  readonly databaseUrl?: string;
  readonly bridge: LedgerBridge;
  /** A java-tron full node's HTTP API: the loopback test node by default, TRON_FULLNODE_URL for a real one. */
  readonly fullNodeUrl: string;
  /** The hot wallet's secp256k1 key (hex); default: dataDir/exchange-hot.key, created on first run. */
  readonly hotWalletSecretHex?: string;
  readonly limits?: Partial<ExchangeLimits>;
  readonly now?: () => number;
  /** 0 turns the poller off (tests call tick()). */
  readonly pollIntervalMs?: number;
  readonly localTestChain?: boolean;
  /** First block to scan on a new store; default: the solidified head at first start. */
  readonly scanFromBlock?: number;
  readonly fault?: (point: FaultPoint) => void;
  readonly log?: (line: string) => void;
}

export interface ExchangeService {
  readonly app: Hono;
  readonly exchange: Exchange;
  readonly hotWallet: { readonly hex: string; readonly base58: string };
  tick(): Promise<void>;
  audit(): Promise<ExchangeAudit>;
  close(): Promise<void>;
}

function loadOrCreateHotKey(dataDir: string): string {
  const file = join(dataDir, HOT_WALLET_KEY_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

export function createExchangeService(options: ExchangeServiceOptions): ExchangeService {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const limits: ExchangeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  if (limits.daily_limit_units < limits.min_withdrawal_units || limits.window_ms <= 0 || limits.max_payment_attempts < 1) throw new RangeError('exchange limits are inconsistent');
  const store: ExchangeStore = options.databaseUrl ? new PostgresExchangeStore(options.databaseUrl) : SqliteExchangeStore.open(options.dataDir);
  const tron = new TronClient(options.fullNodeUrl, options.hotWalletSecretHex ?? loadOrCreateHotKey(options.dataDir));
  const ctx: ExchangeContext = { store, tron, bridge: options.bridge, now: options.now ?? Date.now, limits, fault: options.fault ?? (() => {}) };
  const exchange = new Exchange(ctx);
  const app = createExchangeApp(exchange, { limits, local_test_chain: options.localTestChain ?? false, log });

  const tick = async () => {
    if ((await scanCursor(ctx)) === null) await setScanStart(ctx, options.scanFromBlock ?? (await tron.solidHead()).number);
    await exchange.tick();
  };
  let closed = false;
  let running: Promise<void> | null = null;
  const interval_ms = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const timer =
    interval_ms > 0
      ? setInterval(() => {
          if (running || closed) return;
          running = tick()
            .catch((error) => log(`exchange: tick failed: ${error instanceof Error ? error.message : String(error)}`))
            .finally(() => {
              running = null;
            });
        }, interval_ms)
      : null;
  timer?.unref();

  return {
    app,
    exchange,
    hotWallet: { hex: tron.hot_hex, base58: tron.hot_base58 },
    tick,
    audit: () => exchange.audit(),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await running;
      await exchange.idle();
      await store.close();
    },
  };
}

// createLedgerService: the ledger assembled (key, store, engine, API, sweeper) as one Hono app to mount at /ledger.
// src/server/main.ts mounts it inside `npm start`; src/ledger/main.ts runs it alone.
import { availableParallelism } from 'node:os';
import type { Hono } from 'hono';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { airdropConfig, type AirdropOptions } from './airdrop.ts';
import { LedgerApi } from './api.ts';
import type { AuditReport } from './audit.ts';
import { LedgerBridge } from './bridge-api.ts';
import { genesisWrites, LedgerEngine } from './engine.ts';
import { createLedgerApp, type HttpOptions } from './http.ts';
import { ledgerKeyFromSecret, loadOrCreateLedgerSecret } from './ledger-key.ts';
import type { Store } from './store.ts';
import { PostgresStore, type PostgresStoreOptions } from './store-postgres.ts';
import { SqliteStore } from './store-sqlite.ts';
import { DEFAULT_STORAGE_TICK_MS, StorageApi, type StorageOptions } from './storage-api.ts';
import { inlineVerifier, VerifyPool, type AsyncVerifier } from './verify-pool.ts';

/** How often the ledger looks for channels past their timeout. */
export const DEFAULT_SWEEP_INTERVAL_MS = 1_000;

export interface LedgerServiceOptions {
  /** Holds ledger.key (unless ledgerSecretKey is given) and, without databaseUrl, ledger.sqlite. */
  dataDir: string;
  /** postgres://… : use PostgreSQL instead of the embedded SQLite file. */
  databaseUrl?: string;
  /** PostgreSQL store options (tests inject serialization failures through them). */
  postgres?: PostgresStoreOptions;
  airdrop?: AirdropOptions;
  /** Wall clock in ms; injected so tests can move time. */
  now?: () => number;
  /** 32-byte Ed25519 seed of the ledger key; otherwise read from or created in dataDir/ledger.key. */
  ledgerSecretKey?: Uint8Array;
  /** 0 turns the background sweeper off (tests call sweep()). */
  sweepIntervalMs?: number;
  /**
   * Worker threads verifying signatures; 0 verifies on the main thread. Default: 1 from 4 cores up. Measured on the
   * 2-core box with the bench client beside it, a worker cost more in message passing and thread switches than it saved.
   */
  verifyThreads?: number;
  /** Paid storage: the shortest epoch accepted, and how often the epoch timer runs (0: off; tests call storageTick()). */
  storage?: StorageOptions & { tickIntervalMs?: number };
  clientIp?: HttpOptions['clientIp'];
  log?: HttpOptions['log'];
}

export interface LedgerService {
  app: Hono;
  ledgerId: PublicKeyHex;
  store: Store['kind'];
  /** Expires due channels now; returns how many. */
  sweep(): Promise<number>;
  audit(from_genesis?: boolean): Promise<AuditReport>;
  /** Challenges due storage epochs and grades missed deadlines now; returns how many transitions. */
  storageTick(): Promise<number>;
  /** The exchange's only way to move ledger value (bridge.ts). */
  bridge: LedgerBridge;
  close(): Promise<void>;
}

export async function createLedgerService(options: LedgerServiceOptions): Promise<LedgerService> {
  const now = options.now ?? Date.now;
  const key = ledgerKeyFromSecret(options.ledgerSecretKey ?? loadOrCreateLedgerSecret(options.dataDir));
  const store: Store = options.databaseUrl ? new PostgresStore(options.databaseUrl, options.postgres) : SqliteStore.open(options.dataDir);
  try {
    await store.init(key.ledger_id, () => genesisWrites(key, Math.floor(now())));
  } catch (error) {
    await store.close();
    throw error;
  }
  const engine = new LedgerEngine(store, key, now);
  const threads = options.verifyThreads ?? (availableParallelism() >= 4 ? 1 : 0);
  const verifier: AsyncVerifier = threads > 0 ? new VerifyPool(threads) : inlineVerifier();
  const api = new LedgerApi({ store, engine, key, now, airdrop: airdropConfig(options.airdrop), verifier });
  const storage = new StorageApi({ store, engine, key, now, verifier, ...(options.storage ? { options: options.storage } : {}) });
  const app = createLedgerApp(api, { storage, ...(options.clientIp ? { clientIp: options.clientIp } : {}), ...(options.log ? { log: options.log } : {}) });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Windows that lapsed while the ledger was down are given again before the timer can grade them.
  await storage.recover();
  const storage_ms = options.storage?.tickIntervalMs ?? DEFAULT_STORAGE_TICK_MS;
  const storageTimer = storage_ms > 0 ? setInterval(() => storage.tick().catch((error) => log(`ledger: storage tick failed: ${String(error)}`)), storage_ms) : null;
  storageTimer?.unref();

  const interval_ms = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const timer = interval_ms > 0 ? setInterval(() => api.sweep().catch((error) => log(`ledger: sweep failed: ${String(error)}`)), interval_ms) : null;
  timer?.unref();

  let closed: Promise<void> | null = null;
  return {
    app,
    ledgerId: key.ledger_id,
    store: store.kind,
    sweep: () => api.sweep(),
    storageTick: () => storage.tick(),
    audit: (from_genesis) => api.audit(from_genesis),
    bridge: new LedgerBridge(store, engine, verifier, key.ledger_id),
    close() {
      closed ??= (async () => {
        if (timer) clearInterval(timer);
        if (storageTimer) clearInterval(storageTimer);
        await storage.settled();
        await engine.drain();
        await verifier.close();
        await store.close();
      })();
      return closed;
    },
  };
}

export { BRIDGE_RESERVE_ID } from './bridge.ts';
export type { BridgeResult, HoldView, LedgerBridge, SignedWithdrawal } from './bridge-api.ts';

// `npm start`: one local process serving the app, the ledger API and the WebSocket tracker, on 127.0.0.1.
// Also importable (startServer) so end-to-end tests run exactly what a user runs.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createExchangeService, type ExchangeService } from '../exchange/service.ts';
import { createLedgerService } from '../ledger/service.ts';
import { createTronNode } from '../tron/node.ts';
import { createStaticApp } from './app.ts';
import { createCdnCatalogueService } from './cdn-catalog-service.ts';
import { createDemandBoardService, ledgerBalanceReader } from './demand-board-service.ts';
import { mountTracker } from './tracker.ts';

export interface ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  staticDir: string;
  databaseUrl?: string;
  /** A real java-tron full node for the exchange; absent: the local test chain at /tron on this server. */
  tronFullNodeUrl?: string;
  /** Block interval of the local test chain (TRON: 3 s). */
  tronBlockMs?: number;
  /** The exchange's hot wallet key (hex); absent: dataDir/exchange-hot.key. */
  exchangeHotWalletKey?: string;
  exchangeDailyLimitUnits?: bigint;
  exchangeLimitWindowMs?: number;
  /** Paid storage's shortest epoch accepted (LEDGER_STORAGE_MIN_EPOCH_MS; default the ledger's 60 s): short in tests. */
  storageMinEpochMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8080;
/** Test TRX the local chain's faucet gives the exchange's hot wallet for fees, and the balance that triggers it. */
const HOT_WALLET_TEST_SUN = 10_000n * 1_000_000n;
const HOT_WALLET_MIN_TEST_SUN = 100n * 1_000_000n;
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export function defaultOptions(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  return {
    host: env.HOST ?? '127.0.0.1',
    port: env.PORT ? Number(env.PORT) : DEFAULT_PORT,
    dataDir: resolve(env.SEEDPAY_DATA_DIR ?? resolve(projectRoot, 'data')),
    staticDir: resolve(projectRoot, 'dist'),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(env.TRON_FULLNODE_URL ? { tronFullNodeUrl: env.TRON_FULLNODE_URL } : {}),
    ...(env.TRON_BLOCK_MS ? { tronBlockMs: Number(env.TRON_BLOCK_MS) } : {}),
    ...(env.EXCHANGE_HOT_WALLET_KEY ? { exchangeHotWalletKey: env.EXCHANGE_HOT_WALLET_KEY } : {}),
    ...(env.EXCHANGE_DAILY_LIMIT_UNITS ? { exchangeDailyLimitUnits: BigInt(env.EXCHANGE_DAILY_LIMIT_UNITS) } : {}),
    ...(env.EXCHANGE_LIMIT_WINDOW_MS ? { exchangeLimitWindowMs: Number(env.EXCHANGE_LIMIT_WINDOW_MS) } : {}),
    ...(env.LEDGER_STORAGE_MIN_EPOCH_MS ? { storageMinEpochMs: Number(env.LEDGER_STORAGE_MIN_EPOCH_MS) } : {}),
  };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const root = new Hono();
  const closers: Array<() => Promise<void>> = [];

  root.get('/healthz', (c) => c.json({ ok: true }));
  // Services mount here, before the static app: its single-page fallback answers every other GET.
  const ledger = await createLedgerService({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.storageMinEpochMs ? { storage: { min_epoch_ms: options.storageMinEpochMs } } : {}),
  });
  closers.push(() => ledger.close());
  // The local TRON test chain (unless a real full node is configured), and the exchange, which reaches it over
  // HTTP through tronweb like any full node; it starts once the server's address is known.
  const tron = options.tronFullNodeUrl
    ? null
    : createTronNode({ dataDir: options.dataDir, ...(options.tronBlockMs ? { block_ms: options.tronBlockMs } : {}) });
  if (tron) {
    closers.push(async () => tron.close());
    root.route('/tron', tron.app);
  }
  let exchange: ExchangeService | null = null;
  root.mount('/ledger/exchange', (request, env) =>
    exchange ? exchange.app.fetch(request, env) : Response.json({ error: 'overloaded', message: 'the exchange is starting' }, { status: 503 }),
  );
  root.route('/ledger', ledger.app);
  // The demand board (docs/cdn-board.md): bids from announces, weighed by the bidder's balance in this ledger.
  const board = createDemandBoardService({ readBalance: ledgerBalanceReader(ledger.app) });
  root.route('/board', board.app);
  // CDN links (docs/cdn-links.md): registered .torrent files of web-seeded torrents, for magnets and earn mode.
  const cdn = createCdnCatalogueService(resolve(options.dataDir, 'cdn'));
  root.route('/cdn', cdn.app);

  root.route('/', createStaticApp({ staticDir: options.staticDir }));

  const server: ServerType = await new Promise((resolveListen) => {
    const s = serve({ fetch: root.fetch, hostname: options.host, port: options.port }, () => resolveListen(s));
  });
  const tracker = mountTracker(server, { onDemandBid: board.offer }); // ws://host:port/announce
  board.setSwarms(() => tracker.stats());
  closers.push(() => tracker.close());
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host}:${port}`;
  cdn.setOrigin(url);
  const started: ExchangeService = createExchangeService({
    dataDir: options.dataDir,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    bridge: ledger.bridge,
    fullNodeUrl: options.tronFullNodeUrl ?? `${url}/tron`,
    localTestChain: tron !== null,
    ...(tron ? { scanFromBlock: 0 } : {}),
    ...(options.exchangeHotWalletKey ? { hotWalletSecretHex: options.exchangeHotWalletKey } : {}),
    limits: {
      ...(options.exchangeDailyLimitUnits ? { daily_limit_units: options.exchangeDailyLimitUnits } : {}),
      ...(options.exchangeLimitWindowMs ? { window_ms: options.exchangeLimitWindowMs } : {}),
    },
  });
  exchange = started;
  closers.push(() => started.close()); // closed first: before the chain and the ledger it uses
  // On the test chain the hot wallet gets TRX for its fees (a real one is funded by its operator).
  const hot = started.hotWallet.hex as Parameters<NonNullable<typeof tron>['fund']>[0];
  if (tron && (tron.chain.account(hot)?.balance_sun ?? 0n) < HOT_WALLET_MIN_TEST_SUN) tron.fund(hot, 0n, HOT_WALLET_TEST_SUN);
  return {
    url,
    port,
    async close() {
      // Stop taking requests first, so no request reaches a service that is already closed.
      const stopped = new Promise<void>((done) => server.close(() => done()));
      if ('closeAllConnections' in server) server.closeAllConnections();
      for (const close of closers.reverse()) await close();
      await stopped;
    },
  };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const options = defaultOptions();
  const running = await startServer(options);
  process.stdout.write(`\nSeedpay is running. Open ${running.url}/ in your browser.\n`);
  process.stdout.write(
    options.tronFullNodeUrl
      ? `The exchange talks to the TRON full node at ${options.tronFullNodeUrl}.\n\n`
      : `TRON: a LOCAL TEST CHAIN at ${running.url}/tron (its BTT and TRX are worthless; set TRON_FULLNODE_URL for a real node).\n\n`,
  );
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

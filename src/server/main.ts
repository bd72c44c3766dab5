// `npm start`: one local process serving the app, the ledger API and the WebSocket tracker, on 127.0.0.1.
// Also importable (startServer) so end-to-end tests run exactly what a user runs.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { createLedgerService } from '../ledger/service.ts';
import { createStaticApp } from './app.ts';
import { createDemandBoardService, ledgerBalanceReader } from './demand-board-service.ts';
import { mountTracker } from './tracker.ts';

export interface ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  staticDir: string;
  databaseUrl?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8080;
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export function defaultOptions(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  return {
    host: env.HOST ?? '127.0.0.1',
    port: env.PORT ? Number(env.PORT) : DEFAULT_PORT,
    dataDir: resolve(env.SEEDPAY_DATA_DIR ?? resolve(projectRoot, 'data')),
    staticDir: resolve(projectRoot, 'dist'),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
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
  });
  closers.push(() => ledger.close());
  root.route('/ledger', ledger.app);
  // The demand board (docs/cdn-board.md): bids from announces, weighed by the bidder's balance in this ledger.
  const board = createDemandBoardService({ readBalance: ledgerBalanceReader(ledger.app) });
  root.route('/board', board.app);

  root.route('/', createStaticApp({ staticDir: options.staticDir }));

  const server: ServerType = await new Promise((resolveListen) => {
    const s = serve({ fetch: root.fetch, hostname: options.host, port: options.port }, () => resolveListen(s));
  });
  const tracker = mountTracker(server, { onDemandBid: board.offer }); // ws://host:port/announce
  board.setSwarms(() => tracker.stats());
  closers.push(() => tracker.close());
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host}:${port}`;
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
  const running = await startServer(defaultOptions());
  process.stdout.write(`\nSeedpay is running. Open ${running.url}/ in your browser.\n\n`);
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

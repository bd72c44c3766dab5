// `npm run start:cluster`: the distributed shape on one machine, on loopback: nats-server, two swarm shards, two
// tracker gateways, a throwaway PostgreSQL under the data dir, two ledger processes on it, and the app in front
// (cluster-proxy.ts). Every piece is its own process, as it would be on its own machine (docs/deploy.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startNatsServer } from '../tracker/nats-server.ts';
import { startThrowawayPostgres, type LocalPostgres } from './cluster-pg.ts';
import { startClusterFront } from './cluster-proxy.ts';
import { DEFAULT_PORT } from './main.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const host = '127.0.0.1';
const dataDir = resolve(process.env.SEEDPAY_DATA_DIR ?? resolve(root, 'data', 'cluster'));
const children: ChildProcess[] = [];

/** Starts `node --import tsx <script> …args` and resolves with its first stdout line parsed as JSON. */
function start(script: string, args: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, script), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
  children.push(child);
  return new Promise((done, fail) => {
    createInterface({ input: child.stdout! }).once('line', (line) => done(JSON.parse(line) as Record<string, unknown>));
    child.once('exit', (code) => fail(new Error(`${script} ${args.join(' ')} exited with ${code}`)));
  });
}

mkdirSync(dataDir, { recursive: true });
let pg: LocalPostgres | null = null;
const nats = await startNatsServer({ host });
try {
  const databaseUrl = process.env.DATABASE_URL ?? (pg = startThrowawayPostgres(dataDir)).url;
  const tracker = { NATS_URL: nats.url, TRACKER_HOST: host, TRACKER_PORT: '0' };
  await Promise.all(['s1', 's2'].map((id) => start('src/tracker/main.ts', ['shard'], { ...tracker, TRACKER_NAME: id })));
  const gateways = await Promise.all(['g1', 'g2'].map((name) => start('src/tracker/main.ts', ['gateway'], { ...tracker, TRACKER_NAME: name })));
  const ledgerEnv = { SEEDPAY_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LEDGER_HOST: host, LEDGER_PORT: '0' };
  // The first ledger creates the schema, genesis and the ledger key; the second finds them.
  const first = await start('src/ledger/main.ts', [], ledgerEnv);
  const second = await start('src/ledger/main.ts', [], ledgerEnv);
  const front = await startClusterFront({
    host,
    port: process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT,
    staticDir: resolve(root, 'dist'),
    ledgers: [String(first.url), String(second.url)],
    gateways: gateways.map((g) => String(g.url)),
  });
  process.stdout.write(
    `\nSeedpay (cluster shape) is running. Open ${front.url}/ in your browser.\n` +
      `  nats ${nats.url}; gateways ${gateways.map((g) => g.url).join(', ')}; ledgers ${first.url}, ${second.url}\n\n`,
  );
  const stop = () => {
    void front.close().finally(async () => {
      await Promise.all(children.map((c) => new Promise<void>((done) => (c.exitCode !== null ? done() : (c.once('exit', () => done()), c.kill('SIGTERM'))))));
      await nats.stop();
      pg?.stop();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  for (const c of children) c.kill('SIGKILL');
  await nats.stop();
  pg?.stop();
  throw error;
}

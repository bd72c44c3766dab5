// Runs the ledger alone (env LEDGER_PORT, LEDGER_HOST, SEEDPAY_DATA_DIR, DATABASE_URL, LEDGER_AIRDROP_DIFFICULTY_BITS,
// LEDGER_VERIFY_THREADS, LEDGER_STORAGE_MIN_EPOCH_MS); prints one JSON line {ledger_id, url, store} once listening, for scripts and the crash test.
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createLedgerService } from './service.ts';

const env = process.env;
const host = env.LEDGER_HOST ?? '127.0.0.1';
const port = Number(env.LEDGER_PORT ?? 8081);
const service = await createLedgerService({
  dataDir: resolve(env.SEEDPAY_DATA_DIR ?? 'data'),
  ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  ...(env.LEDGER_AIRDROP_DIFFICULTY_BITS ? { airdrop: { difficulty_bits: Number(env.LEDGER_AIRDROP_DIFFICULTY_BITS) } } : {}),
  ...(env.LEDGER_VERIFY_THREADS ? { verifyThreads: Number(env.LEDGER_VERIFY_THREADS) } : {}),
  ...(env.LEDGER_STORAGE_MIN_EPOCH_MS ? { storage: { min_epoch_ms: Number(env.LEDGER_STORAGE_MIN_EPOCH_MS) } } : {}),
});
const root = new Hono();
root.route('/ledger', service.app);
const server = serve({ fetch: root.fetch, hostname: host, port }, (info: AddressInfo) => {
  const url = `http://${host}:${info.port}/ledger`;
  process.stdout.write(`${JSON.stringify({ ledger_id: service.ledgerId, url, store: service.store })}\n`);
});

const stop = () => {
  server.close();
  service.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// Starts the same server `npm start` runs (app, ledger, tracker) on a free port with a throwaway data dir,
// and hands its URL to every spec through SEEDPAY_URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../../src/server/main.ts';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'seedpay-e2e-'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    // SEEDPAY_STATIC_DIR lets a second build (another checkout's work in progress) be tested beside dist/.
    staticDir: resolve(process.env.SEEDPAY_STATIC_DIR ?? 'dist'),
  });
  process.env.SEEDPAY_URL = server.url;
  process.env.SEEDPAY_DATA_DIR = dataDir;
  return async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

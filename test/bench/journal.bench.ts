// The requester's "saved before sent" cost in real headless Chromium: PeerStorage.saveChannel of a payer state in a
// dedicated worker, through the OPFS channel journal (append + flush on a sync access handle) and through IndexedDB
// (idb-keyval, the fallback and the old path). Median and p99 per save for a small and a large paid-piece bitfield.
// The profile lives in a temp dir on disk (a persistent context), so OPFS and IndexedDB write real files. Also the
// chunk store's raw OPFS I/O (1 MiB writes, 16 KiB reads on a sync handle) on that profile and in an incognito
// context (browser.newContext(), what the transfer bench's pages use), where Chromium keeps OPFS in memory.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import { build, type Rolldown } from 'vite';
import { chromiumArgs } from '../../playwright.config.ts';
import { percentile, type BenchContext, type BenchResult } from './bench.ts';
import type { JournalBenchReply, JournalBenchRequest } from './helpers/journal-worker.ts';

const SAVES = Number(process.env.JOURNAL_BENCH_SAVES ?? 500);
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
/** Any loopback origin: the page is served by the route below, nothing listens there. */
const ORIGIN = 'http://127.0.0.1:9';
const CASES = [
  { piece_count: 100, label: '100 pieces (100 MiB at 1 MiB)' },
  { piece_count: 65_536, label: '65,536 pieces (1 GiB at 16 KiB)' },
];

async function bundleWorker(): Promise<string> {
  const out = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: false,
      lib: { entry: resolve('test/bench/helpers/journal-worker.ts'), formats: ['es'], fileName: 'journal-worker' },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  const chunk = (Array.isArray(out) ? out[0] : out)?.output.find((o) => o.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error('journal bench: worker bundle missing');
  return chunk.code;
}

/** Worker source: 64 writes of 1 MiB into a fresh OPFS file, then 4,096 reads of 16 KiB; per-call ms. */
const CHUNK_IO_SOURCE = `onmessage = async () => {
  const dir = await navigator.storage.getDirectory();
  const h = await (await dir.getFileHandle('chunk-io-bench', { create: true })).createSyncAccessHandle();
  h.truncate(0);
  const piece = new Uint8Array(1048576).fill(7), block = new Uint8Array(16384), writes = [], reads = [];
  for (let i = 0; i < 64; i++) { const t = performance.now(); h.write(piece, { at: i * 1048576 }); writes.push(performance.now() - t); }
  for (let i = 0; i < 4096; i++) { const t = performance.now(); h.read(block, { at: i * 16384 }); reads.push(performance.now() - t); }
  h.close();
  postMessage({ writes, reads });
};`;

async function chunkIo(page: import('@playwright/test').Page): Promise<{ writes: number[]; reads: number[] }> {
  return page.evaluate((source) => new Promise((done) => {
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
    worker.onmessage = (e: MessageEvent<{ writes: number[]; reads: number[] }>) => { done(e.data); worker.terminate(); };
    worker.postMessage(null);
  }), CHUNK_IO_SOURCE);
}

export default async function journalBench(ctx: BenchContext): Promise<BenchResult[]> {
  const code = await bundleWorker();
  const profile = mkdtempSync(join(tmpdir(), 'seedpay-journal-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...(existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM } : {}),
    args: chromiumArgs,
  });
  const results: BenchResult[] = [];
  try {
    const page = await context.newPage();
    // Cross-origin isolated, so performance.now() in the worker is precise to microseconds, not 100 µs.
    await page.route(`${ORIGIN}/**`, (route) => route.fulfill({
      status: 200, contentType: 'text/html', body: '<!doctype html><title>journal bench</title>',
      headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    }));
    await page.goto(`${ORIGIN}/bench.html`);
    for (const c of CASES) {
      const load = loadavg()[0]?.toFixed(2);
      const request: JournalBenchRequest = { saves: SAVES, piece_count: c.piece_count };
      const reply = await page.evaluate(([source, req]) => new Promise<JournalBenchReply>((done, fail) => {
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })), { type: 'module' });
        worker.onmessage = (e: MessageEvent<JournalBenchReply>) => { done(e.data); worker.terminate(); };
        worker.onerror = (e) => fail(new Error(e.message));
        worker.postMessage(req);
      }), [code, request] as const);
      if (reply.where !== 'opfs-journal') throw new Error(`journal bench: the worker could not open the journal (${reply.where})`);
      const note = `${SAVES} saves, record ${reply.record_chars} chars, load average ${load}${reply.cross_origin_isolated ? '' : ', 100 µs timer'}`;
      for (const [store, ms] of [['OPFS journal', reply.journal_ms], ['IndexedDB', reply.indexeddb_ms]] as const) {
        const sorted = [...ms].sort((a, b) => a - b);
        results.push(
          { name: `save before send, ${store}, ${c.label}: median`, value: percentile(sorted, 50), unit: 'ms', note },
          { name: `save before send, ${store}, ${c.label}: p99`, value: percentile(sorted, 99), unit: 'ms', note },
        );
      }
      ctx.log(`${c.label}: done at load average ${load}`);
    }
    const incognito = await chromium.launch({ ...(existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM } : {}), args: chromiumArgs });
    try {
      const other = await (await incognito.newContext()).newPage();
      await other.route(`${ORIGIN}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html>',
        headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } }));
      await other.goto(`${ORIGIN}/bench.html`);
      for (const [where, tab] of [['profile on disk', page], ['incognito context', other]] as const) {
        const load = loadavg()[0]?.toFixed(2);
        const io = await chunkIo(tab);
        const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
        const note = `load average ${load}`;
        results.push(
          { name: `OPFS sync handle, ${where}: 1 MiB write, median`, value: median(io.writes), unit: 'ms', note: `64 writes; ${note}` },
          { name: `OPFS sync handle, ${where}: 16 KiB read, median`, value: median(io.reads), unit: 'ms', note: `4,096 reads; ${note}` },
        );
      }
    } finally {
      await incognito.close();
    }
    return results;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

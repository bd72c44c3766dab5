// The requester's "saved before sent" cost in real headless Chromium: PeerStorage.saveChannel of a payer state in a
// dedicated worker, through the OPFS channel journal (append + flush on a sync access handle) and through IndexedDB
// (idb-keyval, the fallback and the old path). Median and p99 per save for a small and a large paid-piece bitfield.
// The profile lives in a temp dir on disk (a persistent context), so OPFS and IndexedDB write real files.
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
    return results;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

// Transfer throughput between two Chromium pages on loopback, same file, same piece length, measured from the first
// byte received to the last: (a) a raw RTCDataChannel (the ceiling), (a-w) the same channel transferred to a worker
// on each side, (a-r) worker to worker relayed through the pages (helpers/raw-channels.ts), (b) plain WebTorrent on
// the page's main thread, (c0) Seedpay's worker peer with Speed off, (c) Speed on — bids, a real ledger channel, one
// signed payment per verified piece; both with the datachannel relayed through the page (the fallback) and, as (c0-w)
// and (c-w), transferred to the worker (PeerClient's default). Each mode's median of RUNS (min, max and the load
// average in the note), its CPU per MiB over all Chromium processes (helpers/cpu-meter.ts), and the ratios.
// Also the peak JS heap of the Seedpay requester over the download: its page (performance.memory) plus its peer
// worker (DevTools Runtime.getHeapUsage: V8 heap plus ArrayBuffer backing stores). Needs a built app (dist/).
// Env: TRANSFER_BENCH_MB (default 100), TRANSFER_BENCH_PIECE_KIB (default 1024), TRANSFER_BENCH_HEAP_MB (a separate
// heap run of that many MB, e.g. 1024; default 0 = off, since at these rates 1 GB takes several minutes),
// TRANSFER_BENCH_RUNS (default 3), TRANSFER_BENCH_MODES (e.g. a,aw,ar,b,c0,c,c0w,cw,c0d,cd; default all). The -d modes run
// each Seedpay peer in a browser of its own with a profile on disk (see labOnDisk), CPU then from /proc.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { chromiumArgs } from '../../playwright.config.ts';
import { startServer } from '../../src/server/main.ts';
import type { LabStartOptions } from '../../src/lab/handle.ts';
import type { BenchContext, BenchResult } from './bench.ts';
import { cpuMeter, type CpuMeter } from './helpers/cpu-meter.ts';
import { procCpuMeter } from './helpers/proc-cpu.ts';
import { rawTransfer, type RawMode } from './helpers/raw-channels.ts';

const MB = Number(process.env.TRANSFER_BENCH_MB ?? 100);
const PIECE_KIB = Number(process.env.TRANSFER_BENCH_PIECE_KIB ?? 1024);
const HEAP_MB = Number(process.env.TRANSFER_BENCH_HEAP_MB ?? 0);
/** Runs per mode (the figure is their median, min and max in the note) and which modes (keys, comma-separated). */
const RUNS = Number(process.env.TRANSFER_BENCH_RUNS ?? 3);
const MODES = (process.env.TRANSFER_BENCH_MODES ?? '').split(',').filter(Boolean);
const MiB = 1024 * 1024;
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 30 * 60_000;

async function lab(browser: Browser, base: string, options: LabStartOptions | null): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/lab.html`);
  await page.waitForFunction(() => 'seedpayLab' in window);
  if (options) await page.evaluate((o) => window.seedpayLab.start(o), options);
  return page;
}

/** Profiles of the browsers labOnDisk launched, for the /proc CPU meter. */
const diskProfiles = new Map<Page, string>();

/**
 * A lab page in a browser of its own with a profile on disk. Contexts from browser.newContext() are incognito, and
 * there Chromium keeps OPFS in memory behind a synchronous IPC per read or write: 1 MiB writes ~50 ms, 16 KiB reads
 * ~1 ms at load 15, against ~3 ms and ~0.01 ms on disk. The worker peer's chunk store lives in OPFS, so only a
 * profile on disk measures what a user in a normal window gets.
 */
async function labOnDisk(base: string, options: LabStartOptions): Promise<Page> {
  const profile = mkdtempSync(join(tmpdir(), 'seedpay-transfer-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...(existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM } : {}),
    args: [...chromiumArgs, '--enable-precise-memory-info'],
  });
  const page = await context.newPage();
  diskProfiles.set(page, profile);
  await page.goto(`${base}/lab.html`);
  await page.waitForFunction(() => 'seedpayLab' in window);
  await page.evaluate((o) => window.seedpayLab.start(o), options);
  return page;
}

async function closeLab(page: Page): Promise<void> {
  await page.context().close();
  const profile = diskProfiles.get(page);
  diskProfiles.delete(page);
  if (profile) rmSync(profile, { recursive: true, force: true });
}

/** (a) raw datachannel modes (helpers/raw-channels.ts). */
async function rawDatachannel(browser: Browser, base: string, bytes: number, mode: RawMode, cpu: CpuMeter): Promise<number> {
  const sender = await lab(browser, base, null);
  const receiver = await lab(browser, base, null);
  await cpu.start();
  const ms = await rawTransfer(sender, receiver, bytes, mode);
  await cpu.stop();
  await sender.context().close();
  await receiver.context().close();
  return ms;
}

/** (b) Plain WebTorrent, main thread, both sides. */
async function plainWebTorrent(browser: Browser, base: string, bytes: number, cpu: CpuMeter): Promise<number> {
  const seeder = await lab(browser, base, null);
  const leecher = await lab(browser, base, null);
  const seeded = await seeder.evaluate((o) => window.seedpayLab.plainSeed(o), { size_bytes: bytes, seed: 5, name: 'bench.bin', piece_length: PIECE_KIB * 1024 });
  await cpu.start();
  const result = await leecher.evaluate((o) => window.seedpayLab.plainDownload(o.t, o.timeout), { t: seeded.torrent_file_b64, timeout: TIMEOUT_MS });
  await cpu.stop();
  if (result.sha256_hex !== seeded.sha256_hex) throw new Error('plain WebTorrent: hash mismatch');
  await seeder.context().close();
  await leecher.context().close();
  return result.first_byte_to_done_ms;
}

/**
 * Reads the JS heap of a page's dedicated worker over the DevTools protocol (workers have no performance.memory):
 * the page's own target names its browser context, which identifies its worker among the browser's targets.
 */
async function workerHeap(browser: Browser, page: Page): Promise<() => Promise<number>> {
  const own = (await (await page.context().newCDPSession(page)).send('Target.getTargetInfo')) as { targetInfo: { browserContextId?: string } };
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ type: string; targetId: string; browserContextId?: string }> };
  const worker = targetInfos.find((t) => t.type === 'worker' && t.browserContextId === own.targetInfo.browserContextId);
  if (!worker) return async () => 0;
  const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false })) as { sessionId: string };
  let next = 0;
  const waiting = new Map<number, (usage: { usedSize: number; backingStorageSize?: number }) => void>();
  cdp.on('Target.receivedMessageFromTarget', (event: { message: string }) => {
    const message = JSON.parse(event.message) as { id?: number; result?: { usedSize: number; backingStorageSize?: number } };
    if (message.id !== undefined && message.result) waiting.get(message.id)?.(message.result);
  });
  return () =>
    new Promise<number>((resolveUsage) => {
      const id = ++next;
      waiting.set(id, (usage) => resolveUsage(usage.usedSize + (usage.backingStorageSize ?? 0)));
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }) });
      setTimeout(() => resolveUsage(0), 2000);
    });
}

interface SeedpayRun {
  ms: number;
  peak_heap_bytes: number;
  paid_units: bigint;
}

/** (c) Seedpay worker peers; Speed on (wallets, ledger, payments) or off. Samples the requester's heaps. */
async function seedpay(browser: Browser, base: string, bytes: number, speed: boolean, tag: string, cpu?: CpuMeter, on_disk = false, in_worker = false): Promise<SeedpayRun> {
  const open = async (options: LabStartOptions) => {
    const datachannel = in_worker ? 'worker' : 'relay';
    const page = await (on_disk ? labOnDisk(base, { ...options, datachannel }) : lab(browser, base, { ...options, datachannel }));
    const mode = await page.evaluate(() => window.seedpayLab.datachannelMode());
    if (mode !== datachannel) throw new Error(`seedpay: datachannels in mode ${mode}, not the one measured`);
    return page;
  };
  const provider = await open(speed
    ? { namespace: `bench-p-${tag}`, wallet: 'key', speed: { reserve_units_per_kib: '1' } }
    : { namespace: `bench-p-${tag}`, ledgerUrl: null });
  const requester = await open(speed ? { namespace: `bench-r-${tag}`, wallet: 'airdrop' } : { namespace: `bench-r-${tag}`, ledgerUrl: null });
  const seeded = await provider.evaluate((o) => window.seedpayLab.seedGenerated(o), { size_bytes: bytes, seed: 5, name: 'bench.bin', speed, piece_length: PIECE_KIB * 1024 });
  await cpu?.start();
  await requester.evaluate((o) => window.seedpayLab.addTorrentFile(o.t, o.speed), { t: seeded.torrent_file_b64, speed });
  let peakWorker = 0;
  let sampling = true;
  const heap = on_disk ? async () => 0 : await workerHeap(browser, requester);
  const sampler = (async () => {
    while (sampling) {
      peakWorker = Math.max(peakWorker, await heap());
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const timed = await requester.evaluate((o) => window.seedpayLab.timeDownload(o.h, o.timeout), { h: seeded.info_hash, timeout: TIMEOUT_MS });
  await cpu?.stop();
  sampling = false;
  await sampler;
  const digest = await requester.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash);
  if (digest !== seeded.sha256_hex) throw new Error('seedpay: hash mismatch');
  const status = await requester.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  if (speed && BigInt(status.paid_units) === 0n) throw new Error('seedpay: Speed on but nothing was paid');
  for (const page of [provider, requester]) await closeLab(page);
  return { ms: timed.first_byte_to_done_ms, peak_heap_bytes: peakWorker + timed.peak_page_heap_bytes, paid_units: BigInt(status.paid_units) };
}

export default async function transferBench(ctx: BenchContext): Promise<BenchResult[]> {
  const staticDir = resolve(process.env.SEEDPAY_STATIC_DIR ?? 'dist');
  if (!existsSync(join(staticDir, 'lab.html'))) {
    ctx.log('skipped: no built app (run `npm run build` first)');
    return [];
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'seedpay-transfer-bench-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir });
  const browser = await chromium.launch({
    ...(existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM } : {}),
    args: [...chromiumArgs, '--enable-precise-memory-info'],
  });
  const bytes = MB * MiB;
  const rate = (ms: number) => bytes / MiB / (ms / 1000);
  const note = `${MB} MiB, ${PIECE_KIB} KiB pieces, loopback, first byte to last`;
  const cpu = await cpuMeter(browser);
  const diskCpu = procCpuMeter(() => [...diskProfiles.values()]);
  let tags = 0;
  let lastPaid: SeedpayRun | null = null;
  try {
    // Each mode RUNS times, interleaved (a run of every mode, then the next), so load changes hit all modes alike.
    const modes: Array<{ key: string; name: string; run: () => Promise<number>; meter?: CpuMeter }> = [
      { key: 'a', name: '(a) raw RTCDataChannel on the page', run: () => rawDatachannel(browser, server.url, bytes, 'page', cpu) },
      { key: 'aw', name: '(a-w) raw RTCDataChannel transferred to workers', run: () => rawDatachannel(browser, server.url, bytes, 'worker', cpu) },
      { key: 'ar', name: '(a-r) raw, worker to worker relayed via the pages', run: () => rawDatachannel(browser, server.url, bytes, 'relay', cpu) },
      { key: 'b', name: '(b) plain WebTorrent, main thread', run: () => plainWebTorrent(browser, server.url, bytes, cpu) },
      { key: 'c0', name: '(c0) Seedpay worker peer, Speed off', run: async () => (await seedpay(browser, server.url, bytes, false, `off-${++tags}`, cpu)).ms },
      { key: 'c', name: '(c) Seedpay worker peer, Speed on (paid per piece)', run: async () => {
        const run = await seedpay(browser, server.url, bytes, true, `on-${++tags}`, cpu);
        lastPaid = run;
        return run.ms;
      } },
      { key: 'c0w', name: '(c0-w) Speed off, datachannels in the worker', run: async () => (await seedpay(browser, server.url, bytes, false, `offw-${++tags}`, cpu, false, true)).ms },
      { key: 'cw', name: '(c-w) Speed on, datachannels in the worker', run: async () => (await seedpay(browser, server.url, bytes, true, `onw-${++tags}`, cpu, false, true)).ms },
      { key: 'c0d', name: '(c0-d) Speed off, profiles on disk', meter: diskCpu, run: async () => (await seedpay(browser, server.url, bytes, false, `offd-${++tags}`, diskCpu, true)).ms },
      { key: 'cd', name: '(c-d) Speed on, profiles on disk', meter: diskCpu, run: async () => (await seedpay(browser, server.url, bytes, true, `ond-${++tags}`, diskCpu, true)).ms },
    ].filter((m) => MODES.length === 0 || MODES.includes(m.key));
    const runs = new Map<string, Array<{ mib_s: number; cpu_s_per_mib: number; load: number }>>();
    for (let i = 0; i < RUNS; i++) {
      for (const mode of modes) {
        const load = loadavg()[0] ?? 0;
        const meter = mode.meter ?? cpu;
        meter.take();
        const mib_s = rate(await mode.run());
        const cpu_s_per_mib = meter.take() / MB;
        ctx.log(`${mode.name} run ${i + 1}: ${mib_s.toFixed(2)} MiB/s, ${(cpu_s_per_mib * 1000).toFixed(1)} ms CPU/MiB, load average ${load.toFixed(2)}`);
        runs.set(mode.key, [...(runs.get(mode.key) ?? []), { mib_s, cpu_s_per_mib, load }]);
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
    const med = (key: string) => median((runs.get(key) ?? []).map((r) => r.mib_s));
    const results: BenchResult[] = [];
    for (const mode of modes) {
      const rs = runs.get(mode.key) ?? [];
      const mib = rs.map((r) => r.mib_s);
      const loads = rs.map((r) => r.load.toFixed(1)).join('/');
      results.push(
        { name: mode.name, value: med(mode.key), unit: 'MiB/s', note: `${note}; median of ${rs.length}, min ${Math.min(...mib).toFixed(2)}, max ${Math.max(...mib).toFixed(2)}; load average ${loads}` },
        { name: `${mode.name}: CPU`, value: median(rs.map((r) => r.cpu_s_per_mib * 1000)), unit: 'ms CPU/MiB', note: 'all Chromium processes, both peers; median' },
      );
    }
    const ratio = (name: string, x: string, y: string) => {
      if (runs.has(x) && runs.has(y)) results.push({ name, value: med(x) / med(y), unit: '×' });
    };
    ratio('ratio (c)/(b) (target ≥ 1.0)', 'c', 'b');
    ratio('ratio (c-d)/(b), profiles on disk (target ≥ 1.0)', 'cd', 'b');
    ratio('ratio (c-d)/(c0-d), profiles on disk (target ≥ 0.95)', 'cd', 'c0d');
    ratio('ratio (c-d)/(a), profiles on disk (target ≥ 0.8)', 'cd', 'a');
    ratio('ratio (c)/(c0) (target ≥ 0.95)', 'c', 'c0');
    ratio('ratio (c)/(a) (target ≥ 0.8)', 'c', 'a');
    ratio('ratio (c0)/(b): the relay alone', 'c0', 'b');
    ratio('ratio (c-w)/(b), channels in the worker (target ≥ 1.0)', 'cw', 'b');
    ratio('ratio (c-w)/(a), channels in the worker (target ≥ 0.8)', 'cw', 'a');
    ratio('ratio (c0-w)/(b), channels in the worker', 'c0w', 'b');
    ratio('ratio (c0-w)/(c0): channels in the worker vs relay, Speed off', 'c0w', 'c0');
    ratio('ratio (c-w)/(c): channels in the worker vs relay, Speed on', 'cw', 'c');
    ratio('ratio (a-w)/(a): channel in a worker vs on the page', 'aw', 'a');
    ratio('ratio (a-r)/(a-w): relay via the page vs transferred channel', 'ar', 'aw');
    const c = lastPaid as SeedpayRun | null;
    if (c) results.push({ name: `peak JS heap, Seedpay requester (page + worker), ${MB} MiB`, value: c.peak_heap_bytes / MiB, unit: 'MiB', note: `paid ${c.paid_units} units` });
    if (HEAP_MB > 0) {
      ctx.log(`heap run: Seedpay requester downloading ${HEAP_MB} MiB with Speed on`);
      try {
        const big = await seedpay(browser, server.url, HEAP_MB * MiB, true, 'heap');
        results.push(
          { name: `peak JS heap, Seedpay requester, ${HEAP_MB} MiB (target < 300 MB)`, value: big.peak_heap_bytes / MiB, unit: 'MiB' },
          { name: `(c) throughput over ${HEAP_MB} MiB`, value: (HEAP_MB * MiB) / MiB / (big.ms / 1000), unit: 'MiB/s' },
        );
      } catch (error) {
        ctx.log(`heap run failed: ${(error as Error).message.split('\n')[0]}`); // keep the figures above
      }
    }
    return results;
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

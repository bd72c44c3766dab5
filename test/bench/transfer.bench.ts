// Transfer throughput between two Chromium pages on loopback, same file, same piece length, measured from the first
// byte received to the last: (a) a raw RTCDataChannel (the ceiling), (b) plain WebTorrent on the page's main
// thread, (c0) Seedpay's worker peer with Speed off (the relay's cost alone), (c) Seedpay's worker peer with Speed
// on — bids, a real ledger channel, one signed payment per verified piece. Ratios c/b and c/a in the same run.
// Also the peak JS heap of the Seedpay requester over the download: its page (performance.memory) plus its peer
// worker (DevTools Runtime.getHeapUsage: V8 heap plus ArrayBuffer backing stores). Needs a built app (dist/).
// Env: TRANSFER_BENCH_MB (default 100), TRANSFER_BENCH_PIECE_KIB (default 1024), TRANSFER_BENCH_HEAP_MB (a separate
// heap run of that many MB, e.g. 1024; default 0 = off, since at these rates 1 GB takes several minutes).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { chromiumArgs } from '../../playwright.config.ts';
import { startServer } from '../../src/server/main.ts';
import type { LabStartOptions } from '../../src/lab/handle.ts';
import type { BenchContext, BenchResult } from './bench.ts';

const MB = Number(process.env.TRANSFER_BENCH_MB ?? 100);
const PIECE_KIB = Number(process.env.TRANSFER_BENCH_PIECE_KIB ?? 1024);
const HEAP_MB = Number(process.env.TRANSFER_BENCH_HEAP_MB ?? 0);
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

/** (a) One RTCDataChannel, 64 KiB messages, the sender keeping ≤ 4 MiB buffered. Returns ms from first to last byte. */
async function rawDatachannel(browser: Browser, base: string, bytes: number): Promise<number> {
  const sender = await lab(browser, base, null);
  const receiver = await lab(browser, base, null);
  const offer = await sender.evaluate(async () => {
    const w = window as unknown as Record<string, unknown>;
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('bench', { ordered: true });
    dc.binaryType = 'arraybuffer';
    w.pc = pc;
    w.dc = dc;
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription?.toJSON();
  });
  const answer = await receiver.evaluate(async (o) => {
    const w = window as unknown as Record<string, unknown>;
    const pc = new RTCPeerConnection();
    w.pc = pc;
    w.got = new Promise<RTCDataChannel>((r) => (pc.ondatachannel = (e) => r(e.channel)));
    await pc.setRemoteDescription(o as RTCSessionDescriptionInit);
    await pc.setLocalDescription(await pc.createAnswer());
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription?.toJSON();
  }, offer);
  await sender.evaluate(async (a) => {
    const w = window as unknown as { pc: RTCPeerConnection; dc: RTCDataChannel };
    await w.pc.setRemoteDescription(a as RTCSessionDescriptionInit);
    if (w.dc.readyState !== 'open') await new Promise((r) => (w.dc.onopen = r));
  }, answer);
  const received = receiver.evaluate(async (total) => {
    const dc = await (window as unknown as { got: Promise<RTCDataChannel> }).got;
    dc.binaryType = 'arraybuffer';
    return new Promise<number>((r) => {
      let got = 0;
      let first = 0;
      dc.onmessage = (e: MessageEvent) => {
        if (got === 0) first = performance.now();
        got += (e.data as ArrayBuffer).byteLength;
        if (got >= total) r(performance.now() - first);
      };
    });
  }, bytes);
  await sender.evaluate(async (total) => {
    const dc = (window as unknown as { dc: RTCDataChannel }).dc;
    const chunk = new Uint8Array(64 * 1024);
    dc.bufferedAmountLowThreshold = 1024 * 1024;
    for (let sent = 0; sent < total; sent += chunk.length) {
      if (dc.bufferedAmount > 4 * 1024 * 1024) await new Promise((r) => (dc.onbufferedamountlow = r));
      dc.send(chunk.subarray(0, Math.min(chunk.length, total - sent)));
    }
  }, bytes);
  const ms = await received;
  await sender.context().close();
  await receiver.context().close();
  return ms;
}

/** (b) Plain WebTorrent, main thread, both sides. */
async function plainWebTorrent(browser: Browser, base: string, bytes: number): Promise<number> {
  const seeder = await lab(browser, base, null);
  const leecher = await lab(browser, base, null);
  const seeded = await seeder.evaluate((o) => window.seedpayLab.plainSeed(o), { size_bytes: bytes, seed: 5, name: 'bench.bin', piece_length: PIECE_KIB * 1024 });
  const result = await leecher.evaluate((o) => window.seedpayLab.plainDownload(o.t, o.timeout), { t: seeded.torrent_file_b64, timeout: TIMEOUT_MS });
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
async function seedpay(browser: Browser, base: string, bytes: number, speed: boolean, tag: string): Promise<SeedpayRun> {
  const provider = await lab(browser, base, speed
    ? { namespace: `bench-p-${tag}`, wallet: 'key', speed: { reserve_units_per_kib: '1' } }
    : { namespace: `bench-p-${tag}`, ledgerUrl: null });
  const requester = await lab(browser, base, speed ? { namespace: `bench-r-${tag}`, wallet: 'airdrop' } : { namespace: `bench-r-${tag}`, ledgerUrl: null });
  const seeded = await provider.evaluate((o) => window.seedpayLab.seedGenerated(o), { size_bytes: bytes, seed: 5, name: 'bench.bin', speed, piece_length: PIECE_KIB * 1024 });
  await requester.evaluate((o) => window.seedpayLab.addTorrentFile(o.t, o.speed), { t: seeded.torrent_file_b64, speed });
  let peakWorker = 0;
  let sampling = true;
  const heap = await workerHeap(browser, requester);
  const sampler = (async () => {
    while (sampling) {
      peakWorker = Math.max(peakWorker, await heap());
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const timed = await requester.evaluate((o) => window.seedpayLab.timeDownload(o.h, o.timeout), { h: seeded.info_hash, timeout: TIMEOUT_MS });
  sampling = false;
  await sampler;
  const digest = await requester.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash);
  if (digest !== seeded.sha256_hex) throw new Error('seedpay: hash mismatch');
  const status = await requester.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  if (speed && BigInt(status.paid_units) === 0n) throw new Error('seedpay: Speed on but nothing was paid');
  await provider.context().close();
  await requester.context().close();
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
  try {
    ctx.log(`(a) raw datachannel, ${MB} MiB`);
    const a = rate(await rawDatachannel(browser, server.url, bytes));
    ctx.log(`(b) plain WebTorrent on the main thread`);
    const b = rate(await plainWebTorrent(browser, server.url, bytes));
    ctx.log(`(c0) Seedpay worker peer, Speed off`);
    const c0 = await seedpay(browser, server.url, bytes, false, 'off');
    ctx.log(`(c) Seedpay worker peer, Speed on`);
    const c = await seedpay(browser, server.url, bytes, true, 'on');
    const results: BenchResult[] = [
      { name: '(a) raw RTCDataChannel', value: a, unit: 'MiB/s', note },
      { name: '(b) plain WebTorrent, main thread', value: b, unit: 'MiB/s', note },
      { name: '(c0) Seedpay worker peer, Speed off', value: rate(c0.ms), unit: 'MiB/s', note },
      { name: '(c) Seedpay worker peer, Speed on (paid per piece)', value: rate(c.ms), unit: 'MiB/s', note: `${note}; paid ${c.paid_units} units` },
      { name: 'ratio (c)/(b) (target ≥ 0.95)', value: rate(c.ms) / b, unit: '×' },
      { name: 'ratio (c)/(a) (target ≥ 0.6)', value: rate(c.ms) / a, unit: '×' },
      { name: 'ratio (c0)/(b): the relay alone', value: rate(c0.ms) / b, unit: '×' },
      { name: `peak JS heap, Seedpay requester (page + worker), ${MB} MiB`, value: c.peak_heap_bytes / MiB, unit: 'MiB' },
    ];
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

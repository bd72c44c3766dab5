// Streaming playback: time from play() to the first presented frame (requestVideoFrameCallback) for a 50 MB WebM
// that a second Chromium context seeds on loopback — the whole path: <video> range request → service worker →
// page bridge → peer worker → swarm → back. "cold": play() right after the torrent is added (finding and
// connecting the peer included); "connected": play() once a peer is connected. Also a seek to the middle → its
// first frame, mid-download. Needs a built app (dist/, or SEEDPAY_STATIC_DIR).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { chromiumArgs } from '../../playwright.config.ts';
import { startServer } from '../../src/server/main.ts';
import { percentile, type BenchContext, type BenchResult } from './bench.ts';

const TRIALS = Number(process.env.STREAM_BENCH_TRIALS ?? 3);
/** ≈ 50 MB: pixel-noise 640×360 VP8 at 14 Mbit/s for 30 s. */
const VIDEO = { seconds: 30, width: 640, height: 360, fps: 30, bitrate_bps: 14_000_000, noise: 1 };
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

async function openLab(browser: Browser | BrowserContext, base: string, namespace: string): Promise<Page> {
  const page = await ('newContext' in browser ? await browser.newContext() : browser).newPage();
  await page.goto(`${base}/stream-lab.html`);
  await page.waitForFunction(() => 'seedpayStream' in window);
  await page.evaluate((ns) => window.seedpayStream.start({ namespace: ns }), namespace);
  return page;
}

interface Trial {
  play_to_frame_ms: number;
  seek_to_frame_ms: number;
  progress_at_play: number;
  progress_at_seek: number;
}

async function trial(browser: Browser, base: string, torrent_b64: string, info_hash: string, name: string, connected: boolean): Promise<Trial> {
  const viewer = await openLab(browser, base, name);
  try {
    await viewer.evaluate((t) => window.seedpayStream.addTorrentFile(t), torrent_b64);
    await viewer.evaluate((h) => window.seedpayStream.mountPlayer(h, { muted: true }), info_hash);
    if (connected) {
      await viewer.waitForFunction(async (h) => (await window.seedpayStream.status(h)).num_peers > 0, info_hash, { timeout: 30_000, polling: 20 });
    }
    const progress_at_play = (await viewer.evaluate((h) => window.seedpayStream.status(h), info_hash)).progress;
    const frameAfter = (action: 'play' | 'seek') =>
      viewer.evaluate(async (what) => {
        const v = document.querySelector('video') as HTMLVideoElement;
        const started = performance.now();
        const frame = new Promise<number>((r) => v.requestVideoFrameCallback(() => r(performance.now())));
        if (what === 'play') await v.play();
        else v.currentTime = v.duration / 2;
        return (await frame) - started;
      }, action);
    const play_to_frame_ms = await frameAfter('play');
    const progress_at_seek = (await viewer.evaluate((h) => window.seedpayStream.status(h), info_hash)).progress;
    const seek_to_frame_ms = await frameAfter('seek');
    return { play_to_frame_ms, seek_to_frame_ms, progress_at_play, progress_at_seek };
  } finally {
    await viewer.context().close();
  }
}

export default async function streamBench(ctx: BenchContext): Promise<BenchResult[]> {
  const staticDir = resolve(process.env.SEEDPAY_STATIC_DIR ?? 'dist');
  if (!existsSync(join(staticDir, 'stream-lab.html'))) throw new Error(`no built app with stream-lab.html in ${staticDir}: run "npm run build" first`);
  const dataDir = mkdtempSync(join(tmpdir(), 'seedpay-stream-bench-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, staticDir });
  const browser = await chromium.launch({ headless: true, args: chromiumArgs, ...(existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM } : {}) });
  try {
    // The video is made once and shared through Cache Storage with one fresh seeder page per viewer: the peer's
    // provider does not unchoke a second requester once the first left (reported to the peer's owner).
    const seeders = await browser.newContext();
    const maker = await openLab(seeders, server.url, 'bench-maker');
    const video = await maker.evaluate((spec) => window.seedpayStream.generateVideo(spec), VIDEO);
    await maker.evaluate(() => window.seedpayStream.shareVideo());
    await maker.close();
    ctx.log(`video: ${(video.size_bytes / 1e6).toFixed(1)} MB, ${VIDEO.seconds} s, encoded in ${(video.generate_ms / 1000).toFixed(1)} s`);
    const results: Record<'cold' | 'connected', Trial[]> = { cold: [], connected: [] };
    const failures: string[] = [];
    for (let i = 0; i < TRIALS; i++) {
      for (const mode of ['cold', 'connected'] as const) {
        const seeder = await openLab(seeders, server.url, `bench-seeder-${mode}-${i}`);
        await seeder.evaluate(() => window.seedpayStream.loadSharedVideo());
        const seeded = await seeder.evaluate(() => window.seedpayStream.seedVideo({ name: 'bench-50mb.webm' }));
        let t: Trial;
        try {
          t = await trial(browser, server.url, seeded.torrent_file_b64, seeded.info_hash, `bench-${mode}-${i}`, mode === 'connected');
        } catch (error) {
          failures.push(`${mode} ${i + 1}: ${(error as Error).message.split('\n')[0]}`);
          ctx.log(`${mode} ${i + 1}: FAILED ${failures[failures.length - 1]}`);
          continue;
        } finally {
          await seeder.evaluate((h) => window.seedpayStream.remove(h), seeded.info_hash).catch(() => {});
          await seeder.close();
        }
        ctx.log(`${mode} ${i + 1}: play→frame ${t.play_to_frame_ms.toFixed(0)} ms (at ${(t.progress_at_play * 100).toFixed(1)} % downloaded), ` +
          `seek→frame ${t.seek_to_frame_ms.toFixed(0)} ms (at ${(t.progress_at_seek * 100).toFixed(0)} %); ${seeded.piece_count} pieces of ${seeded.piece_length / 1024} KiB`);
        results[mode].push(t);
      }
    }
    const median = (list: Trial[], pick: (t: Trial) => number) => percentile(list.map(pick).sort((a, b) => a - b), 50);
    if (results.cold.length + results.connected.length === 0) throw new Error(`every trial failed: ${failures.join('; ')}`);
    const note = `${(video.size_bytes / 1e6).toFixed(0)} MB WebM, loopback, median of ${TRIALS} per mode` + (failures.length ? `, ${failures.length} failed trial(s)` : '');
    return [
      { name: 'stream: play → first frame, cold (peer connect included)', value: median(results.cold, (t) => t.play_to_frame_ms), unit: 'ms', note },
      { name: 'stream: play → first frame, peer connected', value: median(results.connected, (t) => t.play_to_frame_ms), unit: 'ms', note },
      { name: 'stream: seek to the middle → first frame, mid-download', value: median([...results.cold, ...results.connected], (t) => t.seek_to_frame_ms), unit: 'ms', note },
    ];
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// The Node peer's throughput to a browser (issue 19), each mode against a plain WebTorrent seeder in the same run:
// (w) a plain WebTorrent seeder in Node (webtorrent's Node build, @roamhq/wrtc; no Speed) → the browser's Seedpay peer,
// (n) the Node provider (`npm run provide`, Speed on, paid per piece) → the browser, and
// (t) the bridge: a plain TCP-only WebTorrent seeder → the Node provider over TCP → the browser over WebRTC, paid; the
//     bridge starts empty with the browser, so its TCP fetch and its WebRTC serving overlap.
// Every peer in Node is a process of its own; the requester is the lab page (Speed on, airdrop-funded) in a fresh
// Chromium context per run; timed at the browser from its first byte to its last. Median of RUNS (modes interleaved).
// Needs a built app (dist/, or SEEDPAY_STATIC_DIR). Env: BRIDGE_BENCH_MB (default 16), BRIDGE_BENCH_PIECE_KIB (default
// 1024), BRIDGE_BENCH_RUNS (default 3), BRIDGE_BENCH_MODES (e.g. w,n,t; default all).
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { chromiumArgs } from '../../playwright.config.ts';
import { startServer } from '../../src/server/main.ts';
import { Children, freePort, spawnProvider, type Spawned } from '../e2e/process-helpers.ts';
import type { BenchContext, BenchResult } from './bench.ts';

const MB = Number(process.env.BRIDGE_BENCH_MB ?? 16);
const PIECE_KIB = Number(process.env.BRIDGE_BENCH_PIECE_KIB ?? 1024);
const RUNS = Number(process.env.BRIDGE_BENCH_RUNS ?? 3);
const MODES = (process.env.BRIDGE_BENCH_MODES ?? '').split(',').filter(Boolean);
const MiB = 1024 * 1024;
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
/** One download, and a Node peer's start (tsx, wallet, hashing), may take this long before the run fails. */
const DOWNLOAD_TIMEOUT_MS = 3 * 60_000;
const START_TIMEOUT_MS = 60_000;
const SEEDER = 'test/bench/helpers/plain-node-seeder.ts';

async function outputMatch(p: Spawned, pattern: RegExp): Promise<RegExpExecArray> {
  const end = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const m = pattern.exec(p.out());
    if (m) return m;
    if (Date.now() > end || p.child.exitCode !== null) throw new Error(`no ${pattern} in:\n${p.out().slice(-2000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The browser requester downloads the magnet; ms from its first byte to its last, checked against the file's hash. */
async function download(browser: Browser, base: string, magnet: string, tag: string, sha256_hex: string, paid: boolean): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${base}/lab.html`);
    await page.waitForFunction(() => 'seedpayLab' in window);
    await page.evaluate((o) => window.seedpayLab.start(o), { namespace: `bridge-bench-${tag}`, wallet: 'airdrop' as const, speed: { choke_round_ms: 2000 } });
    const info_hash = /xt=urn:btih:([0-9a-f]{40})/i.exec(magnet)?.[1]?.toLowerCase() ?? '';
    // Timing starts listening before the add: a magnet's pieces may flow as soon as its metadata is in.
    const timed = page.evaluate((o) => window.seedpayLab.timeDownload(o.h, o.timeout), { h: info_hash, timeout: DOWNLOAD_TIMEOUT_MS });
    await page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    const { first_byte_to_done_ms } = await timed.catch(async (error: unknown) => {
      // A stalled run says where it stood: what the browser had, from how many peers.
      const s = await page.evaluate((h) => window.seedpayLab.status(h), info_hash).catch(() => null);
      const where = s ? `progress ${(s.progress * 100).toFixed(1)} %, ${s.num_peers} peer(s), paid ${s.paid_units} units` : 'no status';
      throw new Error(`${tag}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)} (${where})`);
    });
    if ((await page.evaluate((h) => window.seedpayLab.digest(h), info_hash)) !== sha256_hex) throw new Error(`${tag}: hash mismatch`);
    const status = await page.evaluate((h) => window.seedpayLab.status(h), info_hash);
    if (paid !== BigInt(status.paid_units) > 0n) throw new Error(`${tag}: expected ${paid ? 'a paid' : 'a free'} download, paid ${status.paid_units} units`);
    return first_byte_to_done_ms;
  } finally {
    await context.close();
  }
}

export default async function bridgeBench(ctx: BenchContext): Promise<BenchResult[]> {
  const staticDir = resolve(process.env.SEEDPAY_STATIC_DIR ?? 'dist');
  if (!existsSync(join(staticDir, 'lab.html'))) {
    ctx.log('skipped: no built app (run `npm run build` first)');
    return [];
  }
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-bridge-bench-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), staticDir });
  const tracker = `${server.url.replace(/^http/, 'ws')}/announce`;
  const browser = await chromium.launch({ ...(existsSync(DEBIAN_CHROMIUM) ? { executablePath: DEBIAN_CHROMIUM } : {}), args: chromiumArgs });
  const children = new Children();
  const env = { ...process.env, SEEDPAY_VERBOSE: '' };
  try {
    // One content, one copy per mode under its own name: a torrent's name is in its info hash, so the browser of one
    // mode never finds the peers of another.
    const content = randomBytes(MB * MiB);
    const sha256_hex = createHash('sha256').update(content).digest('hex');
    writeFileSync(join(dir, 'w.bin'), content);
    for (const copy of ['n.bin', 't.bin']) copyFileSync(join(dir, 'w.bin'), join(dir, copy));
    const seeder = async (file: string, tcpOnly: boolean) => {
      const port = await freePort();
      const args = ['--import', 'tsx', SEEDER, join(dir, file), tracker, String(PIECE_KIB), String(port), ...(tcpOnly ? ['--tcp-only'] : [])];
      const p = children.spawn(process.execPath, args);
      return { port, magnet: (await outputMatch(p, /magnet:\?\S+/))[0] };
    };
    const plain = await seeder('w.bin', false);
    const tcpSource = await seeder('t.bin', true);
    const provider = spawnProvider(children, server.url, join(dir, 'provider'), 'bridge bench password', ['--reserve', '1', '--interval', '60', '--piece-kib', String(PIECE_KIB), join(dir, 'n.bin')], env);
    const providerMagnet = (await outputMatch(provider, /magnet:\?\S+/))[0];
    let bridges = 0;
    const modes: Array<{ key: string; name: string; run: (tag: string) => Promise<number> }> = [
      { key: 'w', name: '(w) plain WebTorrent seeder in Node → browser', run: (tag: string) => download(browser, server.url, plain.magnet, tag, sha256_hex, false) },
      { key: 'n', name: '(n) Node provider → browser, paid per piece', run: (tag: string) => download(browser, server.url, providerMagnet, tag, sha256_hex, true) },
      { key: 't', name: '(t) bridge: TCP seeder → Node provider → browser, paid', run: async (tag: string) => {
        const bridge = spawnProvider(children, server.url, join(dir, `bridge-${++bridges}`), 'bridge bench password', ['--reserve', '1', '--interval', '60', '--no-utp', `${tcpSource.magnet}&x.pe=127.0.0.1:${tcpSource.port}`], env);
        try {
          // The browser joins as the bridge starts, before it has the metadata: the bridge offers it again once it
          // has it (node-peer.ts, offerMetadataAgain), so the two overlap from the start.
          return await download(browser, server.url, tcpSource.magnet, tag, sha256_hex, true);
        } finally {
          bridge.child.kill('SIGKILL');
          await bridge.exited;
        }
      } },
    ].filter((m) => MODES.length === 0 || MODES.includes(m.key));
    const runs = new Map<string, Array<{ mib_s: number; load: number }>>();
    const failed = new Map<string, number>();
    for (let i = 0; i < RUNS; i++) {
      for (const mode of modes) {
        const load = loadavg()[0] ?? 0;
        try {
          const mib_s = MB / ((await mode.run(`${mode.key}-${i}`)) / 1000);
          ctx.log(`${mode.name} run ${i + 1}: ${mib_s.toFixed(2)} MiB/s, load average ${load.toFixed(2)}`);
          runs.set(mode.key, [...(runs.get(mode.key) ?? []), { mib_s, load }]);
        } catch (error) {
          // One stalled download is a finding, not the end of the run: it is counted in the mode's note.
          ctx.log(`${mode.name} run ${i + 1}: FAILED at load average ${load.toFixed(2)}: ${(error as Error).message.split('\n')[0]}`);
          failed.set(mode.key, (failed.get(mode.key) ?? 0) + 1);
        }
      }
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
    const med = (key: string) => median((runs.get(key) ?? []).map((r) => r.mib_s));
    const results: BenchResult[] = modes.map((mode) => {
      const rs = runs.get(mode.key) ?? [];
      const mib = rs.map((r) => r.mib_s);
      const fails = failed.get(mode.key) ? `, ${failed.get(mode.key)} run(s) failed` : '';
      const note = `${MB} MiB, ${PIECE_KIB} KiB pieces, loopback, first byte to last; median of ${rs.length}${fails}, min ${Math.min(...mib).toFixed(2)}, max ${Math.max(...mib).toFixed(2)}; load average ${rs.map((r) => r.load.toFixed(1)).join('/')}`;
      return { name: mode.name, value: med(mode.key), unit: 'MiB/s', note };
    });
    if (runs.has('n') && runs.has('w')) results.push({ name: 'ratio (n)/(w): Node provider vs plain seeder', value: med('n') / med('w'), unit: '×' });
    if (runs.has('t') && runs.has('w')) results.push({ name: 'ratio (t)/(w): bridge vs plain seeder', value: med('t') / med('w'), unit: '×' });
    return results;
  } finally {
    children.stopAll();
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

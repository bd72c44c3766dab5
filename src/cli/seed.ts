// `npm run seed -- <file…>`: seeds files from a terminal, as a Seedpay provider that earns for what it uploads.
//
// WebRTC does not run in Node on this project's machines (node-datachannel's install script downloads a prebuilt
// binary from GitHub), so the headless peer is the same worker peer the app runs, inside headless Chromium driven
// by Playwright: one persistent browser profile per seeder keeps the payment key, the torrents and their pieces, so a
// restart resumes seeding without re-hashing. It talks to a running `npm start` (ledger, tracker) and prints the
// magnet links, then a status line every few seconds until Ctrl-C. With --earn it also follows the demand board
// (earn.ts): it joins the CDN torrents that pay best per byte of its storage budget and drops them when demand fades.
import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from '@playwright/test';
import type { AcceptPolicy } from '../protocol/earn-plan.ts';
import { formatBtt } from '../protocol/money.ts';
import { chromiumArgs, chromiumExecutable } from './chromium.ts';
import { EarnLoop } from './earn.ts';

const USAGE = `usage: npm run seed -- [options] <file> [file…]

Seeds the files as one torrent (or resumes what this profile seeded before, with no files) and sells upload to
Speed requesters. Needs a running Seedpay server (npm start).

options:
  --server <url>      Seedpay server (default http://127.0.0.1:8080)
  --profile <dir>     browser profile holding the key, torrents and pieces (default ./data/seeder)
  --name <name>       torrent name (default: the file's name, or the first file's folder)
  --reserve <units>   lowest price accepted, in base units per KiB (default 1)
  --no-speed          seed as a plain BitTorrent peer (no payments)
  --interval <s>      seconds between status lines (default 5)

earn mode (docs/cdn-links.md): serve what the demand board shows is wanted, within a storage budget
  --earn              poll the board, join the CDN torrents that pay best per byte stored, drop faded ones
  --budget <MiB>      storage lent to other people's content (default 1024); your own torrents are never dropped
  --upload-limit <KiB/s>  upload cap over every torrent (default: none)
  --accept-origin <origin>   only content whose web seed is on this origin (repeatable; default: any content)
  --accept-info-hash <hex>   and/or only these torrents (repeatable)
  --poll <s>          seconds between board reads (default 10)`;

/** While hashing, a line this often. */
const HASHING_TICK_MS = 5000;
/** Status lines stop after this many consecutive failures to read the page (the browser is gone). */
const MAX_STATUS_FAILURES = 3;

interface Options {
  server: string;
  profile: string;
  name: string | null;
  reserve: string;
  speed: boolean;
  interval_s: number;
  files: string[];
  earn: ReturnType<typeof earnOptions> | null;
}

function options(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string', default: 'http://127.0.0.1:8080' },
      profile: { type: 'string', default: './data/seeder' },
      name: { type: 'string' },
      reserve: { type: 'string', default: '1' },
      'no-speed': { type: 'boolean', default: false },
      interval: { type: 'string', default: '5' },
      earn: { type: 'boolean', default: false },
      budget: { type: 'string', default: '1024' },
      'upload-limit': { type: 'string' },
      'accept-origin': { type: 'string', multiple: true, default: [] },
      'accept-info-hash': { type: 'string', multiple: true, default: [] },
      poll: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const server = values.server.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(server)) throw new Error(`--server must be an http(s) origin, not ${values.server}`);
  if (!/^\d{1,19}$/.test(values.reserve)) throw new Error('--reserve must be a whole number of base units per KiB');
  const interval_s = Number(values.interval);
  if (!Number.isFinite(interval_s) || interval_s < 1) throw new Error('--interval must be at least 1 second');
  return {
    earn: values.earn ? earnOptions(values) : null,
    server,
    profile: resolve(values.profile),
    name: values.name ?? null,
    reserve: values.reserve,
    speed: !values['no-speed'],
    interval_s,
    files: positionals.map((file) => resolve(file)),
  };
}

function earnOptions(values: { budget: string; 'upload-limit'?: string; 'accept-origin': string[]; 'accept-info-hash': string[]; poll: string }) {
  const budget_mib = Number(values.budget);
  if (!Number.isFinite(budget_mib) || budget_mib <= 0) throw new Error('--budget must be a positive number of MiB');
  const limit_kib = values['upload-limit'] === undefined ? null : Number(values['upload-limit']);
  if (limit_kib !== null && (!Number.isFinite(limit_kib) || limit_kib <= 0)) throw new Error('--upload-limit must be a positive number of KiB/s');
  const poll_s = Number(values.poll);
  if (!Number.isFinite(poll_s) || poll_s < 1) throw new Error('--poll must be at least 1 second');
  const origins = values['accept-origin'].map((o) => {
    const url = new URL(o);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--accept-origin must be http(s): ${o}`);
    return url.origin;
  });
  const info_hashes = values['accept-info-hash'].map((h) => h.toLowerCase());
  if (info_hashes.some((h) => !/^[0-9a-f]{40}$/.test(h))) throw new Error('--accept-info-hash takes 40 hex digits');
  const accept: AcceptPolicy = origins.length + info_hashes.length === 0 ? { kind: 'any' } : { kind: 'listed', origins, info_hashes };
  return {
    budget_bytes: Math.floor(budget_mib * 1024 * 1024),
    // The planner needs a figure: without a limit it assumes 100 MiB/s, far above what a browser peer uploads.
    upload_limit_bytes_per_s: limit_kib === null ? 100 * 1024 * 1024 : Math.floor(limit_kib * 1024),
    speed_upload_limit_bytes_per_s: limit_kib === null ? null : Math.floor(limit_kib * 1024),
    accept,
    poll_s,
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const btt = (units: string) => `${formatBtt(BigInt(units))} BTT`;

/** One line per torrent; the torrents are read once at start (their .torrent bytes need not cross every tick). */
async function status(page: Page, torrents: readonly { name: string; info_hash: string }[]): Promise<string> {
  const lines = await Promise.all(
    torrents.map(async (t) => ({ name: t.name, s: await page.evaluate((h) => window.seedpayLab.status(h), t.info_hash) })),
  );
  return lines
    .map(({ name, s }) => `${name}: ${s.num_peers} peer(s), uploaded ${mib(s.uploaded)}, earned ${btt(s.earned_units)}`)
    .join('\n');
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  mkdirSync(o.profile, { recursive: true });
  const executablePath = chromiumExecutable();
  const context = await chromium.launchPersistentContext(o.profile, {
    headless: true,
    args: chromiumArgs,
    // Our own handlers close the profile cleanly (Playwright's would exit 130 before the pieces' state is flushed).
    handleSIGINT: false,
    handleSIGTERM: false,
    ...(executablePath ? { executablePath } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${o.server}/lab.html`);
  await page.waitForFunction(() => 'seedpayLab' in window, undefined, { timeout: 30_000 });
  // In earn mode the peer only sells: it fetches what it serves from the web seed and peers without bidding, so its
  // own downloads put no demand on the board.
  const speed: Record<string, string | number | boolean | null> = { reserve_units_per_kib: o.reserve };
  if (o.earn) speed.bidding = false;
  if (o.earn?.speed_upload_limit_bytes_per_s) speed.upload_limit_bytes_per_s = o.earn.speed_upload_limit_bytes_per_s;
  const peerId = await page.evaluate(
    (x) => window.seedpayLab.start({ namespace: 'seeder', wallet: x.useSpeed ? 'key' : 'none', speed: x.speed }),
    { useSpeed: o.speed, speed },
  );
  const key = await page.evaluate(() => window.seedpayLab.paymentKey());
  console.log(`peer ${peerId}${key ? `, payment key ${key} (earnings go to this ledger account)` : ', Speed off'}`);

  if (o.files.length > 0) {
    await page.evaluate(() => {
      const input = document.createElement('input');
      input.type = 'file';
      input.multiple = true;
      input.id = 'seed-files';
      input.hidden = true;
      document.body.append(input);
    });
    await page.setInputFiles('#seed-files', o.files);
    const total = o.files.reduce((sum, file) => sum + statSync(file).size, 0);
    console.log(`hashing ${o.files.length} file(s), ${mib(total)}…`);
    const started = Date.now();
    // Hashing reports no progress of its own: say it is still working, so a large file does not look hung.
    const ticker = setInterval(() => console.log(`  still hashing, ${Math.round((Date.now() - started) / 1000)} s`), HASHING_TICK_MS);
    const torrent = await page
      .evaluate(
        (x) => window.seedpayLab.seedInput('#seed-files', { speed: x.speed, ...(x.name ? { name: x.name } : {}) }),
        { speed: o.speed, name: o.name },
      )
      .finally(() => clearInterval(ticker));
    console.log(`seeding ${torrent.name} (${mib(torrent.length)}, ${torrent.piece_count} pieces, hashed in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  const torrents = await page.evaluate(() => window.seedpayLab.list());
  if (torrents.length === 0 && !o.earn) throw new Error('nothing to seed: name files, or use a profile that seeded before');
  for (const t of torrents) console.log(`${t.name}\n  info hash ${t.info_hash}\n  ${t.magnet_uri}`);
  let earn: EarnLoop | null = null;
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  if (o.earn) {
    const e = o.earn;
    if (!o.speed) throw new Error('--earn needs Speed (drop --no-speed): earn mode is paid');
    const loop = new EarnLoop(page, { ...e, server: o.server, profile: o.profile }, (line) => console.log(line));
    earn = loop;
    const policy = e.accept.kind === 'any' ? 'any content' : `only ${[...e.accept.origins, ...e.accept.info_hashes].join(', ')}`;
    console.log(`earn mode: budget ${mib(e.budget_bytes)}, ${policy}, board read every ${e.poll_s} s`);
    void loop.tick();
    pollTimer = setInterval(() => void loop.tick(), e.poll_s * 1000);
  }

  let failures = 0;
  const timer = setInterval(() => {
    Promise.all([status(page, torrents), earn ? earn.status() : []]).then(
      ([text, earnLines]) => {
        failures = 0;
        const stamp = `[${new Date().toISOString().slice(11, 19)}]`;
        if (text) console.log(`${stamp} ${text}`);
        for (const line of earnLines) console.log(`${stamp} ${line}`);
      },
      (error: unknown) => {
        if (++failures >= MAX_STATUS_FAILURES) {
          console.error(`the seeder's browser stopped answering: ${String(error)}`);
          process.exit(1);
        }
      },
    );
  }, o.interval_s * 1000);
  const stop = () => {
    clearInterval(timer);
    if (pollTimer) clearInterval(pollTimer);
    console.log('stopping; run again with the same --profile to resume');
    void context.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

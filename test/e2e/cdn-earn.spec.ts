// The paid CDN end to end (issue 17): a publisher's loopback origin, paced to 200 KiB/s, holds a 4 MiB file; its
// CDN link (`npm run cdn`) has a web seed and no seeding peer. A Speed requester starts; an earn-mode provider
// (`npm run seed -- --earn`, the Node peer) sees the demand on the board, joins, fetches and serves it at
// a price, the first requester buying part of the file from it. A second requester then finishes far sooner than a
// control that uses only the web seed, and the provider's ledger balance rises. Hashes match. (Four more requesters
// and the origin stopped: cdn-origin.spec.ts.)
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { bdecode, bencode } from '../../src/protocol/messages-bencode.ts';
import { baseUrl, openLab, requesterOptions, type LabTab } from './peer-helpers.ts';
import { startOrigin } from './cdn-origin.ts';

const MiB = 1024 * 1024;
const FILE_BYTES = 4 * MiB;
const ORIGIN_BYTES_PER_S = 200 * 1024;

function run(args: string[]) {
  const env = { ...process.env, SEEDPAY_PASSWORD: 'earn password 1' }; // the seeder's key file (cdn ignores it)
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const log = { out: '' };
  child.stdout.on('data', (chunk: Buffer) => (log.out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log.out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, log, exited };
}

/** The same torrent (same info hash) with only `web_seed` and no tracker: a client that can use nothing but the origin. */
function webSeedOnly(torrent_file: Uint8Array, web_seed: string): string {
  const decoded = bdecode(torrent_file, { max_string_bytes: MiB, max_depth: 4, max_items: 4096 });
  if (!decoded.ok || !(decoded.value instanceof Map)) throw new Error('bad torrent');
  const root = new Map(decoded.value);
  root.delete('announce');
  root.set('url-list', [new TextEncoder().encode(web_seed)]);
  return Buffer.from(bencode(root)).toString('base64');
}

async function timedDownload(tab: LabTab, add: () => Promise<{ info_hash: string }>): Promise<{ info_hash: string; ms: number }> {
  const started = Date.now();
  const t = await add();
  await tab.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), t.info_hash);
  return { info_hash: t.info_hash, ms: Date.now() - started };
}

async function requester(browser: Browser, name: string, magnet: string, sha256: string) {
  const tab = await openLab(browser, requesterOptions(name));
  const done = await timedDownload(tab, () => tab.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet));
  expect(await tab.page.evaluate((h) => window.seedpayLab.digest(h), done.info_hash)).toBe(sha256);
  return { tab, ...done };
}

test('earn mode: a provider follows the board to a web-seeded torrent and serves it for pay, faster than the origin', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-cdn-earn-'));
  const content = randomBytes(FILE_BYTES);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const origin = await startOrigin('/media/show.bin', content, 0);
  const provider = run(['src/cli/seed.ts', '--server', baseUrl(), '--profile', join(dir, 'provider'), '--earn', '--budget', '64',
    '--poll', '1', '--interval', '1', '--reserve', '100']);
  const tabs: LabTab[] = [];
  try {
    // The publisher: its CDN link, hashed at full speed; from then on the origin is slow.
    const cdn = run(['src/cli/cdn.ts', '--server', baseUrl(), '--out', join(dir, 'show.torrent'), origin.url]);
    expect(await cdn.exited, cdn.log.out).toBe(0);
    const magnet = /^magnet (magnet:\?\S+)$/m.exec(cdn.log.out)?.[1] as string;
    const torrent_file = new Uint8Array(readFileSync(join(dir, 'show.torrent')));
    origin.setRate(ORIGIN_BYTES_PER_S);
    const published_bytes = origin.served_bytes('*');

    await expect.poll(() => /payment key ([0-9a-f]{64})/.exec(provider.log.out)?.[1] ?? null, { timeout: 60_000 }).not.toBeNull();
    const providerKey = /payment key ([0-9a-f]{64})/.exec(provider.log.out)?.[1] as string;
    await expect.poll(() => provider.log.out.includes('earn mode: budget 64.0 MiB, any content, board read every 1 s')).toBe(true);
    const balance = async () => {
      const r = await request.get(`${baseUrl()}/ledger/accounts/${providerKey}`);
      return r.ok() ? BigInt(((await r.json()) as { balance_units: string }).balance_units) : 0n;
    };
    const balanceBefore = await balance();

    // The first requester: its bid reaches the board, the provider joins and serves it.
    const first = await requester(browser, 'cdn-earn-r1', magnet, sha256);
    tabs.push(first.tab);
    expect(provider.log.out).toMatch(/earn: join show\.bin \([0-9a-f]{12}\): median bid \d+ units\/KiB/);
    const firstFromProvider = await first.tab.page.evaluate((h) => window.seedpayLab.status(h), first.info_hash);
    // The provider fetched rarest first beside the requester (not the same pieces in the same order), so it had
    // pieces the requester lacked and sold them: the first requester bought part of the file from it.
    expect(firstFromProvider.paid_bytes).toBeGreaterThan(0);
    await expect.poll(() => /earn show\.bin: 100 %/.test(provider.log.out), { timeout: 60_000 }).toBe(true);

    // A second requester races a control that can use only the origin (an alias URL, counted apart; no tracker).
    const control = await openLab(browser, { namespace: 'cdn-earn-control', wallet: 'none', trackerUrls: ['ws://127.0.0.1:9/announce'] });
    tabs.push(control);
    const controlTorrent = webSeedOnly(torrent_file, `${origin.url}?control`);
    const [second, controlRun] = await Promise.all([
      requester(browser, 'cdn-earn-r2', magnet, sha256),
      timedDownload(control, () => control.page.evaluate((b64) => window.seedpayLab.addTorrentFile(b64, false), controlTorrent)),
    ]);
    tabs.push(second.tab);
    expect(await control.page.evaluate((h) => window.seedpayLab.digest(h), controlRun.info_hash)).toBe(sha256);
    const origin_for_cdn = origin.served_bytes('') - published_bytes;
    console.log(`first requester ${first.ms} ms (paid ${firstFromProvider.paid_bytes} B, free ${firstFromProvider.free_bytes} B); ` +
      `second ${second.ms} ms vs web-seed-only control ${controlRun.ms} ms; origin served ${origin_for_cdn} B to the CDN ` +
      `(${(origin_for_cdn / FILE_BYTES).toFixed(2)}x the file) and ${origin.served_bytes('control')} B to the control`);
    expect(second.ms * 2).toBeLessThan(controlRun.ms);
    expect(origin.served_bytes('control')).toBeGreaterThanOrEqual(FILE_BYTES);

    // The provider was paid: its ledger balance rises once the channels close, and its status shows what it earned.
    await expect.poll(balance, { timeout: 60_000 }).toBeGreaterThan(balanceBefore);
    expect(provider.log.out).toMatch(/earn show\.bin: 100 %, \d+ peer\(s\), uploaded [\d.]+ MiB, earned (?!0 BTT)[\d.]+ BTT/);

    provider.child.kill('SIGINT');
    expect(await provider.exited).toBe(0);
  } finally {
    for (const tab of tabs) await tab.context.close();
    if (provider.child.exitCode === null) provider.child.kill('SIGKILL');
    await origin.stop();
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); // the provider may still be closing files
  }
});

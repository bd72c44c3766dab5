// CDN links (`npm run cdn -- <url>`): a file on a publisher's loopback origin becomes a torrent whose web seed is
// that URL; a Speed requester with NO seeding peer opens the printed magnet (metadata from the server's catalogue,
// xs=) and downloads the file from the web seed alone, intact.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { baseUrl, openLab, requesterOptions } from './peer-helpers.ts';
import { startOrigin } from './cdn-origin.ts';

const MiB = 1024 * 1024;

function runCdn(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/cdn.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

test('npm run cdn: a requester with no seeding peer downloads the file from its web seed alone', async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-cdn-link-'));
  const content = randomBytes(3 * MiB);
  const origin = await startOrigin('/media/clip.bin', content, 2 * MiB);
  try {
    const { code, out } = await runCdn(['--server', baseUrl(), '--out', join(dir, 'clip.torrent'), origin.url]);
    expect(code, out).toBe(0);
    expect(out).not.toContain('warning:');
    const sha256 = createHash('sha256').update(content).digest('hex');
    expect(out).toContain(`sha256 ${sha256}`);
    const magnet = /^magnet (magnet:\?\S+)$/m.exec(out)?.[1] as string;
    expect(new URL(magnet).searchParams.get('ws')).toBe(origin.url);
    expect(out).toContain(`<seedpay-player magnet="${magnet.replace(/&/g, '&amp;')}"></seedpay-player>`);
    expect(readFileSync(join(dir, 'clip.torrent')).length).toBeGreaterThan(0);
    const hashing = origin.served_bytes();
    expect(hashing).toBe(content.length + 1); // the CLI read the file once, and probed one byte with Range

    const requester = await openLab(browser, requesterOptions('cdn-link-requester'));
    const torrent = await requester.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    expect(torrent.length).toBe(content.length);
    const done = await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 60_000), torrent.info_hash);
    expect(done.num_peers).toBeLessThanOrEqual(1); // the web seed is its only "peer"
    expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), torrent.info_hash)).toBe(sha256);
    expect(origin.served_bytes() - hashing).toBeGreaterThanOrEqual(content.length);
    expect(requester.errors).toEqual([]);
    await requester.context.close();
  } finally {
    await origin.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run cdn refuses a URL, a piece length or an origin it cannot use', async () => {
  expect((await runCdn(['ftp://127.0.0.1/x'])).code).toBe(1);
  expect((await runCdn(['--server', baseUrl(), '--piece-length', '1000', 'http://127.0.0.1:9/x'])).code).toBe(1);
  expect((await runCdn(['--name', 'a/b', 'http://127.0.0.1:9/x'])).code).toBe(1);
  const missing = await runCdn(['--server', baseUrl(), '--no-register', 'http://127.0.0.1:9/x']); // nothing listens on port 9
  expect(missing.code).toBe(1);
});

// The terminal seeder (`npm run seed`): a real Node process (the Node peer, no browser) that makes its encrypted key
// file on the first run, seeds a file from disk, prints the magnet and its status; a paying requester in the browser
// downloads it intact, and the seeder's status line shows what it earned. Ctrl-C (SIGINT) stops it cleanly.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { baseUrl, openLab, requesterOptions, waitForWallet } from './peer-helpers.ts';

test('npm run seed: a file seeded from the terminal is bought and downloaded intact by a browser', async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-cli-'));
  const file = join(dir, 'from-terminal.bin');
  const content = randomBytes(3 * 1024 * 1024);
  writeFileSync(file, content);
  const seeder = spawn(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts', '--server', baseUrl(), '--profile', join(dir, 'profile'), '--reserve', '50', '--interval', '1', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SEEDPAY_PASSWORD: 'seeder password 1' },
  });
  let out = '';
  seeder.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  seeder.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => seeder.once('exit', (code) => resolve(code)));
  try {
    await expect.poll(() => /magnet:\?\S+/.exec(out)?.[0] ?? null, { timeout: 90_000 }).not.toBeNull();
    const magnet = /magnet:\?\S+/.exec(out)?.[0] as string;
    expect(out).toMatch(/payment key [0-9a-f]{64}/);
    expect(out).toContain(`created a new wallet in ${join(dir, 'profile', 'wallet.json')}`);
    expect(out).not.toContain('seeder password 1');

    const requester = await openLab(browser, requesterOptions('cli-requester'));
    const torrent = await requester.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    await waitForWallet(requester, 'payment_sent', 60_000);
    await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), torrent.info_hash);
    expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), torrent.info_hash)).toBe(createHash('sha256').update(content).digest('hex'));

    // The seeder closes the channel once the requester is done; its status line then shows the earnings.
    await expect.poll(() => /earned (\d[\d,.]*) BTT\s*$/.exec(out.trimEnd())?.[1] ?? '0', { timeout: 60_000 }).not.toMatch(/^0(\.0*)?$/);
    await requester.context.close();

    seeder.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('run again with the same --profile to resume');
  } finally {
    if (seeder.exitCode === null) seeder.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

// The Node provider (`npm run provide`): a real Node process — no browser — with WebRTC from @roamhq/wrtc, its key
// from an encrypted key file, seeding a file in place. A paying browser requester buys it over WebRTC and gets it
// intact; after Ctrl-C the provider closes its channels, and its ledger balance rose by exactly what the requester
// signed (the requester's own payment_sent states, read in its tab, against the ledger's account of the provider).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { formatBtt } from '../../src/protocol/money.ts';
import { auditHolds, baseUrl, openLab, requesterOptions, walletEvents, waitForWallet } from './peer-helpers.ts';

test('npm run provide: a Node provider serves a browser over WebRTC, is paid per piece, and settles on Ctrl-C', async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-provide-'));
  const file = join(dir, 'from-node.bin');
  const content = randomBytes(3 * 1024 * 1024);
  writeFileSync(file, content);
  const provider = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/provide.ts', '--server', baseUrl(), '--profile', join(dir, 'profile'), '--new-wallet', '--reserve', '50', '--interval', '1', file],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SEEDPAY_PASSWORD: 'provider password 1' } },
  );
  let out = '';
  provider.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  provider.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => provider.once('exit', (code) => resolve(code)));
  try {
    await expect.poll(() => /magnet:\?\S+/.exec(out)?.[0] ?? null, { timeout: 60_000 }).not.toBeNull();
    const magnet = /magnet:\?\S+/.exec(out)?.[0] as string;
    const providerKey = /payment key ([0-9a-f]{64})/.exec(out)?.[1] as string;
    expect(providerKey).toMatch(/^[0-9a-f]{64}$/);
    expect(out).toContain('created a new wallet');
    expect(out).not.toContain('provider password 1');

    const requester = await openLab(browser, requesterOptions('provide-requester'));
    const torrent = await requester.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    await waitForWallet(requester, 'payment_sent', 60_000);
    await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), torrent.info_hash);
    expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), torrent.info_hash)).toBe(createHash('sha256').update(content).digest('hex'));
    // The provider's status line counts browsers on WebRTC.
    await expect.poll(() => /peers [1-9]\d* WebRTC/.test(out), { timeout: 10_000 }).toBe(true);

    // What the requester signed: the highest cumulative state per channel, all to this provider.
    const signed = new Map<string, bigint>();
    for (const e of await walletEvents(requester, 'payment_sent')) {
      const amount = BigInt(String(e.amount_units));
      if (amount > (signed.get(String(e.channel_id)) ?? 0n)) signed.set(String(e.channel_id), amount);
    }
    const opened = await walletEvents(requester, 'channel_opened');
    expect(opened.every((e) => e.payee === providerKey)).toBe(true);
    const totalSigned = [...signed.values()].reduce((a, b) => a + b, 0n);
    await test.info().attach('requester wallet events', { body: JSON.stringify((await walletEvents(requester)).filter((e) => e.kind !== 'payment_sent' || BigInt(String(e.amount_units)) > totalSigned - 5000n)), contentType: 'application/json' });
    expect(totalSigned).toBeGreaterThan(0n);

    // The provider accepted every state (its status line shows them all earned); then Ctrl-C settles them.
    await expect.poll(() => [...out.matchAll(/earned ([\d.,]+) BTT/g)].at(-1)?.[1] ?? '', { timeout: 30_000 }).toBe(formatBtt(totalSigned));
    provider.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('every paid channel is closed');
    const account = (await (await fetch(`${baseUrl()}/ledger/accounts/${providerKey}`)).json()) as { balance_units: string };
    expect(BigInt(account.balance_units)).toBe(totalSigned);
    await auditHolds(requester);
    await requester.context.close();
  } finally {
    await test.info().attach('provider output', { body: out, contentType: 'text/plain' });
    if (provider.exitCode === null) provider.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

// The Node provider (`npm run provide`): a real Node process — no browser — with WebRTC from @roamhq/wrtc, its key
// from an encrypted key file, seeding a file in place. A paying browser requester buys it over WebRTC and gets it
// intact; after Ctrl-C the provider closes its channels, and its ledger balance rose by exactly what the requester
// signed (the requester's own payment_sent states, read in its tab, against the ledger's account of the provider).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { auditHolds, baseUrl, expectSettledOnStop, openLab, requesterOptions, signedTotal, walletEvents, waitForWallet } from './peer-helpers.ts';
import { Children, providerKeyOf, spawnProvider } from './process-helpers.ts';

test('npm run provide: a Node provider serves a browser over WebRTC, is paid per piece, and settles on Ctrl-C', async ({ browser }) => {
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-provide-'));
  const file = join(dir, 'from-node.bin');
  const content = randomBytes(3 * 1024 * 1024);
  writeFileSync(file, content);
  const children = new Children();
  const provider = spawnProvider(children, baseUrl(), join(dir, 'profile'), 'provider password 1', ['--reserve', '50', file]);
  try {
    await expect.poll(() => /magnet:\?\S+/.exec(provider.out())?.[0] ?? null, { timeout: 60_000 }).not.toBeNull();
    const magnet = /magnet:\?\S+/.exec(provider.out())?.[0] as string;
    const providerKey = providerKeyOf(provider);
    expect(providerKey).toMatch(/^[0-9a-f]{64}$/);
    expect(provider.out()).toContain('created a new wallet');
    expect(provider.out()).not.toContain('provider password 1');

    const requester = await openLab(browser, requesterOptions('provide-requester'));
    const torrent = await requester.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    await waitForWallet(requester, 'payment_sent', 60_000);
    await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), torrent.info_hash);
    expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), torrent.info_hash)).toBe(createHash('sha256').update(content).digest('hex'));
    // The provider's status line counts browsers on WebRTC.
    await expect.poll(() => /peers [1-9]\d* WebRTC/.test(provider.out()), { timeout: 10_000 }).toBe(true);

    expect((await walletEvents(requester, 'channel_opened')).every((e) => e.payee === providerKey)).toBe(true);
    const total = await signedTotal(requester);
    expect(total).toBeGreaterThan(0n);
    await expectSettledOnStop(provider, providerKey, total);
    expect(provider.out()).toContain('every paid channel is closed');
    await auditHolds(requester);
    await requester.context.close();
  } finally {
    await test.info().attach('provider output', { body: provider.out(), contentType: 'text/plain' });
    children.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
});

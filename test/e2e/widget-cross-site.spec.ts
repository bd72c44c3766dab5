// The widget on a truly cross-site page: the host is served from 127.0.0.2, another site than Seedpay's 127.0.0.1,
// so the embed's storage is partitioned and it cannot see the wallet the visitor made on the Seedpay site. The video
// plays free, the embed offers the Storage Access path ("Use my Seedpay wallet"), and what the visitor sees when the
// browser answers is a plain message while playback goes on. The host page reaches neither the iframe nor any of
// Seedpay's storage. (Headless Chromium refuses requestStorageAccess({ indexedDB: true }) even with the
// storage-access permission set over CDP for the host/embed pair, so the granted path is not reached here.)
import { expect, test } from '@playwright/test';
import { axeViolations } from './a11y-helpers.ts';
import { openStreamLab, playedPast, seedpayUrl, seedTestVideo } from './stream-helpers.ts';
import { createWallet, finishFirstRun } from './wallet-helpers.ts';
import { CROSS_SITE_HOST, embedFrame, hostPage, hostReach, serveHost } from './widget-helpers.ts';

test('on a cross-site host the widget plays free, offers storage access, and says plainly when it is refused', async ({ browser }) => {
  const seeder = await openStreamLab(browser, { namespace: 'widget-cross-site-seeder' });
  const seeded = await seedTestVideo(seeder, { seconds: 20, bitrate_bps: 800_000, noise: 0.05 }, 'cross-site.webm');

  // The visitor made a wallet on the Seedpay site (first-party, with real clicks) in this browser profile.
  const visitor = await browser.newContext();
  const seedpayTab = await visitor.newPage();
  await createWallet(seedpayTab);
  await finishFirstRun(seedpayTab);
  await seedpayTab.close();

  const host = await serveHost(hostPage(seedpayUrl(), seeded.magnet_uri), CROSS_SITE_HOST);
  const page = await visitor.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    expect(new URL(host.url).hostname).toBe(CROSS_SITE_HOST);
    expect(new URL(seedpayUrl()).hostname).not.toBe(CROSS_SITE_HOST);
    await page.goto(host.url);
    const frame = await embedFrame(page);
    await playedPast(frame, 2, 90_000);
    await expect.poll(() => page.evaluate(() => (window as unknown as { phases: string[] }).phases)).toContain('el:playing');

    // Partitioned: the embed finds its (partitioned) vault empty and offers the Storage Access path, asking first.
    const consent = frame.getByRole('region', { name: 'Pay seeders with your Seedpay wallet' });
    await expect(consent).toHaveAttribute('data-phase', 'partitioned');
    await expect(consent).toContainText('Have a Seedpay wallet? Let this player see it');
    await expect(consent.getByRole('button', { name: 'Watch free' })).toBeVisible();
    expect(await frame.evaluate(() => document.hasStorageAccess())).toBe(false);
    // The player and its offer as a visitor's assistive technology meets them (axe runs inside the iframe too).
    expect(await axeViolations(page, 'widget-cross-site')).toEqual([]);

    // The visitor asks; this browser refuses. They are told in plain words, and the video goes on playing free.
    await consent.getByRole('button', { name: 'Use my Seedpay wallet' }).click();
    const refusal = consent.getByRole('alert');
    await expect(refusal).toContainText('Your browser did not let this player see your Seedpay wallet');
    await expect(refusal).not.toContainText(/NotAllowedError|requestStorageAccess/);
    await expect(consent.getByRole('link', { name: /Seedpay site/ })).toHaveAttribute('href', new RegExp(`^${seedpayUrl()}/`));
    const before = await frame.evaluate(() => document.querySelector('video')?.currentTime ?? 0);
    await expect
      .poll(() => frame.evaluate((t) => { const v = document.querySelector('video'); return !!v && !v.error && (v.ended || v.currentTime > t); }, before), { timeout: 30_000 })
      .toBe(true);
    await consent.getByRole('button', { name: 'Watch free' }).click();
    await expect(frame.getByRole('region', { name: 'Pay seeders with your Seedpay wallet' })).toHaveCount(0);

    // The host page: the iframe's document is out of reach, and its own origin holds nothing of Seedpay's.
    const reach = await hostReach(page);
    expect(reach.iframe).toBe('SecurityError');
    expect(reach.storage).toEqual({ databases: [], local: 0, caches: [], workers: 0 });
    // The host heard only phases, nothing about the wallet.
    for (const phase of await page.evaluate(() => (window as unknown as { phases: string[] }).phases)) expect(phase).toMatch(/^el:[a-z-]+$/);
    expect(errors).toEqual([]);
  } finally {
    host.server.close();
    await visitor.close();
    await seeder.context.close();
  }
});

// The widget on a truly cross-site page: the host is served from 127.0.0.2, another site than Seedpay's 127.0.0.1,
// so the embed's storage is partitioned and it cannot see the wallet the visitor made on the Seedpay site. The video
// plays free, the embed offers the Storage Access path ("Use my Seedpay wallet"), and when the browser refuses it
// (headless Chromium refuses requestStorageAccess({ indexedDB: true }): the handle's IndexedDB says "the user denied
// permission" even with the storage-access permission granted over CDP for the pair) the visitor is told so in plain
// words and offered a first-party Seedpay window. There, on Seedpay's own address, they see which site asks, set the
// cap and unlock; the player pays the seeder within that cap. The host page reaches neither the iframe, the window,
// nor any of Seedpay's storage, and hears nothing but the player's phases.
import { expect, test } from '@playwright/test';
import { axeViolations } from './a11y-helpers.ts';
import { playedPast, seedpayUrl, seedTestVideo } from './stream-helpers.ts';
import { PASSWORD } from './wallet-helpers.ts';
import {
  CAP_BTT, CAP_UNITS, CROSS_SITE_HOST, embedFrame, expectWithinCap, fundedVisitor, hostPage, hostReach, ledgerHoldings, paidSeeder, serveHost,
} from './widget-helpers.ts';

test('on a cross-site host the widget plays free, is refused storage access, and pays from a Seedpay window within the cap', async ({ browser }) => {
  const seeder = await paidSeeder(browser, 'widget-cross-site-seeder');
  // The visitor made and funded a wallet on the Seedpay site (first-party, with real clicks) in this browser profile.
  const { visitor, payment } = await fundedVisitor(browser);
  const funded = await ledgerHoldings(payment);
  expect(funded).toBeGreaterThan(CAP_UNITS);
  const seeded = await seedTestVideo(seeder, { seconds: 30, bitrate_bps: 1_200_000, noise: 0.05 }, 'cross-site.webm', true);

  const host = await serveHost(hostPage(seedpayUrl(), seeded.magnet_uri), CROSS_SITE_HOST);
  const page = await visitor.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    expect(new URL(host.url).hostname).toBe(CROSS_SITE_HOST);
    expect(new URL(seedpayUrl()).hostname).not.toBe(CROSS_SITE_HOST);
    await page.goto(host.url);
    const frame = await embedFrame(page);
    await playedPast(frame, 1, 90_000);
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

    // The way that works: a first-party Seedpay window, which sees the wallet the visitor made on the Seedpay site.
    const opened = visitor.waitForEvent('page');
    await consent.getByRole('button', { name: 'Pay from a Seedpay window' }).click();
    const payWindow = await opened;
    await payWindow.waitForLoadState();
    expect(new URL(payWindow.url()).origin).toBe(seedpayUrl());
    expect(new URL(payWindow.url()).pathname).toBe('/embed-pay.html');
    await expect(consent).toHaveAttribute('data-phase', 'window');
    await expect(consent.getByRole('status')).toContainText('Finish in the Seedpay window');
    // It names the site that asks, as the browser reports it (the top-level origin), and the video.
    await expect(payWindow.getByRole('main')).toContainText(`A player on ${new URL(host.url).origin} asks to pay seeders`);
    await expect(payWindow.getByRole('main')).toContainText('cross-site.webm');
    expect(await axeViolations(payWindow, 'widget-pay-window')).toEqual([]);
    await payWindow.screenshot({ path: 'test-results/screenshots/widget-pay-window.png', fullPage: true });

    // A wrong password pays nothing and says so; then the visitor sets the cap and unlocks.
    await payWindow.getByLabel('Spending cap for this video').fill(CAP_BTT);
    await payWindow.getByLabel('Wallet password').fill('not the password');
    await payWindow.getByRole('button', { name: `Unlock and pay up to ${CAP_BTT} BTT` }).click();
    await expect(payWindow.getByRole('alert')).toContainText('That password is not right.');
    await payWindow.getByLabel('Wallet password').fill(PASSWORD);
    const closed = payWindow.waitForEvent('close', { timeout: 30_000 });
    await payWindow.getByRole('button', { name: `Unlock and pay up to ${CAP_BTT} BTT` }).click();
    await expect(payWindow.getByRole('status')).toContainText(`The player now pays seeders, up to ${CAP_BTT} BTT`);
    await closed;

    await expect(consent).toHaveAttribute('data-phase', 'connected');
    await expect(consent).toContainText(`up to ${CAP_BTT} BTT`);
    await expect(consent.getByRole('status')).toContainText('Spent so far');
    // Speed goes on in the embed's peer: it bids, the seeder's auction takes it, verified pieces are paid, and the
    // spend stays within the cap set in the window, on both sides and on the ledger.
    await expectWithinCap(frame, seeder, payment, funded, CAP_UNITS);

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

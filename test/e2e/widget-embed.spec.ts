// The embeddable player on someone else's site: a page served from another port includes /widget.js and one
// <seedpay-player>; the widget's iframe runs its own peer and streams the video a seeder tab seeds. The visitor
// has a Seedpay wallet on the Seedpay origin: the player offers it with a spending cap (and plays free meanwhile),
// while the host page's scripts — even one that captures the widget's closed shadow root — cannot reach it. A
// visitor whose wallet is funded consents in the embed: Speed goes on for the torrent and the paid seeder earns,
// never more than the cap.
import type { Server } from 'node:http';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { openStreamLab, playedPast, seedpayUrl, seedTestVideo } from './stream-helpers.ts';
import { createWallet, PASSWORD } from './wallet-helpers.ts';
import {
  CAP_BTT, CAP_UNITS, embedFrame, expectWithinCap, fundedVisitor, hostPage, hostReach, ledgerHoldings, paidSeeder, serveHost,
} from './widget-helpers.ts';

/** A visitor's tab on the host page (served from another port), with the page errors it collects. */
async function visitHost(visitor: BrowserContext, magnet: string): Promise<{ host: { server: Server; url: string }; page: Page; errors: string[] }> {
  const host = await serveHost(hostPage(seedpayUrl(), magnet));
  const page = await visitor.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { host, page, errors };
}

test('a third-party page embeds the widget, plays the video, and cannot reach the wallet', async ({ browser }) => {
  const seeder = await openStreamLab(browser, { namespace: 'widget-seeder' });
  const seeded = await seedTestVideo(seeder, { seconds: 16, bitrate_bps: 1_200_000, noise: 0.05 }, 'widget-test.webm');

  // The visitor made a Seedpay wallet on the Seedpay site earlier (same browser profile).
  const visitor = await browser.newContext();
  const seedpayTab = await visitor.newPage();
  await seedpayTab.goto(`${seedpayUrl()}/stream-lab.html`);
  await seedpayTab.waitForFunction(() => 'seedpayStream' in window);
  await seedpayTab.evaluate(() => window.seedpayStream.createWallet('correct horse battery'));
  await seedpayTab.close();

  const { host, page, errors } = await visitHost(visitor, seeded.magnet_uri);
  expect(new URL(host.url).origin).not.toBe(new URL(seedpayUrl()).origin);
  try {
    await page.goto(host.url);
    const frame = await embedFrame(page);
    await expect(frame.locator('video')).toHaveAttribute('src', new RegExp(`^/stream/${seeded.info_hash}/0/`), { timeout: 60_000 });
    await playedPast(frame, 2, 90_000);
    await expect.poll(() => page.evaluate(() => (window as unknown as { phases: string[] }).phases)).toContain('el:playing');

    // The wallet is found on the Seedpay origin and offered with a cap; nothing is paid without consent.
    const consent = frame.getByRole('region', { name: 'Pay seeders with your Seedpay wallet' });
    await expect(consent).toBeVisible();
    await expect(consent.getByLabel('Spending cap in BTT')).toHaveValue('1');
    await expect(consent.getByRole('button', { name: 'Pay up to 1 BTT' })).toBeVisible();
    expect(await frame.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toContain('seedpay-wallet');

    // The host's scripts: the iframe's document is out of reach even through a captured closed shadow root, and the
    // host origin's own storage holds nothing of Seedpay's.
    const reach = await hostReach(page);
    expect(reach.iframe).toBe('SecurityError');
    expect(reach.storage).toEqual({ databases: [], local: 0, caches: [], workers: 0 });
    expect(errors).toEqual([]);
  } finally {
    host.server.close();
    await visitor.close();
    await seeder.context.close();
  }
});

test('a visitor with a funded wallet consents in the embed: the paid seeder earns, and the spend stays within the cap', async ({ browser }) => {
  const seeder = await paidSeeder(browser, 'widget-paid-seeder');
  const { visitor, payment } = await fundedVisitor(browser);
  const funded = await ledgerHoldings(payment);
  expect(funded).toBeGreaterThan(CAP_UNITS);

  const seeded = await seedTestVideo(seeder, { seconds: 30, bitrate_bps: 1_200_000, noise: 0.05 }, 'widget-paid.webm', true);
  const { host, page, errors } = await visitHost(visitor, seeded.magnet_uri);
  try {
    await page.goto(host.url);
    const frame = await embedFrame(page);
    await playedPast(frame, 1, 90_000);

    const consent = frame.getByRole('region', { name: 'Pay seeders with your Seedpay wallet' });
    await consent.getByLabel('Spending cap in BTT').fill(CAP_BTT);
    await consent.getByRole('button', { name: `Pay up to ${CAP_BTT} BTT` }).click();
    await consent.getByLabel('Wallet password').fill(PASSWORD);
    await consent.getByRole('button', { name: `Unlock and pay up to ${CAP_BTT} BTT` }).click();
    await expect(consent).toHaveAttribute('data-phase', 'connected');
    await expect(consent).toContainText(`up to ${CAP_BTT} BTT`);
    await expect(consent.getByRole('status')).toContainText('Spent so far');

    // The embed's wires re-form with Speed; it bids, the seeder's auction takes it, and verified pieces are paid,
    // within the cap on both sides, also once the transfer has run on for a while (to the end, or to the cap).
    await expectWithinCap(frame, seeder, payment, funded, CAP_UNITS);
    // The host heard only phases, nothing about the wallet or what it paid.
    const phases = await page.evaluate(() => (window as unknown as { phases: string[] }).phases);
    for (const phase of phases) expect(phase).toMatch(/^el:[a-z-]+$/);
    expect(errors).toEqual([]);
  } finally {
    host.server.close();
    await visitor.close();
    await seeder.context.close();
  }
});

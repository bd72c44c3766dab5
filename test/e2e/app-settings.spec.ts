// Settings in the app take effect in the peer, live, and the test reads the effect from the peers' own state (the
// worker's torrent.status on both sides, the ledger), not from the screen: an upload limit caps what the other side
// receives; opting out of selling closes the paid channel and serves free; the per-torrent Speed switch re-forms
// the connection without the extension; on the requester side a new spending rate re-bids at once, and Speed off
// withdraws the bid. Real Chromium, real WebRTC, the real ledger and tracker from `npm start`'s server.
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { row, sha256, share } from './app-helpers.ts';
import { add, openLab, providerOptions, requesterOptions, seed, waitForWallet, type LabTab } from './peer-helpers.ts';
import { APP_URL, createWallet, finishFirstRun, PASSWORD } from './wallet-helpers.ts';

test.describe.configure({ timeout: 240_000 });

/** The one remote peer a lab tab sees on this torrent, with its Speed state. */
async function onlyPeer(tab: LabTab, info_hash: string): Promise<Record<string, unknown> | null> {
  const peers = await tab.page.evaluate((h) => window.seedpayLab.peers(h), info_hash);
  return peers[0] ?? null;
}

async function downloaded(tab: LabTab, info_hash: string): Promise<number> {
  return (await tab.page.evaluate((h) => window.seedpayLab.status(h), info_hash)).downloaded;
}

async function openSettings(page: Page): Promise<void> {
  await page.goto(`${APP_URL()}#/settings`);
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
}

async function setUploadLimit(page: Page, kib_per_s: number | null): Promise<void> {
  await openSettings(page);
  await page.getByLabel('Upload limit', { exact: true }).fill(kib_per_s === null ? '' : String(kib_per_s));
  await page.getByLabel('Upload limit', { exact: true }).press('Tab');
  await expect(page.getByText('Saved', { exact: true })).toBeVisible();
}

test('provider settings in the app change what its peer does: upload limit, selling opt-out, per-torrent Speed', async ({ browser }) => {
  const context = await browser.newContext({ acceptDownloads: true });
  const app = await context.newPage();
  await createWallet(app);
  await finishFirstRun(app);

  // A limit set before anyone connects holds the whole paid session to it.
  const LIMIT_KIB_S = 32;
  await setUploadLimit(app, LIMIT_KIB_S);
  await app.goto(`${APP_URL()}#/torrents`);
  const content = randomBytes(6 * 1024 * 1024);
  const { torrent } = await share(app, 'settings-e2e.bin', content);

  const requester = await openLab(browser, requesterOptions('settings-requester'));
  const info = await add(requester, { torrent_file_b64: torrent.toString('base64') } as Parameters<typeof add>[1]);

  // Selling: the app's peer answers the bid, the requester opens a channel and pays per piece.
  const opened = await waitForWallet(requester, 'channel_opened', 90_000);
  await waitForWallet(requester, 'payment_sent', 60_000);

  // Upload limit: over a 6 s window the requester gets no more than the limit allows (plus one second of burst).
  const before = await downloaded(requester, info.info_hash);
  await requester.page.waitForTimeout(6000);
  const gained = (await downloaded(requester, info.info_hash)) - before;
  expect(gained).toBeGreaterThan(0);
  expect(gained).toBeLessThanOrEqual(LIMIT_KIB_S * 1024 * (6 + 2));

  // Opt out of selling: within a choke round the app's peer closes the channel on the ledger with the last signed
  // state, tells the requester, and keeps serving it for free.
  await openSettings(app);
  await app.getByRole('switch', { name: 'Sell upload bandwidth' }).click();
  await expect(app.getByRole('switch', { name: 'Sell upload bandwidth' })).toHaveAttribute('aria-checked', 'false');
  await expect
    .poll(async () => (await requester.page.evaluate((id) => window.seedpayLab.channel(id), String(opened.channel_id))).state, { timeout: 60_000 })
    .toBe('closed');
  // Told it is not charged any more: this session stops paying (a fresh one starts if the provider sells again).
  await expect.poll(async () => (await onlyPeer(requester, info.info_hash))?.payer_phase, { timeout: 20_000 }).toBe('Stopped');
  // Its paid figure comes to what the ledger settled on the channel (a payment in flight at the opt-out may have been
  // forgiven instead), and stays there while the pieces keep coming, free.
  const paid = async () => String((await requester.page.evaluate((h) => window.seedpayLab.status(h), info.info_hash)).paid_units);
  const settled = String((await requester.page.evaluate((id) => window.seedpayLab.channel(id), String(opened.channel_id))).paid_units);
  await expect.poll(paid, { timeout: 20_000 }).toBe(settled);
  const freeFrom = await downloaded(requester, info.info_hash);
  await expect.poll(() => downloaded(requester, info.info_hash), { timeout: 60_000 }).toBeGreaterThan(freeFrom + 64 * 1024);
  expect(await paid()).toBe(settled);

  // Speed off for this torrent: the connection re-forms without the extension; both sides see a legacy peer.
  await app.goto(`${APP_URL()}#/torrents`);
  await row(app, 'settings-e2e.bin').getByRole('button', { name: 'Details' }).click();
  await app.getByRole('switch', { name: 'Speed for this torrent' }).click();
  await expect(app.getByRole('switch', { name: 'Speed for this torrent' })).toHaveAttribute('aria-checked', 'false');
  await expect.poll(async () => (await onlyPeer(requester, info.info_hash))?.speed, { timeout: 60_000 }).toBe('legacy');

  // Lifting the limit lets the rest through at full speed (6 MiB would take minutes at the limit): the file is intact.
  await setUploadLimit(app, null);
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), info.info_hash);
  expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), info.info_hash)).toBe(sha256(content));

  // The switch is persisted with the torrent: after a reload the torrent still runs without Speed.
  await app.reload();
  await app.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await app.getByRole('button', { name: 'Unlock' }).click();
  await app.goto(`${APP_URL()}#/torrents`);
  await row(app, 'settings-e2e.bin').getByRole('button', { name: 'Details' }).click();
  await expect(app.getByRole('switch', { name: 'Speed for this torrent' })).toHaveAttribute('aria-checked', 'false');
  await requester.context.close();
  await context.close();
});

test('requester settings in the app: a new spending rate re-bids at once, Speed off withdraws the bid', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('settings-provider'));
  // Slow enough that the download is still running while the settings change.
  await provider.page.evaluate(() => window.seedpayLab.setSpeed({ upload_limit_bytes_per_s: 64 * 1024 }));
  const seeded = await seed(provider, 8 * 1024 * 1024, 4242);

  const context = await browser.newContext();
  const app = await context.newPage();
  await createWallet(app);
  await app.getByRole('button', { name: 'Get free BTT' }).click();
  await expect(app.getByText(/added to your balance/)).toBeVisible({ timeout: 120_000 });
  await app.getByRole('button', { name: 'Continue' }).click();
  await app.getByRole('button', { name: 'Skip for now' }).click();
  await expect(app.getByRole('heading', { name: 'Torrents' })).toBeVisible();
  await app.getByTestId('torrent-file-input').setInputFiles({
    name: 'settings.torrent', mimeType: 'application/x-bittorrent', buffer: Buffer.from(seeded.torrent_file_b64, 'base64'),
  });

  // The provider's view of the app's peer: Speed negotiated, and a bid.
  const bidOf = async () => {
    const p = await onlyPeer(provider, seeded.info_hash);
    return p?.their_bid_units_per_kib === null || p?.their_bid_units_per_kib === undefined ? null : BigInt(String(p.their_bid_units_per_kib));
  };
  await expect.poll(async () => (await onlyPeer(provider, seeded.info_hash))?.speed, { timeout: 90_000 }).toBe('speed');
  await expect.poll(bidOf, { timeout: 30_000 }).not.toBeNull();
  const first = (await bidOf()) as bigint;

  // Spending rate 0.5 → 0.1: the bid drops at once (not at the next periodic re-bid), to about a fifth.
  await openSettings(app);
  // A range input cannot be typed into: move it as the keyboard would, then commit (the change event).
  await app.getByLabel(/Spending rate/).evaluate((input: HTMLInputElement) => {
    input.value = '10';
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await expect(app.getByText('Saved', { exact: true })).toBeVisible();
  await expect.poll(async () => ((await bidOf()) ?? first) < first, { timeout: 10_000 }).toBe(true);
  const lowered = (await bidOf()) as bigint;
  expect(lowered * 3n).toBeLessThan(first);
  expect(lowered).toBeGreaterThan(0n);

  // Speed off: the bid is withdrawn (a zero bid), so the provider sees a non-bidder.
  await app.getByRole('switch', { name: 'Speed', exact: true }).click();
  await expect(app.getByRole('switch', { name: 'Speed', exact: true })).toHaveAttribute('aria-checked', 'false');
  await expect.poll(bidOf, { timeout: 10_000 }).toBeNull();
  await context.close();
  await provider.context.close();
});

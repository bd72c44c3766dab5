// A reload locks the wallet while a Speed torrent goes on downloading, unpaid: every screen says so until the
// wallet is unlocked, and Settings explains the auto-lock period; the charts keep the history from before the
// reload. The torrent is a .torrent with no seeder, so it stays "downloading" for as long as the test needs.
import { expect, test } from '@playwright/test';
import { makeTorrentFile } from './torrent-file-helpers.ts';
import { APP_URL, createWallet, finishFirstRun, PASSWORD } from './wallet-helpers.ts';

const BANNER = 'Speed is paused while your wallet is locked — unlock to keep paying.';
/** Chart samples to collect before the reload (about one a second). */
const MIN_SAMPLES_BEFORE = 15;
/** Longer than the app's chart save interval (5 s), so the last save is recent. */
const SAVE_WAIT_MS = 5_500;
/** A reload may lose what came after the last save: at most one save interval of samples. */
const SAMPLES_PER_SAVE = 6;

test('a locked wallet with a running Speed torrent shows the paused-Speed banner on every screen', async ({ page }) => {
  await createWallet(page);
  await finishFirstRun(page);
  const { torrent, info_hash } = makeTorrentFile('nobody-seeds-this.bin', 64 * 1024);
  await page.getByTestId('torrent-file-input').setInputFiles({ name: 'lonely.torrent', mimeType: 'application/x-bittorrent', buffer: torrent });
  const row = page.locator(`[data-testid=torrent-row][data-info-hash="${info_hash}"]`);
  await expect(row.getByText('Downloading')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('speed-paused-banner')).toHaveCount(0); // unlocked: Speed pays
  // The charts sample once a second and save every few seconds: wait until a saved history exists.
  await page.goto(`${APP_URL()}#/charts`);
  const speedChart = page.getByRole('img', { name: 'Speed' });
  await expect.poll(async () => Number(await speedChart.getAttribute('data-samples')), { timeout: 30_000 }).toBeGreaterThanOrEqual(MIN_SAMPLES_BEFORE);
  await page.waitForTimeout(SAVE_WAIT_MS);
  const before = Number(await speedChart.getAttribute('data-samples'));

  // Reload: the lock screen, with the banner above it (no link: the form is right there).
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
  const banner = page.getByTestId('speed-paused-banner');
  await expect(banner).toHaveText(BANNER);
  await expect(banner.getByRole('link')).toHaveCount(0);

  // Going on without unlocking: the banner stays on every screen, with a way to unlock.
  await page.getByRole('button', { name: 'Continue without Speed' }).click();
  for (const view of ['torrents', 'charts', 'settings', `torrents/${info_hash}`]) {
    await page.goto(`${APP_URL()}#/${view}`);
    await expect(page.getByTestId('speed-paused-banner'), view).toContainText(BANNER);
    if (view === 'charts') expect(Number(await speedChart.getAttribute('data-samples'))).toBeGreaterThanOrEqual(before - SAMPLES_PER_SAVE);
  }
  await expect(page.getByText(/While it\s+is locked, Speed is paused/)).toHaveCount(0); // not on the detail view
  await page.goto(`${APP_URL()}#/settings`);
  await expect(page.getByText(/the wallet locks; reloading or closing the page locks it too\. While it\s+is locked, Speed is paused/)).toBeVisible();
  await page.getByTestId('speed-paused-banner').getByRole('link', { name: 'Unlock' }).click();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('header-balance')).toBeVisible();
  await expect(page.getByTestId('speed-paused-banner')).toHaveCount(0);
  await expect(row).toHaveCount(0); // on the wallet page now; the torrent is still listed on Torrents
  await page.goto(`${APP_URL()}#/torrents`);
  await expect(row.getByText('Downloading')).toBeVisible();
  await expect(page.getByTestId('speed-paused-banner')).toHaveCount(0);
});

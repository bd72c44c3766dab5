// Shared steps for the app's torrent specs: a profile without Speed, a torrent's row, sharing a file and reading
// the magnet and .torrent the app offers for it, and reading a browser download.
import { createHash } from 'node:crypto';
import { expect, type Browser, type Download, type Page } from '@playwright/test';
import { APP_URL } from './wallet-helpers.ts';

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A fresh profile that chose "Use Seedpay without Speed" on the welcome screen. */
export async function plainPeer(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(APP_URL());
  await page.getByRole('button', { name: 'Use Seedpay without Speed' }).click();
  await expect(page.getByRole('heading', { name: 'Torrents' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Share files' })).toBeEnabled();
  return page;
}

export function row(page: Page, name: string) {
  return page.getByTestId('torrent-row').filter({ hasText: name });
}

export async function readDownload(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Shares one file from the Torrents page; returns its magnet link and .torrent bytes, back on the Torrents page. */
export async function share(seeder: Page, name: string, content: Buffer): Promise<{ magnet: string; torrent: Buffer }> {
  await seeder.getByTestId('share-files-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: content });
  await expect(row(seeder, name).getByText('Seeding')).toBeVisible({ timeout: 60_000 });
  await row(seeder, name).getByRole('button', { name: 'Details' }).click();
  const magnet = (await seeder.locator('.copy .value').first().textContent())?.trim() ?? '';
  const downloadPromise = seeder.waitForEvent('download');
  await seeder.getByRole('button', { name: 'Download .torrent file' }).click();
  const torrent = await readDownload(await downloadPromise);
  await seeder.goto(`${APP_URL()}#/torrents`);
  return { magnet, torrent };
}

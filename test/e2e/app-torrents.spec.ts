// Torrents through the app in real Chromium: share a file in one profile, add its magnet in another and download
// it over WebRTC (real tracker from the server); add a .torrent file; remove keeping or deleting data.
import { createHash, randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { seedPieceLength } from '../../src/protocol/cdn-torrent.ts';
import { plainPeer, readDownload, row, sha256, share } from './app-helpers.ts';
import { APP_URL } from './wallet-helpers.ts';

/** Canonical bencode (sorted keys) for the few shapes a .torrent needs: enough to build one in the test. */
function bencode(value: number | string | Buffer | Record<string, unknown>): Buffer {
  if (typeof value === 'number') return Buffer.from(`i${value}e`);
  if (typeof value === 'string') return bencode(Buffer.from(value));
  if (Buffer.isBuffer(value)) return Buffer.concat([Buffer.from(`${value.length}:`), value]);
  const keys = Object.keys(value).sort();
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap((k) => [bencode(k), bencode(value[k] as Record<string, unknown>)]), Buffer.from('e')]);
}

test('share a file in one browser; another adds its .torrent file, downloads it and saves it intact', async ({ browser }) => {
  const content = randomBytes(300 * 1024);
  const seeder = await plainPeer(browser);
  const { magnet, torrent } = await share(seeder, 'seedpay-e2e.bin', content);
  expect(magnet).toMatch(/^magnet:\?xt=urn:btih:[0-9a-f]{40}/);
  expect(torrent.subarray(0, 1).toString()).toBe('d');
  expect(torrent.includes(Buffer.from('4:info'))).toBe(true);
  // Seedpay's piece length (256 KiB here), not webtorrent's 16 KiB for a file this small: one payment per piece.
  expect(seedPieceLength(content.length)).toBe(256 * 1024);
  expect(torrent.includes(Buffer.from(`12:piece lengthi${seedPieceLength(content.length)}e`))).toBe(true);

  const leecher = await plainPeer(browser);
  await leecher.getByTestId('torrent-file-input').setInputFiles({ name: 'seedpay-e2e.torrent', mimeType: 'application/x-bittorrent', buffer: torrent });
  await expect(row(leecher, 'seedpay-e2e.bin').getByText('Seeding')).toBeVisible({ timeout: 120_000 });

  await row(leecher, 'seedpay-e2e.bin').getByRole('button', { name: 'Details' }).click();
  const downloadPromise = leecher.waitForEvent('download');
  await leecher.getByRole('button', { name: 'Save seedpay-e2e.bin' }).click();
  expect(sha256(await readDownload(await downloadPromise))).toBe(sha256(content));

  // Remove, keeping the data: the row goes away.
  await leecher.goto(`${APP_URL()}#/torrents`);
  await row(leecher, 'seedpay-e2e.bin').getByRole('button', { name: /Remove/ }).click();
  await leecher.getByRole('button', { name: 'Remove, keep files' }).click();
  await expect(row(leecher, 'seedpay-e2e.bin')).toHaveCount(0);
  await leecher.context().close();
  await seeder.context().close();
});

test('add by magnet: the torrent shows at once while its metadata is fetched, then downloads', async ({ browser }) => {
  const content = randomBytes(200 * 1024);
  const seeder = await plainPeer(browser);
  const { magnet } = await share(seeder, 'by-magnet.bin', content);
  const infoHash = /btih:([0-9a-f]{40})/.exec(magnet)?.[1];

  const leecher = await plainPeer(browser);
  await leecher.getByLabel('Magnet link').fill(magnet);
  await leecher.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(row(leecher, 'by-magnet.bin')).toHaveAttribute('data-info-hash', infoHash ?? '');
  await expect(leecher.getByLabel('Magnet link')).toHaveValue('');
  await expect(row(leecher, 'by-magnet.bin').getByText('Seeding')).toBeVisible({ timeout: 120_000 });
  await leecher.context().close();
  await seeder.context().close();
});

test('add a torrent by .torrent file', async ({ browser }) => {
  const piece_length = 16 * 1024;
  const data = randomBytes(40 * 1024);
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += piece_length) pieces.push(createHash('sha1').update(data.subarray(i, i + piece_length)).digest());
  const info = { length: data.length, name: 'from-a-torrent-file.bin', 'piece length': piece_length, pieces: Buffer.concat(pieces) };
  const announce = `${APP_URL().replace(/^http/, 'ws')}announce`;
  const torrent = bencode({ announce, info });
  const infoHash = createHash('sha1').update(bencode(info)).digest('hex');

  const page = await plainPeer(browser);
  await page.getByTestId('torrent-file-input').setInputFiles({ name: 'sample.torrent', mimeType: 'application/x-bittorrent', buffer: torrent });
  const added = row(page, 'from-a-torrent-file.bin');
  await expect(added).toBeVisible({ timeout: 30_000 });
  await expect(added).toHaveAttribute('data-info-hash', infoHash);

  // A broken .torrent file is refused with a message, and nothing is added.
  await page.getByTestId('torrent-file-input').setInputFiles({ name: 'broken.torrent', mimeType: 'application/x-bittorrent', buffer: Buffer.from('not bencode') });
  await expect(page.getByRole('alert')).toContainText('broken.torrent is not a .torrent file. Choose the .torrent file you were given');
  await expect(page.getByTestId('torrent-row')).toHaveCount(1);
  await page.context().close();
});

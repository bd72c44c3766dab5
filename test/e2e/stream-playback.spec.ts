// Streaming playback across two browsers: a seeder tab generates and seeds a WebM over a slow uplink; a viewer tab
// streams it through the service worker (public/stream-sw.js) from its own peer worker — playing, then seeking
// to the middle and playing there — while the download is still far from complete.
import { expect, test } from '@playwright/test';
import { openStreamLab, playedPast, seedTestVideo } from './stream-helpers.ts';

/** Just above the video's mean rate (~160 kB/s): the whole file takes ~17 s, so playback must not wait for it. */
const SEEDER_UPLOAD_BYTES_PER_S = 220_000;

test('a viewer plays and seeks a video while it is still downloading', async ({ browser }) => {
  const seeder = await openStreamLab(browser, { namespace: 'stream-seeder', upload_bytes_per_s: SEEDER_UPLOAD_BYTES_PER_S });
  const seeded = await seedTestVideo(seeder, { seconds: 24, bitrate_bps: 1_200_000, noise: 0.05 }, 'stream-test.webm');
  expect(seeded.size_bytes).toBeGreaterThan(3_000_000);
  test.info().annotations.push({ type: 'video', description: `${(seeded.size_bytes / 1e6).toFixed(1)} MB, ${seeded.duration_s} s, generated in ${Math.round(seeded.generate_ms)} ms` });

  const viewer = await openStreamLab(browser, { namespace: 'stream-viewer' });
  await viewer.page.evaluate((t) => window.seedpayStream.addTorrentFile(t), seeded.torrent_file_b64);
  await viewer.page.evaluate((h) => window.seedpayStream.mountPlayer(h, { muted: true }), seeded.info_hash);
  const video = viewer.page.locator('video');
  await expect(video).toHaveAttribute('src', new RegExp(`^/stream/${seeded.info_hash}/0/`));
  expect(await viewer.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  const started = Date.now();
  await video.evaluate((v: HTMLVideoElement) => v.play());
  await playedPast(viewer.page, 1.5, 60_000);
  const playMs = Date.now() - started;
  expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeCloseTo(seeded.duration_s, 0);

  const middle = seeded.duration_s / 2;
  // The middle is not downloaded yet (the download runs in order from the start): playing there proves that the
  // seek's range request moved piece priority to the playhead.
  expect(await viewer.page.evaluate((h) => window.seedpayStream.hasPieceAt(h, 0.5), seeded.info_hash)).toBe(false);
  await video.evaluate((v: HTMLVideoElement, t: number) => {
    v.currentTime = t;
  }, middle);
  await playedPast(viewer.page, middle + 1.5, 60_000);
  const status = await viewer.page.evaluate((h) => window.seedpayStream.status(h), seeded.info_hash);
  test.info().annotations.push({ type: 'progress at mid-video playback', description: `${(status.progress * 100).toFixed(0)} % after ${((Date.now() - started) / 1000).toFixed(1)} s; played after ${playMs} ms` });
  expect(status.done).toBe(false);
  expect(status.progress).toBeLessThan(0.9);

  // The bar shows downloaded pieces, all free (Speed is off on both sides: nothing was paid).
  const player = viewer.page.locator('figure.player');
  await expect.poll(async () => Number(await player.getAttribute('data-pieces-have'))).toBeGreaterThan(0);
  await expect(viewer.page.getByText(/^paid 0$/)).toBeVisible();
  await expect(viewer.page.getByText(/^free [1-9]\d*$/)).toBeVisible();

  expect(seeder.errors).toEqual([]);
  expect(viewer.errors).toEqual([]);
  await viewer.context.close();
  await seeder.context.close();
});

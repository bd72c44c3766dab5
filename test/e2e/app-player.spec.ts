// The app's torrent page plays a torrent's video while it downloads: a seeder tab (the stream lab) seeds a
// generated WebM, a viewer adds its magnet in the app, opens the torrent's page, and the Play section's player
// streams it through the service worker from the viewer's own peer.
import { expect, test, type Browser, type Page } from '@playwright/test';
import { openStreamLab, playedPast, seedTestVideo } from './stream-helpers.ts';
import { APP_URL } from './wallet-helpers.ts';

/** The app without the first-run flow: Speed off, no wallet. */
async function plainViewer(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(APP_URL());
  await page.getByRole('button', { name: 'Use Seedpay without Speed' }).click();
  await expect(page.getByRole('heading', { name: 'Torrents' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Share files' })).toBeEnabled();
  return page;
}

test('a torrent with a video plays on its page in the app while it downloads', async ({ browser }) => {
  const seeder = await openStreamLab(browser, { namespace: 'app-player-seeder' });
  const seeded = await seedTestVideo(seeder, { seconds: 12, bitrate_bps: 800_000, noise: 0.05 }, 'app-player-test.webm');
  const viewer = await plainViewer(browser);
  const errors: string[] = [];
  viewer.on('pageerror', (error) => errors.push(`${error.message} ${error.stack ?? ''}`.slice(0, 600)));
  try {
    await viewer.getByLabel('Magnet link').fill(seeded.magnet_uri);
    await viewer.getByRole('button', { name: 'Add', exact: true }).click();
    const row = viewer.getByTestId('torrent-row').filter({ hasText: 'app-player-test.webm' });
    await expect(row).toHaveAttribute('data-info-hash', seeded.info_hash, { timeout: 60_000 });
    await row.getByRole('button', { name: 'Details' }).click();

    const play = viewer.getByRole('region', { name: 'Play', exact: true });
    await expect(play).toBeVisible({ timeout: 60_000 });
    const video = play.locator('video');
    await expect(video).toHaveAttribute('src', new RegExp(`^/stream/${seeded.info_hash}/0/`), { timeout: 60_000 });
    await expect(play.locator('figure')).toHaveAttribute('data-phase', 'ready');
    // The person presses play on the video's own controls; the test starts it the same way the control does.
    await video.evaluate((v: HTMLVideoElement) => v.play());
    const played = await playedPast(viewer, 2, 90_000);
    expect(played).toBeGreaterThan(2);
    await expect(play.locator('figure')).toHaveAttribute('data-phase', 'playing');

    // The player names the file it plays.
    await expect(play.locator('figcaption .name')).toHaveText('app-player-test.webm');

    // Narrow screens: the player fits the viewport.
    await viewer.setViewportSize({ width: 380, height: 800 });
    const box = await video.boundingBox();
    expect(box?.width ?? 0).toBeLessThanOrEqual(380);
    expect(box?.width ?? 0).toBeGreaterThan(200);
    await viewer.setViewportSize({ width: 1280, height: 800 });

    // A torrent without audio or video has no Play section.
    await viewer.goto(`${APP_URL()}#/torrents`);
    await viewer.getByTestId('share-files-input').setInputFiles({ name: 'notes.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(64 * 1024, 7) });
    const notes = viewer.getByTestId('torrent-row').filter({ hasText: 'notes.bin' });
    await expect(notes.getByText('Seeding')).toBeVisible({ timeout: 60_000 });
    await notes.getByRole('button', { name: 'Details' }).click();
    await expect(viewer.getByRole('heading', { name: 'Files' })).toBeVisible();
    await expect(viewer.getByRole('region', { name: 'Play', exact: true })).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    await viewer.context().close();
    await seeder.context.close();
  }
});

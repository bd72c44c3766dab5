// The app's "CDN link" form: a file on a CORS-enabled loopback origin becomes a torrent with that URL as its web
// seed (magnet and embed code shown), which a requester with no seeding peer downloads intact; an origin without
// CORS gets the explanation instead of a link.
import { createHash, randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { plainPeer } from './app-helpers.ts';
import { startOrigin } from './cdn-origin.ts';
import { openLab, requesterOptions } from './peer-helpers.ts';

test('the app makes a CDN link from a URL; a requester downloads it from the web seed alone', async ({ browser }) => {
  const content = randomBytes(1024 * 1024 + 7);
  const origin = await startOrigin('/site/talk.bin', content, 0);
  const closed = await startOrigin('/site/closed.bin', content, 0, false);
  try {
    const page = await plainPeer(browser);
    await page.getByText('CDN link for a file on your site').click();
    await page.getByLabel('File address').fill(closed.url);
    await page.getByRole('button', { name: 'Make CDN link' }).click();
    await expect(page.getByRole('alert')).toContainText('CORS');

    await page.getByLabel('File address').fill(origin.url);
    await page.getByRole('button', { name: 'Make CDN link' }).click();
    const result = page.getByTestId('cdn-link-result');
    await expect(result).toContainText('talk.bin: 1048583 bytes');
    const magnet = ((await result.locator('.copy .value').first().textContent()) ?? '').trim();
    expect(new URL(magnet).searchParams.get('ws')).toBe(origin.url);
    await expect(result.getByLabel('Embed code')).toHaveValue(/<seedpay-player magnet="magnet:\?xt=urn:btih:[0-9a-f]{40}&amp;/);
    await page.context().close();

    const requester = await openLab(browser, requesterOptions('cdn-app-requester'));
    const torrent = await requester.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 60_000), torrent.info_hash);
    expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), torrent.info_hash)).toBe(createHash('sha256').update(content).digest('hex'));
    await requester.context.close();
  } finally {
    await origin.stop();
    await closed.stop();
  }
});

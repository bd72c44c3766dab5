// The embeddable player on someone else's site: a page served from another port includes /widget.js and one
// <seedpay-player>; the widget's iframe runs its own peer and streams the video a seeder tab seeds. The visitor
// has a Seedpay wallet on the Seedpay origin: the player offers it with a spending cap (and plays free meanwhile),
// while the host page's scripts — even one that captures the widget's closed shadow root — cannot reach it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Frame, type Page } from '@playwright/test';
import { openStreamLab, playedPast, seedpayUrl, seedTestVideo } from './stream-helpers.ts';

function hostPage(seedpay: string, magnet: string): string {
  const attr = magnet.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!doctype html><html><head><meta charset="utf-8"><title>A blog about trees</title>
<script>
  // A hostile host: keeps every shadow root, closed or not, and every phase the widget reports.
  window.capturedRoots = [];
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) { const root = attach.call(this, init); window.capturedRoots.push(root); return root; };
  window.phases = [];
</script>
<script src="${seedpay}/widget.js" async></script></head>
<body><h1>Trees</h1>
<seedpay-player magnet="${attr}" muted autoplay></seedpay-player>
<script>document.querySelector('seedpay-player').addEventListener('seedpay-phase', (e) => window.phases.push('el:' + e.detail.phase));</script>
</body></html>`;
}

async function serveHost(html: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

async function embedFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().includes('/embed.html?')), { timeout: 30_000 }).toBe(true);
  return page.frames().find((f) => f.url().includes('/embed.html?')) as Frame;
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

  const host = await serveHost(hostPage(seedpayUrl(), seeded.magnet_uri));
  expect(new URL(host.url).origin).not.toBe(new URL(seedpayUrl()).origin);
  const page = await visitor.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
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

    // The host's scripts: the iframe's document is out of reach even through a captured closed shadow root…
    const reach = await page.evaluate(() => {
      const roots = (window as unknown as { capturedRoots: ShadowRoot[] }).capturedRoots;
      const iframe = roots[0]?.querySelector('iframe');
      if (!iframe?.contentWindow) return 'no iframe';
      try {
        return `readable: ${iframe.contentWindow.document.title}`;
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(reach).toBe('SecurityError');
    // …and the host origin's own storage holds nothing of Seedpay's.
    const hostStorage = await page.evaluate(async () => ({
      databases: (await indexedDB.databases()).map((d) => d.name),
      local: localStorage.length,
      caches: await caches.keys(),
      workers: (await navigator.serviceWorker.getRegistrations()).length,
    }));
    expect(hostStorage).toEqual({ databases: [], local: 0, caches: [], workers: 0 });
    expect(errors).toEqual([]);
  } finally {
    host.server.close();
    await visitor.close();
    await seeder.context.close();
  }
});

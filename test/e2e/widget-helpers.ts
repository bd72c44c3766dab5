// The third-party page of the widget specs: a host page (with a hostile script that captures every shadow root and
// records the phases the element reports) served from a loopback address of the test's choosing, and the embed's
// iframe inside it. 127.0.0.1 on another port is the same site as Seedpay; 127.0.0.2 is another site.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Frame, type Page } from '@playwright/test';

/** Same host, another port: a same-site host (storage not partitioned). */
export const SAME_SITE_HOST = '127.0.0.1';
/** Another loopback address: IP hosts are sites of their own, so the embed's storage is partitioned there. */
export const CROSS_SITE_HOST = '127.0.0.2';

export function hostPage(seedpay: string, magnet: string): string {
  const attr = magnet.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog about trees</title>
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

export async function serveHost(html: string, hostname = SAME_SITE_HOST): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, hostname, resolve));
  return { server, url: `http://${hostname}:${(server.address() as AddressInfo).port}/` };
}

export async function embedFrame(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().includes('/embed.html?')), { timeout: 30_000 }).toBe(true);
  return page.frames().find((f) => f.url().includes('/embed.html?')) as Frame;
}

/** What the host page's own scripts can reach: the iframe's document (never) and its own origin's storage. */
export async function hostReach(page: Page): Promise<{ iframe: string; storage: { databases: (string | undefined)[]; local: number; caches: string[]; workers: number } }> {
  return page.evaluate(async () => {
    const roots = (window as unknown as { capturedRoots: ShadowRoot[] }).capturedRoots;
    const iframe = roots[0]?.querySelector('iframe');
    let reach = 'no iframe';
    if (iframe?.contentWindow) {
      try {
        reach = `readable: ${iframe.contentWindow.document.title}`;
      } catch (error) {
        reach = (error as Error).name;
      }
    }
    return {
      iframe: reach,
      storage: {
        databases: (await indexedDB.databases()).map((d) => d.name),
        local: localStorage.length,
        caches: await caches.keys(),
        workers: (await navigator.serviceWorker.getRegistrations()).length,
      },
    };
  });
}

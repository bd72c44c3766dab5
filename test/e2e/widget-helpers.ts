// The third-party page of the widget specs: a host page (with a hostile script that captures every shadow root and
// records the phases the element reports) served from a loopback address of the test's choosing, and the embed's
// iframe inside it. 127.0.0.1 on another port is the same site as Seedpay; 127.0.0.2 is another site.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, type Browser, type BrowserContext, type Frame, type Page } from '@playwright/test';
import { highestPerChannel, RESERVE_UNITS_PER_KIB, type WalletEventJson } from './peer-helpers.ts';
import { openStreamLab, seedpayUrl, type StreamTab } from './stream-helpers.ts';
import { createWallet, PASSWORD, walletAddresses } from './wallet-helpers.ts';

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

/** The visitor's cap in the paid tests: 0.05 BTT buys 500 KiB at the seeder's reserve price, less than the video. */
export const CAP_BTT = '0.05';
export const CAP_UNITS = 50_000n;

/**
 * A seeder that sells (Speed on, a reserve price, quick choke rounds) on a slow uplink, so pieces are still missing
 * when the visitor consents.
 */
export function paidSeeder(browser: Browser, namespace: string): Promise<StreamTab> {
  return openStreamLab(browser, {
    namespace,
    // 40 kB/s: the test video (~4.5 MB) takes ~110 s, so pieces are still missing when the visitor consents even
    // on a loaded machine, where the steps before consent (axe, a wrong password, an unlock) take a minute or more.
    upload_bytes_per_s: 40_000,
    provider: { reserve_units_per_kib: RESERVE_UNITS_PER_KIB, choke_round_ms: 2000 },
  });
}

/** A visitor who made a wallet on the Seedpay site and claimed the starter BTT there (the app's first run). */
export async function fundedVisitor(browser: Browser): Promise<{ visitor: BrowserContext; payment: string }> {
  const visitor = await browser.newContext();
  const seedpayTab = await visitor.newPage();
  await createWallet(seedpayTab, PASSWORD);
  await seedpayTab.getByRole('button', { name: 'Get free BTT' }).click();
  await expect(seedpayTab.getByText(/added to your balance/)).toBeVisible({ timeout: 120_000 });
  await seedpayTab.getByRole('button', { name: 'Continue' }).click();
  await seedpayTab.getByRole('button', { name: 'Skip for now' }).click();
  const { payment } = await walletAddresses(seedpayTab);
  await seedpayTab.close();
  return { visitor, payment };
}

/** What an account holds on the ledger: spendable plus locked in channel escrow (refunded on close if unpaid). */
export async function ledgerHoldings(payment: string): Promise<bigint> {
  const account = (await (await fetch(`${seedpayUrl()}/ledger/accounts/${payment}`)).json()) as { balance_units: string; escrow_units: string };
  return BigInt(account.balance_units) + BigInt(account.escrow_units);
}

/** What a seeder tab was paid: each payment carries its channel's cumulative amount, so a channel's is its largest. */
export async function seederEarned(seeder: StreamTab): Promise<bigint> {
  const events = (await seeder.page.evaluate(() => window.seedpayStream.walletEvents())) as WalletEventJson[];
  const received = events.filter((e) => e.kind === 'payment_received');
  return [...highestPerChannel(received).values()].reduce((total, amount) => total + amount, 0n);
}

/**
 * The paying embed keeps within the cap on both sides while the transfer runs on (to its end, or to the cap): what
 * its spent line shows, what the seeder received, and what left the visitor's ledger holdings are each at most the cap.
 */
export async function expectWithinCap(frame: Frame, seeder: StreamTab, payment: string, funded: bigint, cap_units: bigint): Promise<void> {
  const spentLine = frame.getByRole('region', { name: 'Pay seeders with your Seedpay wallet' }).getByRole('status');
  const spent = async () => BigInt((await spentLine.getAttribute('data-spent-units')) ?? '0');
  await expect.poll(async () => (await seederEarned(seeder)) > 0n, { timeout: 90_000, intervals: [500, 1000] }).toBe(true);
  await expect.poll(async () => (await spent()) > 0n, { timeout: 30_000 }).toBe(true);
  await frame.waitForTimeout(8_000);
  expect(await spent()).toBeLessThanOrEqual(cap_units);
  const earned = await seederEarned(seeder);
  expect(earned).toBeLessThanOrEqual(cap_units);
  // The seeder earned no more than the embed signed: the embed's figure (refreshed from its signed states, so it may
  // trail a payment made a moment ago while pieces still flow) reaches what the seeder was paid, and stays in the cap.
  await expect.poll(spent, { timeout: 10_000 }).toBeGreaterThanOrEqual(earned);
  expect(await spent()).toBeLessThanOrEqual(cap_units);
  expect(funded - (await ledgerHoldings(payment))).toBeLessThanOrEqual(cap_units);
}

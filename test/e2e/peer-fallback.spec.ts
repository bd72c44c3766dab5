// The fallback of worker-owned datachannels (issue 14): in a browser that cannot transfer an RTCDataChannel to a
// worker (Firefox throws DataCloneError; here an init script makes this Chromium's postMessage do the same for a
// channel in a transfer list), the peer relays the bytes through the page, and it still buys from a peer whose
// channels are in its worker: a paid transfer between the two modes, byte-exact, every piece paid once.
import { expect, test } from '@playwright/test';
import { add, openLab, providerOptions, requesterOptions, seed, walletEvents } from './peer-helpers.ts';

const MiB = 1024 * 1024;

/** Makes every postMessage that transfers an RTCDataChannel throw, as in a browser without transferable channels. */
function refuseChannelTransfer(): void {
  const refuse = (transfer: unknown) => {
    const list = Array.isArray(transfer) ? transfer : (transfer as { transfer?: unknown[] } | undefined)?.transfer ?? [];
    if (list.some((item) => item instanceof RTCDataChannel)) throw new DOMException('RTCDataChannel cannot be transferred', 'DataCloneError');
  };
  for (const proto of [MessagePort.prototype, Worker.prototype] as Array<{ postMessage: (message: unknown, transfer?: unknown) => void }>) {
    const post = proto.postMessage;
    proto.postMessage = function (this: unknown, message: unknown, transfer?: unknown) {
      refuse(transfer);
      return post.call(this, message, transfer as never);
    };
  }
}

test('a browser that cannot transfer datachannels relays them, and buys from a peer whose channels are in its worker', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('fallback-provider'));
  expect(await provider.page.evaluate(() => window.seedpayLab.datachannelMode())).toBe('worker');

  const context = await browser.newContext();
  await context.addInitScript(refuseChannelTransfer);
  const page = await context.newPage();
  await page.goto(`${process.env.SEEDPAY_URL}/lab.html`);
  await page.waitForFunction(() => 'seedpayLab' in window);
  await page.evaluate((o) => window.seedpayLab.start(o), requesterOptions('fallback-requester'));
  expect(await page.evaluate(() => window.seedpayLab.datachannelMode())).toBe('relay');
  const requester = { context, page, peerId: '', errors: [] as string[] };

  const seeded = await seed(provider, 4 * MiB, 61);
  await add(requester, seeded);
  await page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), seeded.info_hash);
  expect(await page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);
  // The bytes came through the page (the relay), and each piece was paid once.
  expect((await page.evaluate(() => window.seedpayLab.relayStats())).to_worker_bytes).toBeGreaterThanOrEqual(4 * MiB);
  const payments = await walletEvents(requester, 'payment_sent');
  expect(new Set(payments.map((p) => p.piece)).size).toBe(payments.length);
  expect(payments.length).toBe(seeded.piece_count);
  await context.close();
  await provider.context.close();
});

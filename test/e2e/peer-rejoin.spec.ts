// A provider that just served one requester serves the next one promptly. Requester A downloads a small file and
// leaves; requester B then asks the same provider for the same torrent and must be served within a few choke
// rounds. B's browser reports its connection late (its RTCPeerConnection.getStats answers 300 ms late, as on a
// loaded machine): simple-peer announces a datachannel only after a stats lookup, so the provider's first bytes (its
// BitTorrent handshake) arrive before B's relay takes the channel over. They used to be lost there: B's wire never
// completed its handshake, the provider kept a wire that never became interested, and B waited for a later
// announce, or webtorrent's 25 s handshake timeout, before it was served at all.
import { expect, test } from '@playwright/test';
import { add, openLab, providerOptions, requesterOptions, seed } from './peer-helpers.ts';

const MiB = 1024 * 1024;
const CHOKE_ROUND_MS = 2000;
const STATS_DELAY_MS = 300;

test('after one requester finishes and leaves, the next one is served within a few choke rounds', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('rejoin-provider', { choke_round_ms: CHOKE_ROUND_MS }));
  const seeded = await seed(provider, 4 * MiB, 77);

  const a = await openLab(browser, requesterOptions('rejoin-a', { choke_round_ms: CHOKE_ROUND_MS }));
  await add(a, seeded);
  await a.page.evaluate((h) => window.seedpayLab.waitDone(h, 60_000), seeded.info_hash);
  await a.context.close();

  const slow = await browser.newContext();
  await slow.addInitScript((delay_ms) => {
    const getStats = RTCPeerConnection.prototype.getStats;
    RTCPeerConnection.prototype.getStats = function (this: RTCPeerConnection, ...args: unknown[]) {
      return new Promise((resolve) => setTimeout(resolve, delay_ms)).then(() => (getStats as (...a: unknown[]) => Promise<RTCStatsReport>).apply(this, args));
    } as typeof getStats;
  }, STATS_DELAY_MS);
  const b = await openLab(browser, requesterOptions('rejoin-b', { choke_round_ms: CHOKE_ROUND_MS }), slow);
  const added = Date.now();
  await add(b, seeded);
  // Connecting (tracker, WebRTC) takes a moment; then a round at most, a bid response, a channel open, 16 pieces.
  // Twelve rounds is generous, and under the 25 s handshake timeout (plus a re-announce) the lost handshake cost.
  await expect
    .poll(async () => (await b.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash)).done, {
      timeout: 12 * CHOKE_ROUND_MS, intervals: [250],
    })
    .toBe(true);
  test.info().annotations.push({ type: 'rejoin', description: `B done ${((Date.now() - added) / 1000).toFixed(1)} s after adding` });
  expect(await b.page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);
  // B paid the provider for what it got: the paid path ran, not only a free optimistic slot.
  expect(BigInt((await b.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash)).paid_units)).toBeGreaterThan(0n);

  expect(provider.errors).toEqual([]);
  expect(b.errors).toEqual([]);
  await provider.context.close();
  await b.context.close();
});

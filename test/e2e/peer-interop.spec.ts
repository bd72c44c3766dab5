// Legacy interop both ways, against a page running plain WebTorrent from the same package on its main thread:
// a plain peer downloads from a Seedpay provider (served as a legacy peer, for free), and a Seedpay requester
// downloads from a plain seeder (it simply pays nothing).
import { expect, test } from '@playwright/test';
import { baseUrl, openLab, providerOptions, requesterOptions, seed, walletEvents } from './peer-helpers.ts';

const MiB = 1024 * 1024;

test('a plain WebTorrent page downloads from a Seedpay provider', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('interop-provider'));
  const plainContext = await browser.newContext();
  const plain = await plainContext.newPage();
  await plain.goto(`${baseUrl()}/lab.html`);
  await plain.waitForFunction(() => 'seedpayLab' in window);
  const seeded = await seed(provider, 8 * MiB, 21);
  const result = await plain.evaluate((t) => window.seedpayLab.plainDownload(t, 120_000), seeded.torrent_file_b64);
  expect(result.sha256_hex).toBe(seeded.sha256_hex);
  const peers = await provider.page.evaluate((h) => window.seedpayLab.peers(h), seeded.info_hash);
  expect(peers.length).toBeGreaterThan(0);
  for (const p of peers) {
    expect(p.speed).toBe('legacy');
    expect(p.earned_units).toBe('0');
  }
  expect(await walletEvents(provider)).toEqual([]);
  await plain.evaluate(() => window.seedpayLab.plainStop());
  await plainContext.close();
  await provider.context.close();
});

test('a Seedpay requester downloads from a plain WebTorrent seeder and pays nothing', async ({ browser }) => {
  const plainContext = await browser.newContext();
  const plain = await plainContext.newPage();
  await plain.goto(`${baseUrl()}/lab.html`);
  await plain.waitForFunction(() => 'seedpayLab' in window);
  const seeded = await plain.evaluate(() => window.seedpayLab.plainSeed({ size_bytes: 8 * 1024 * 1024, seed: 22, name: 'plain.bin' }));
  const requester = await openLab(browser, requesterOptions('interop-requester'));
  const added = await requester.page.evaluate((t) => window.seedpayLab.addTorrentFile(t, true), seeded.torrent_file_b64);
  expect(added.info_hash).toBe(seeded.info_hash);
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), seeded.info_hash);
  expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);
  expect(await walletEvents(requester, 'channel_opened')).toEqual([]);
  expect(await walletEvents(requester, 'payment_sent')).toEqual([]);
  const status = await requester.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  expect(status.paid_units).toBe('0');
  await plain.evaluate(() => window.seedpayLab.plainStop());
  await plainContext.close();
  await requester.context.close();
});

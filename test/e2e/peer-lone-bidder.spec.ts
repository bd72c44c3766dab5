// A lone Speed requester with the default 10 s choke round: a bid makes it the winner at once, so a 20 MB download
// that finishes well inside one round is paid for (it used to ride a free slot until the next round, often to the
// end). The bid arrives after the first round here — bidding is switched on once the download runs — as it does
// when the first bid waits for the balance or the metadata.
import { expect, test } from '@playwright/test';
import { auditHolds, balance, openLab, providerOptions, requesterOptions, seed, waitForWallet, walletEvents } from './peer-helpers.ts';

const MiB = 1024 * 1024;
const DEFAULT_ROUND = { choke_round_ms: 10_000 };

test('a lone bidder pays for a 20 MB download that ends before the next choke round', async ({ browser }) => {
  // The upload limit stretches the download over one round (about 10 s), so "before the next round" is measurable.
  const provider = await openLab(browser, providerOptions('lone-provider', { ...DEFAULT_ROUND, upload_limit_bytes_per_s: 2 * MiB }));
  const requester = await openLab(browser, requesterOptions('lone-requester', { ...DEFAULT_ROUND, bidding: false }));
  const seeded = await seed(provider, 20 * MiB, 51);
  const providerBefore = await balance(provider);
  // As a user would: by magnet link, so the bid goes out only once the metadata has arrived.
  await requester.page.evaluate((uri) => window.seedpayLab.addMagnet(uri, true), seeded.magnet_uri);
  await expect.poll(async () => (await requester.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash)).downloaded, { timeout: 60_000 })
    .toBeGreaterThan(0); // served free (a tit-for-tat slot): the first round is over
  await requester.page.evaluate(() => window.seedpayLab.setSpeed({ bidding: true }));
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), seeded.info_hash);
  expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);

  const payments = await walletEvents(requester, 'payment_sent');
  const paidBytes = payments.length * seeded.piece_length;
  expect(paidBytes).toBeGreaterThan(0);
  // Paid from the start, not only after a round: most of the file was bought.
  expect(paidBytes).toBeGreaterThan(seeded.length / 2);
  const closed = await waitForWallet(provider, 'channel_closed', 30_000);
  const paid = BigInt(String(closed.paid_units));
  expect(paid).toBeGreaterThan(0n);
  await expect.poll(() => balance(provider), { timeout: 15_000 }).toBe(providerBefore + paid);
  await auditHolds(provider);
  await provider.context.close();
  await requester.context.close();
});

// The worker peer moves a file between two browsers over real WebRTC, signaled by the server's tracker; the bytes
// run in the worker (in the "relay" project, through the page). With Speed on, the requester pays per verified
// piece over a real ledger channel.
import { expect, test } from '@playwright/test';
import {
  add, auditHolds, balance, openLab, providerOptions, requesterOptions, seed, sum, waitForWallet, walletEvents, RESERVE_UNITS_PER_KIB,
} from './peer-helpers.ts';

const MiB = 1024 * 1024;

test('RTCPeerConnection exists on the page but not inside a worker in this Chromium', async ({ page }) => {
  await page.goto(`${process.env.SEEDPAY_URL}/lab.html`);
  await page.waitForFunction(() => 'seedpayLab' in window);
  const availability = await page.evaluate(() => window.seedpayLab.rtcAvailability());
  expect(availability).toEqual({ page: true, worker: false });
});

test('a paid 20 MB download: hash matches, balances move by exactly the signed payments, the audit holds', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('transfer-provider'));
  const requester = await openLab(browser, requesterOptions('transfer-requester'));
  const requesterBefore = await balance(requester);
  const providerBefore = await balance(provider);
  expect(requesterBefore).toBeGreaterThan(0n);

  const seeded = await seed(provider, 20 * MiB, 42);
  const added = await add(requester, seeded);
  expect(added.info_hash).toBe(seeded.info_hash);
  const started = Date.now();
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 150_000), seeded.info_hash);
  const seconds = (Date.now() - started) / 1000;
  expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);

  // One channel, one payment per piece, each at the provider's price.
  const opened = await walletEvents(requester, 'channel_opened');
  expect(opened).toHaveLength(1);
  const payments = await walletEvents(requester, 'payment_sent');
  const pieceCost = BigInt(RESERVE_UNITS_PER_KIB) * BigInt(seeded.piece_length / 1024);
  expect(payments).toHaveLength(seeded.piece_count);
  expect(new Set(payments.map((p) => p.piece)).size).toBe(seeded.piece_count);
  for (const p of payments) expect(BigInt(String(p.delta_units))).toBe(pieceCost);
  const paid = sum(payments, 'delta_units');
  const last = payments.at(-1);
  expect(BigInt(String(last?.amount_units))).toBe(paid); // cumulative states: the last one is the total

  // The requester said done; the provider closes the channel with the last state and is credited.
  const closed = await waitForWallet(provider, 'channel_closed', 30_000);
  expect(closed.channel_id).toBe(opened[0]?.channel_id);
  expect(BigInt(String(closed.paid_units))).toBe(paid);
  const channel = await requester.page.evaluate((id) => window.seedpayLab.channel(id), String(closed.channel_id));
  expect(channel.state).toBe('closed');
  expect(channel.paid_units).toBe(String(paid));
  await expect.poll(() => balance(requester), { timeout: 10_000 }).toBe(requesterBefore - paid);
  await expect.poll(() => balance(provider), { timeout: 10_000 }).toBe(providerBefore + paid);
  await auditHolds(requester);

  test.info().annotations.push({ type: 'throughput', description: `${(20 / seconds).toFixed(2)} MiB/s paid, ${seeded.piece_count} payments` });
  expect(provider.errors).toEqual([]);
  expect(requester.errors).toEqual([]);
  await provider.context.close();
  await requester.context.close();
});

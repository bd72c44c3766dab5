// Reload the requester mid-download: the worker peer resumes from the pieces stored in OPFS and from the payment
// channel saved in the OPFS channel journal (IndexedDB where the worker has no sync access handles) — the same open
// channel, its sequence numbers continuing — and pays no piece twice.
import { expect, test } from '@playwright/test';
import {
  add, auditHolds, balance, openLab, providerOptions, requesterOptions, seed, waitForWallet, walletEvents, RESERVE_UNITS_PER_KIB,
} from './peer-helpers.ts';

const MiB = 1024 * 1024;

test('a reloaded requester resumes from stored pieces and the same channel, paying no piece twice', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('resume-provider'));
  const requester = await openLab(browser, requesterOptions('resume-requester'));
  const requesterBefore = await balance(requester);
  const seeded = await seed(provider, 20 * MiB, 31);
  await add(requester, seeded);
  await requester.page.evaluate((h) => window.seedpayLab.waitProgress(h, 0.3, 90_000), seeded.info_hash);

  const before = await walletEvents(requester, 'payment_sent');
  const opened = await walletEvents(requester, 'channel_opened');
  expect(opened).toHaveLength(1);
  expect(before.length).toBeGreaterThan(0);

  await requester.page.reload();
  await requester.page.waitForFunction(() => 'seedpayLab' in window);
  await requester.page.evaluate((o) => window.seedpayLab.start(o), requesterOptions('resume-requester'));
  // Resumed from the store: well past zero at once, without a byte from the network yet.
  const resumed = await requester.page.evaluate((h) => window.seedpayLab.waitProgress(h, 0.25, 30_000), seeded.info_hash);
  expect(resumed.progress).toBeGreaterThanOrEqual(0.25);
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 150_000), seeded.info_hash);
  expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);

  const after = await walletEvents(requester, 'payment_sent');
  // The same channel: nothing new opened, sequence numbers carry on from before the reload.
  expect(await walletEvents(requester, 'channel_opened')).toHaveLength(0);
  for (const p of after) expect(p.channel_id).toBe(opened[0]?.channel_id);
  // (Payments made between reading `before` and the reload are in neither list: compare orders, not counts.)
  expect(Math.min(...after.map((p) => Number(p.seq)))).toBeGreaterThan(Math.max(...before.map((p) => Number(p.seq))));
  const paidBefore = new Set(before.map((p) => p.piece));
  for (const p of after) expect(paidBefore.has(p.piece)).toBe(false);
  expect(new Set(after.map((p) => p.piece)).size).toBe(after.length);

  // Every piece came from this provider and was paid exactly once: the channel closes at piece_count × piece cost.
  const pieceCost = BigInt(RESERVE_UNITS_PER_KIB) * BigInt(seeded.piece_length / 1024);
  const total = BigInt(seeded.piece_count) * pieceCost;
  expect(BigInt(String(after.at(-1)?.amount_units))).toBe(total);
  const closed = await waitForWallet(provider, 'channel_closed', 30_000);
  expect(closed.channel_id).toBe(opened[0]?.channel_id);
  expect(BigInt(String(closed.paid_units))).toBe(total);
  await expect.poll(() => balance(requester), { timeout: 10_000 }).toBe(requesterBefore - total);
  await auditHolds(provider);
  await provider.context.close();
  await requester.context.close();
});

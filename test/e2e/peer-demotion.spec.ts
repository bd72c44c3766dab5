// Issue 11's money bug, as a new user met it, with three tabs: requester A wins the provider's one paid slot, then
// lowers its spending rate so its bid falls below the reserve; requester B takes the paid slot. A keeps downloading
// in the free slot and pays nothing more: no payment, no channel, and its ledger spend does not grow.
import { expect, test } from '@playwright/test';
import { add, auditHolds, openLab, providerOptions, requesterOptions, seed, walletEvents, type LabTab, RESERVE_UNITS_PER_KIB } from './peer-helpers.ts';

const MiB = 1024 * 1024;

test('a requester that stops winning stops paying at once, and keeps the free slot', async ({ browser }) => {
  // One auctioned slot and the optimistic one; the upload limit keeps the download going while we watch.
  const provider = await openLab(browser, providerOptions('demote-provider', {
    regular_slots: 1, tit_for_tat_slots: 0, choke_round_ms: 2000, upload_limit_bytes_per_s: 1 * MiB,
  }));
  const a = await openLab(browser, requesterOptions('demote-a'));
  const seeded = await seed(provider, 24 * MiB, 41);
  const providerKey = await provider.page.evaluate(() => window.seedpayLab.paymentKey());
  const toProvider = async (tab: LabTab) => {
    const opened = (await walletEvents(tab, 'channel_opened')).filter((e) => e.payee === providerKey);
    const ids = new Set(opened.map((e) => e.channel_id));
    return { opened, payments: (await walletEvents(tab, 'payment_sent')).filter((e) => ids.has(e.channel_id)) };
  };
  const onProvider = async (tab: LabTab) =>
    (await provider.page.evaluate((h) => window.seedpayLab.peers(h), seeded.info_hash)).find((p) => p.peer_id === tab.peerId);

  await add(a, seeded);
  await expect.poll(async () => (await toProvider(a)).payments.length, { timeout: 60_000 }).toBeGreaterThan(1);
  const bid = BigInt(String((await onProvider(a))?.their_bid_units_per_kib));
  expect(bid).toBeGreaterThan(BigInt(RESERVE_UNITS_PER_KIB));

  // A's rate falls so its bid is about a third of the reserve: the new bid goes out on the next tick.
  const rate_ppm = (1_000_000n * BigInt(RESERVE_UNITS_PER_KIB)) / (3n * bid);
  await a.page.evaluate((r) => window.seedpayLab.setSpeed({ spending_rate_ppm: r }), rate_ppm.toString());
  await expect.poll(async () => BigInt(String((await onProvider(a))?.their_bid_units_per_kib)), { timeout: 10_000 })
    .toBeLessThan(BigInt(RESERVE_UNITS_PER_KIB));
  // The bid left together with A's own re-check: A has stopped paying this provider...
  const aView = async () =>
    (await a.page.evaluate((h) => window.seedpayLab.peers(h), seeded.info_hash)).find((p) => p.peer_id === provider.peerId);
  await expect.poll(async () => (await aView())?.payer_phase, { timeout: 2000 }).toBe('Stopped');
  const stopped = await toProvider(a);
  // ...and the provider ended A's paid session on the bid: it does not serve A for pay any more.
  await expect.poll(async () => (await onProvider(a))?.payee_phase, { timeout: 10_000 }).toMatch(/^(Closing|Closed)$/);

  // B arrives bidding above the reserve and takes the paid slot.
  const b = await openLab(browser, requesterOptions('demote-b'));
  await add(b, seeded);
  await expect.poll(async () => (await toProvider(b)).payments.length, { timeout: 60_000 }).toBeGreaterThan(0);

  // A holds only the free slot now: it keeps receiving, and pays nothing.
  const aDownloaded = (await a.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash)).downloaded;
  await a.page.waitForTimeout(6000);
  const later = await a.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  expect(later.downloaded).toBeGreaterThan(aDownloaded);
  const after = await toProvider(a);
  expect(after.payments.length).toBe(stopped.payments.length);
  expect(after.opened.length).toBe(stopped.opened.length);

  // On the ledger: A's channel to the provider closed with exactly what A signed before it stopped winning.
  const signed = after.payments.reduce((t, p) => (BigInt(String(p.amount_units)) > t ? BigInt(String(p.amount_units)) : t), 0n);
  const channelId = String(after.opened[0]?.channel_id);
  await expect.poll(async () => (await a.page.evaluate((id) => window.seedpayLab.channel(id), channelId)).state, { timeout: 30_000 }).toBe('closed');
  expect(BigInt(String((await a.page.evaluate((id) => window.seedpayLab.channel(id), channelId)).paid_units))).toBe(signed);
  await auditHolds(provider);
  for (const tab of [provider, a, b]) await tab.context.close();
});

// Three tabs: one provider with a single auctioned slot (plus the optimistic one) and two requesters bidding
// differently. The higher bidder wins the slot at the uniform price (the highest losing bid); the optimistic slot
// still serves the other. Prices are uniform per round: the highest losing bid, or the reserve when none lost.
import { expect, test } from '@playwright/test';
import { add, openLab, providerOptions, requesterOptions, seed, walletEvents, RESERVE_UNITS_PER_KIB } from './peer-helpers.ts';

const MiB = 1024 * 1024;

test('the higher bidder wins the auctioned slot at the uniform price; the optimistic slot serves the other', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('auction-provider', { regular_slots: 1, tit_for_tat_slots: 0, choke_round_ms: 3000 }));
  const high = await openLab(browser, requesterOptions('auction-high', { spending_rate_ppm: '1000000' }));
  const low = await openLab(browser, requesterOptions('auction-low', { spending_rate_ppm: '250000' }));

  // Make the torrent, then take it offline so both requesters are waiting when the provider comes back: its first
  // round with interested peers then sees both bids.
  const seeded = await seed(provider, 12 * MiB, 11);
  await provider.page.evaluate((h) => window.seedpayLab.remove(h, false), seeded.info_hash);
  await Promise.all([add(high, seeded), add(low, seeded)]);
  await provider.page.waitForTimeout(1500);
  await provider.page.evaluate((t) => window.seedpayLab.addTorrentFile(t, true), seeded.torrent_file_b64);

  // Requesters also trade with each other (each is a provider of what it has): count only channels to the provider.
  const providerKey = await provider.page.evaluate(() => window.seedpayLab.paymentKey());
  const toProvider = async (tab: typeof high) => {
    const channels = new Set((await walletEvents(tab, 'channel_opened')).filter((e) => e.payee === providerKey).map((e) => e.channel_id));
    return (await walletEvents(tab, 'payment_sent')).filter((e) => channels.has(e.channel_id));
  };
  const onProvider = async () => {
    const peers = await provider.page.evaluate((h) => window.seedpayLab.peers(h), seeded.info_hash);
    return { high: peers.find((p) => p.peer_id === high.peerId), low: peers.find((p) => p.peer_id === low.peerId) };
  };

  // Once both bids are in, the round charges the high bidder the low bidder's bid (the highest losing bid). A bid
  // arriving alone at a free slot is charged at once (at the reserve), so whichever tab connects first, the rounds
  // settle on the high bidder paying the low bid.
  await expect.poll(async () => {
    const { high: h, low: l } = await onProvider();
    return h?.payee_phase === 'Serving' && l?.their_bid_units_per_kib != null && h.price_units_per_kib === l.their_bid_units_per_kib;
  }, { timeout: 60_000 }).toBe(true);
  const { high: highOnProvider, low: lowOnProvider } = await onProvider();
  const lowBid = BigInt(String(lowOnProvider?.their_bid_units_per_kib));
  const highBid = BigInt(String(highOnProvider?.their_bid_units_per_kib));
  expect(highBid).toBeGreaterThan(lowBid);
  expect(lowBid).toBeGreaterThan(BigInt(RESERVE_UNITS_PER_KIB));
  // The loser has no live paid session while the winner holds the slot.
  expect(['Serving', 'WaitingForChannel', 'WaitingForLedgerCheck']).not.toContain(lowOnProvider?.payee_phase ?? null);

  // Meanwhile the optimistic slot serves the low bidder, for free.
  await expect.poll(async () => (await low.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash)).downloaded, { timeout: 30_000 })
    .toBeGreaterThan(0);

  await high.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), seeded.info_hash);
  await low.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), seeded.info_hash);

  const kib = BigInt(seeded.piece_length / 1024);
  const reservePiece = BigInt(RESERVE_UNITS_PER_KIB) * kib;
  const highPayments = await toProvider(high);
  expect(highPayments.length).toBeGreaterThan(0);
  // Uniform price per round: the low bid while the low bidder competed, the reserve while it did not (before its bid
  // arrived, or once it finished).
  expect(highPayments.some((p) => BigInt(String(p.delta_units)) === lowBid * kib)).toBe(true);
  for (const p of highPayments) expect([lowBid * kib, reservePiece]).toContain(BigInt(String(p.delta_units)));
  expect(new Set(highPayments.map((p) => p.piece)).size).toBe(highPayments.length);
  // The low bidder never won while the high bidder competed: whatever it bought from the provider, it bought alone
  // in the auction, at the reserve — never above its own bid.
  for (const p of await toProvider(low)) expect(BigInt(String(p.delta_units))).toBe(reservePiece);

  for (const tab of [provider, high, low]) await tab.context.close();
});

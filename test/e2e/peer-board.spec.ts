// The demand board (docs/cdn-board.md) from a real browser peer: a Speed requester's announces carry its bid, signed
// by its payment key, and the tracker's board shows it for the torrent — priced as the bid its provider receives,
// funded by its ledger balance — and shows it withdrawn once the download is done.
import { expect, test } from '@playwright/test';
import { add, baseUrl, openLab, providerOptions, requesterOptions, seed } from './peer-helpers.ts';

const MiB = 1024 * 1024;

interface BoardBid { bid: { public_key: string; price_units_per_kib: string; wanted_bytes: string }; payable_units: string }

test('a Speed requester publishes its signed bid on the demand board, and withdraws it when done', async ({ browser, request }) => {
  const provider = await openLab(browser, providerOptions('board-provider', { upload_limit_bytes_per_s: 1 * MiB }));
  const requester = await openLab(browser, requesterOptions('board-requester'));
  const seeded = await seed(provider, 8 * MiB, 61);
  await add(requester, seeded);
  const key = await requester.page.evaluate(() => window.seedpayLab.paymentKey());
  const board = async () => (await (await request.get(`${baseUrl()}/board/${seeded.info_hash}`)).json()) as { bidders: number; bids: BoardBid[] };
  const ours = async () => (await board()).bids.find((b) => b.bid.public_key === key);

  await expect.poll(async () => (await ours())?.bid.price_units_per_kib ?? null, { timeout: 60_000 }).not.toBeNull();
  const listed = await ours();
  // The board's price is the bid the provider receives on the wire, and the bidder's balance funds it. The announce
  // that carries the bid can reach the board before the two peers have connected: wait for the bid on the wire.
  const theirBid = async () =>
    (await provider.page.evaluate((h) => window.seedpayLab.peers(h), seeded.info_hash)).find((p) => p.peer_id === requester.peerId)?.their_bid_units_per_kib ?? null;
  await expect.poll(theirBid, { timeout: 60_000 }).not.toBeNull();
  expect(BigInt(String(listed?.bid.price_units_per_kib))).toBeGreaterThan(0n);
  expect(BigInt(String(await theirBid()))).toBeGreaterThanOrEqual(BigInt(String(listed?.bid.price_units_per_kib)) * 9n / 10n);
  expect(BigInt(String(listed?.payable_units))).toBeGreaterThan(0n);
  expect(BigInt(String(listed?.bid.wanted_bytes))).toBeLessThanOrEqual(BigInt(seeded.length));

  // Done: nothing more wanted, the bid is withdrawn and leaves the board.
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), seeded.info_hash);
  await expect.poll(async () => (await ours()) ?? null, { timeout: 60_000 }).toBeNull();
  for (const tab of [provider, requester]) await tab.context.close();
});

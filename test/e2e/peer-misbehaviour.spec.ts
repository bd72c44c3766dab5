// The Speed rules against peers that break them, over real WebRTC and the real ledger: a requester that stops
// paying is choked and then banned; a provider sending corrupt pieces is banned by the requester; a requester that
// vanishes leaves a channel the provider closes (and is paid for what was signed).
import { expect, test } from '@playwright/test';
import { add, auditHolds, balance, openLab, providerOptions, requesterOptions, seed, sum, waitForWallet, walletEvents } from './peer-helpers.ts';

const MiB = 1024 * 1024;
const HOUR_MS = 60 * 60_000;

test('a requester that stops paying is choked, then banned for the ban period', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('nopay-provider'));
  const requester = await openLab(browser, requesterOptions('nopay-requester'));
  await requester.page.evaluate(() => window.seedpayLab.misbehave('no_pay'));
  const seeded = await seed(provider, 8 * MiB, 7);
  await add(requester, seeded);

  const choked = await waitForWallet(provider, 'peer_choked', 60_000);
  expect(choked.peer_id).toBe(requester.peerId);
  expect(choked.reason).toBe('payment_late');
  const banned = await waitForWallet(provider, 'peer_banned', 60_000);
  const bannedAt = Date.now();
  expect(banned.peer_id).toBe(requester.peerId);
  expect(banned.role).toBe('requester');
  expect(Number(banned.until_ms)).toBeGreaterThan(bannedAt + HOUR_MS - 60_000);
  expect(Number(banned.until_ms)).toBeLessThan(bannedAt + HOUR_MS + 60_000);
  // It got at most the one unpaid piece (the exposure rule), and the provider no longer serves it.
  const status = await requester.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  expect(status.downloaded).toBeLessThanOrEqual(seeded.piece_length);
  await expect.poll(async () => (await provider.page.evaluate((h) => window.seedpayLab.peers(h), seeded.info_hash))
    .filter((p) => p.peer_id === requester.peerId).length, { timeout: 10_000 }).toBe(0);
  await auditHolds(provider);
  await provider.context.close();
  await requester.context.close();
});

test('a provider that sends corrupt pieces is banned by the requester', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('corrupt-provider'));
  const requester = await openLab(browser, requesterOptions('corrupt-requester'));
  await provider.page.evaluate(() => window.seedpayLab.misbehave('corrupt'));
  const seeded = await seed(provider, 4 * MiB, 8);
  await add(requester, seeded);

  const banned = await waitForWallet(requester, 'peer_banned', 60_000);
  expect(banned.peer_id).toBe(provider.peerId);
  expect(banned.role).toBe('provider');
  expect(banned.reason).toBe('bad_piece');
  expect(Number(banned.until_ms)).toBeGreaterThan(Date.now() + HOUR_MS - 120_000);
  // Nothing is paid for data that failed its hash.
  expect(await walletEvents(requester, 'payment_sent')).toHaveLength(0);
  const status = await requester.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  expect(status.progress).toBe(0);
  await provider.context.close();
  await requester.context.close();
});

test('a requester that vanishes mid-download leaves a channel the provider closes', async ({ browser }) => {
  const provider = await openLab(browser, providerOptions('vanish-provider'));
  const requester = await openLab(browser, requesterOptions('vanish-requester'));
  const providerBefore = await balance(provider);
  const seeded = await seed(provider, 20 * MiB, 9);
  await add(requester, seeded);
  await requester.page.evaluate((h) => window.seedpayLab.waitProgress(h, 0.2, 90_000), seeded.info_hash);
  const opened = await walletEvents(requester, 'channel_opened');
  expect(opened).toHaveLength(1);
  await requester.context.close(); // gone without a word: no `done`, no close

  const closed = await waitForWallet(provider, 'channel_closed', 90_000);
  expect(closed.channel_id).toBe(opened[0]?.channel_id);
  const received = await walletEvents(provider, 'payment_received');
  const lastAmount = received.map((e) => BigInt(String(e.amount_units))).reduce((a, b) => (a > b ? a : b), 0n);
  expect(BigInt(String(closed.paid_units))).toBe(lastAmount);
  expect(lastAmount).toBeGreaterThan(0n);
  await expect.poll(() => balance(provider), { timeout: 10_000 }).toBe(providerBefore + lastAmount);
  const channel = await provider.page.evaluate((id) => window.seedpayLab.channel(id), String(closed.channel_id));
  expect(channel.state).toBe('closed');
  expect(channel.paid_units).toBe(String(lastAmount));
  // The requester's signed total equals what the provider closed with (it vanished with nothing unpaid but one piece).
  expect(sum(received.slice(-1), 'amount_units')).toBe(lastAmount);
  await auditHolds(provider);
  await provider.context.close();
});

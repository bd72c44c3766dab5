// Reload the requester mid-download and unlock its wallet only after its connections formed (as the app does after
// a reload: the peer starts at once, the user unlocks later). Those connections began as legacy ones; the unlock
// re-forms them with Speed, and the requester pays again.
import { expect, test } from '@playwright/test';
import { add, auditHolds, openLab, providerOptions, requesterOptions, seed, walletEvents, type LabTab } from './peer-helpers.ts';

const MiB = 1024 * 1024;

test('a wallet unlocked after the connections formed turns them into Speed connections that pay', async ({ browser }) => {
  // The upload limit keeps the download going across the reload and the unlock.
  const provider = await openLab(browser, providerOptions('unlock-provider', { upload_limit_bytes_per_s: 2 * MiB }));
  const requester = await openLab(browser, requesterOptions('unlock-requester'));
  const seeded = await seed(provider, 20 * MiB, 61);
  await add(requester, seeded);
  await expect.poll(async () => (await walletEvents(requester, 'payment_sent')).length, { timeout: 60_000 }).toBeGreaterThan(1);

  await requester.page.reload();
  await requester.page.waitForFunction(() => 'seedpayLab' in window);
  await requester.page.evaluate((o) => window.seedpayLab.start(o), { ...requesterOptions('unlock-requester'), wallet: 'locked' as const });
  const providerSeen = async (tab: LabTab) =>
    (await tab.page.evaluate((h) => window.seedpayLab.peers(h), seeded.info_hash)).find((p) => p.peer_id === provider.peerId);
  // Locked: the connection forms without the extension, so nothing can be paid on it.
  await expect.poll(async () => (await providerSeen(requester))?.speed, { timeout: 30_000 }).toBe('legacy');
  expect(await walletEvents(requester, 'payment_sent')).toHaveLength(0);
  const status = await requester.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  expect(status.done).toBe(false);

  await requester.page.evaluate(() => window.seedpayLab.unlock());
  await expect.poll(async () => (await providerSeen(requester))?.speed, { timeout: 30_000 }).toBe('speed');
  await expect.poll(async () => (await walletEvents(requester, 'payment_sent')).length, { timeout: 60_000 }).toBeGreaterThan(0);
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), seeded.info_hash);
  expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);
  await auditHolds(provider);
  await provider.context.close();
  await requester.context.close();
});

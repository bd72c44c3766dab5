// What a torrent shows about money is the ledger's truth, across a reload and a Speed switch (issue 12): a requester
// downloads with Speed on, is reloaded mid-way, switches Speed off for the torrent and finishes from the now-legacy
// connection. Its paid figure equals the signed states the provider accepted and the ledger's closes of those
// channels; bytes from the legacy connection are never counted as paid; another reload changes nothing.
import { expect, test } from '@playwright/test';
import {
  add, auditHolds, forcedDatachannel, highestPerChannel, openLab, providerOptions, requesterOptions, seed, walletEvents, RESERVE_UNITS_PER_KIB, type LabTab,
} from './peer-helpers.ts';

const MiB = 1024 * 1024;

test('paid and free figures survive a reload and a Speed switch, and equal the signed states and the ledger', async ({ browser }) => {
  // A 2 MiB/s upload limit keeps the download going long enough to reload and switch mid-way.
  const provider = await openLab(browser, providerOptions('money-provider', { upload_limit_bytes_per_s: 2 * MiB }));
  const requester = await openLab(browser, requesterOptions('money-requester'));
  const seeded = await seed(provider, 20 * MiB, 51);
  await add(requester, seeded);
  const status = () => requester.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  const restart = async (tab: LabTab) => {
    await tab.page.reload();
    await tab.page.waitForFunction(() => 'seedpayLab' in window);
    await tab.page.evaluate((o) => window.seedpayLab.start(o), { ...requesterOptions('money-requester'), ...forcedDatachannel() });
  };

  await requester.page.evaluate((h) => window.seedpayLab.waitProgress(h, 0.2, 90_000), seeded.info_hash);
  const beforeReload = await status();
  expect(BigInt(beforeReload.paid_units)).toBeGreaterThan(0n);
  await restart(requester);
  // Kept across the reload: the figure does not drop to 0.
  const afterReload = await status();
  expect(BigInt(afterReload.paid_units)).toBeGreaterThanOrEqual(BigInt(beforeReload.paid_units));
  expect(afterReload.paid_bytes).toBeGreaterThanOrEqual(beforeReload.paid_bytes);

  // Paying again after the reload, then Speed off for this torrent: its connections re-form as plain BitTorrent.
  await expect.poll(async () => BigInt((await status()).paid_units), { timeout: 60_000 }).toBeGreaterThan(BigInt(afterReload.paid_units));
  await requester.page.evaluate((h) => window.seedpayLab.setTorrentSpeed(h, false), seeded.info_hash);
  await expect.poll(async () => (await requester.page.evaluate((h) => window.seedpayLab.peers(h), seeded.info_hash))
    .some((p) => p.peer_id === provider.peerId && p.speed === 'legacy'), { timeout: 30_000 }).toBe(true);
  const atSwitch = await status();
  expect(atSwitch.progress).toBeLessThan(1);
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 150_000), seeded.info_hash);
  expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);

  // The signed states the provider accepted, per channel, and the ledger's close of each of those channels.
  const requesterKey = await requester.page.evaluate(() => window.seedpayLab.paymentKey());
  const received = (await walletEvents(provider, 'payment_received')).filter((e) => e.info_hash === seeded.info_hash);
  const accepted = highestPerChannel(received);
  let settled = 0n;
  for (const channel_id of accepted.keys()) {
    await expect.poll(async () => (await provider.page.evaluate((id) => window.seedpayLab.channel(id), channel_id)).state, { timeout: 60_000 })
      .toBe('closed');
    const onLedger = await provider.page.evaluate((id) => window.seedpayLab.channel(id), channel_id);
    expect(onLedger.payer).toBe(requesterKey);
    settled += BigInt(String(onLedger.paid_units));
  }
  // The provider closed every channel with the best state it accepted.
  expect(settled).toBe([...accepted.values()].reduce((a, b) => a + b, 0n));
  // Both torrents' figures come to the ledger's settlement once they have read the closes (a state signed but lost
  // with the connection counts until the close says otherwise).
  await expect.poll(async () => BigInt((await status()).paid_units), { timeout: 30_000 }).toBe(settled);
  const earned = await provider.page.evaluate((h) => window.seedpayLab.status(h), seeded.info_hash);
  expect(BigInt(earned.earned_units)).toBe(settled);
  // The seeder shared the file from its own bytes: it downloaded nothing, paid or free.
  expect({ paid: earned.paid_bytes, free: earned.free_bytes }).toEqual({ paid: 0, free: 0 });
  const done = await status();

  // Legacy bytes are free: nothing more was paid after the switch, and the rest of the file arrived as free bytes.
  expect(BigInt(done.paid_units)).toBeLessThanOrEqual(BigInt(atSwitch.paid_units));
  expect(done.paid_bytes).toBeLessThanOrEqual(atSwitch.paid_bytes);
  expect(done.paid_bytes).toBeGreaterThan(0);
  expect(done.free_bytes).toBeGreaterThan(0);
  expect(done.paid_bytes + done.free_bytes).toBeGreaterThanOrEqual(seeded.length);
  // One provider, alone in its auction: every paid piece cost the reserve, so paid bytes and paid units agree.
  const kib = BigInt(seeded.piece_length / 1024);
  expect(done.paid_bytes % seeded.piece_length).toBe(0);
  expect(BigInt(done.paid_units)).toBe(BigInt(done.paid_bytes / seeded.piece_length) * BigInt(RESERVE_UNITS_PER_KIB) * kib);

  // Another reload: the same figures.
  await restart(requester);
  const reloaded = await status();
  expect({ paid_units: reloaded.paid_units, paid_bytes: reloaded.paid_bytes, free_bytes: reloaded.free_bytes })
    .toEqual({ paid_units: done.paid_units, paid_bytes: done.paid_bytes, free_bytes: done.free_bytes });
  await auditHolds(provider);
  for (const tab of [provider, requester]) await tab.context.close();
});

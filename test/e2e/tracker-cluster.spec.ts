// Two browser peers signaled by the tracker cluster, each connected to a different gateway (nats-server, two swarm
// shards, two gateways, started by this spec on loopback): they find each other through the shards, form a
// WebRTC connection from the relayed offer and answer, and complete a paid download on the real ledger.
import { expect, test } from '@playwright/test';
import { startTestCluster, type TestCluster } from '../tracker/helpers/cluster.ts';
import { auditHolds, openLab, providerOptions, requesterOptions, seed, sum, waitForWallet, walletEvents } from './peer-helpers.ts';

const MiB = 1024 * 1024;
let cluster: TestCluster;

test.beforeAll(async () => {
  cluster = await startTestCluster({ shards: ['s1', 's2'], gateways: ['g1', 'g2'] });
});
test.afterAll(async () => {
  await cluster?.stop();
});

test('peers on different gateways find each other and complete a paid download', async ({ browser }) => {
  const [g1, g2] = cluster.gateways;
  const provider = await openLab(browser, { ...providerOptions('cluster-provider'), trackerUrls: [g1!.url] });
  const requester = await openLab(browser, { ...requesterOptions('cluster-requester'), trackerUrls: [g2!.url] });

  const seeded = await seed(provider, 2 * MiB, 18);
  // A magnet without trackers: the requester announces only to its own gateway (g2), the torrent's own list
  // would add g1.
  await requester.page.evaluate((uri) => window.seedpayLab.addMagnet(uri, true), `magnet:?xt=urn:btih:${seeded.info_hash}`);
  await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 120_000), seeded.info_hash);
  expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);
  // Each browser held one socket, each to its own gateway: the offer and the answer crossed gateways.
  expect([g1!.connections(), g2!.connections()]).toEqual([1, 1]);

  const payments = await walletEvents(requester, 'payment_sent');
  expect(payments).toHaveLength(seeded.piece_count);
  const paid = sum(payments, 'delta_units');
  const closed = await waitForWallet(provider, 'channel_closed', 30_000);
  expect(BigInt(String(closed.paid_units))).toBe(paid);
  await auditHolds(requester);
  expect(provider.errors).toEqual([]);
  expect(requester.errors).toEqual([]);
  await provider.context.close();
  await requester.context.close();
});

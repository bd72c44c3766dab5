// The tracker cluster over a real nats-server: peers on different gateways meet (offers and answers cross
// gateways), info hashes spread over shards by rendezvous hashing, and a dead shard or gateway is rebuilt from
// re-announces.
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/tracker/gateway.ts';
import { ownerOf } from '../../src/tracker/rendezvous.ts';
import { binaryToHex } from '../../src/tracker/wire.ts';
import { TEST_HEARTBEAT_MS, startTestCluster, until, type TestCluster } from './helpers/cluster.ts';
import { spawnTracker } from './helpers/process.ts';
import { WsPeer, isAnswer, isOffer, isResponse, randomHex20 } from './helpers/ws-peer.ts';

let cluster: TestCluster | null = null;
const peers: WsPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await cluster?.stop();
  cluster = null;
});
const open = async (url: string) => {
  const p = await WsPeer.open(url);
  peers.push(p);
  return p;
};

describe('tracker cluster', () => {
  it('relays an offer and its answer between peers on different gateways', async () => {
    cluster = await startTestCluster({ shards: ['s1', 's2'], gateways: ['g1', 'g2'] });
    const [g1, g2] = cluster.gateways as [typeof cluster.gateways[0], typeof cluster.gateways[0]];
    const ih = randomHex20();
    const seeder = await open(g1.url);
    seeder.announce(ih, { event: 'started', left: 0 });
    const first = await seeder.next(isResponse(ih));
    expect(first).toMatchObject({ action: 'announce', complete: 1, incomplete: 0, interval: 120 });

    const leecher = await open(g2.url);
    const offer_id = randomHex20();
    leecher.announce(ih, { event: 'started', left: 500, offers: [{ offer_id, sdp: 'v=0 offer-sdp' }] });
    expect(await leecher.next(isResponse(ih))).toMatchObject({ complete: 1, incomplete: 1 });

    const offer = await seeder.next(isOffer);
    expect(binaryToHex(offer.peer_id as string)).toBe(leecher.peer_id);
    expect(binaryToHex(offer.offer_id as string)).toBe(offer_id);
    expect(offer.offer).toEqual({ type: 'offer', sdp: 'v=0 offer-sdp' });

    seeder.answer(offer, 'v=0 answer-sdp');
    const answer = await leecher.next(isAnswer);
    expect(binaryToHex(answer.peer_id as string)).toBe(seeder.peer_id);
    expect(binaryToHex(answer.offer_id as string)).toBe(offer_id);
    expect(answer.answer).toEqual({ type: 'answer', sdp: 'v=0 answer-sdp' });
    // An answer gets no response frame (bittorrent-tracker's behaviour), and the seeder gets only what it should.
    await new Promise((r) => setTimeout(r, 100));
    expect(seeder.frames.filter(isResponse(ih))).toHaveLength(0);

    // `completed` turns the leecher into a seeder; `stopped` takes it out.
    leecher.announce(ih, { event: 'completed', left: 0 });
    expect(await leecher.next(isResponse(ih))).toMatchObject({ complete: 2, incomplete: 0 });
    leecher.announce(ih, { event: 'stopped', left: 0 });
    expect(await leecher.next(isResponse(ih))).toMatchObject({ complete: 1, incomplete: 0 });
  });

  it('spreads info hashes over the shards by rendezvous hashing, and a closed socket leaves its swarms', async () => {
    cluster = await startTestCluster({ shards: ['s1', 's2'], gateways: ['g1'] });
    const g = cluster.gateways[0]!;
    await until(() => g.shards().length === 2, 5000, 'both shards known');
    const peer = await open(g.url);
    const hashes = Array.from({ length: 40 }, randomHex20);
    for (const ih of hashes) peer.announce(ih, { event: 'started' });
    for (const ih of hashes) await peer.next(isResponse(ih));
    for (const ih of hashes) {
      const owner = ownerOf(ih, ['s1', 's2']);
      const shard = cluster.shards.find((s) => s.id === owner)!;
      const other = cluster.shards.find((s) => s.id !== owner)!;
      expect(shard.swarm(ih)).toEqual({ complete: 0, incomplete: 1 });
      expect(other.swarm(ih)).toBeNull();
    }
    const [a, b] = cluster.shards.map((s) => s.stats().swarms);
    expect(a! + b!).toBe(40);
    expect(Math.min(a!, b!)).toBeGreaterThan(5);
    peer.close();
    await until(() => cluster!.shards.every((s) => s.stats().peers === 0), 5000, 'swarms emptied on close');
  });

  it('a shard that dies is rebuilt on the other shard from re-announces, and gets its swarms back when it returns', async () => {
    cluster = await startTestCluster({ shards: ['s1', 's2'], gateways: ['g1', 'g2'] });
    const [g1, g2] = cluster.gateways;
    await until(() => g1!.shards().length === 2 && g2!.shards().length === 2, 5000, 'shards known');
    // An info hash s1 owns.
    let ih = randomHex20();
    while (ownerOf(ih, ['s1', 's2']) !== 's1') ih = randomHex20();
    const a = await open(g1!.url);
    const b = await open(g2!.url);
    a.announce(ih, { event: 'started' });
    await a.next(isResponse(ih));

    await cluster.shards.find((s) => s.id === 's1')!.close();
    await until(() => g1!.shards().length === 1 && g2!.shards().length === 1, 5000, 'dead shard dropped');
    // Re-announces (what every peer does each interval) rebuild the swarm on s2; offers flow again.
    a.announce(ih, {});
    expect(await a.next(isResponse(ih))).toMatchObject({ incomplete: 1 });
    b.announce(ih, { event: 'started', offers: [{ offer_id: randomHex20(), sdp: 'sdp-b' }] });
    expect(await b.next(isResponse(ih))).toMatchObject({ incomplete: 2 });
    const offer = await a.next(isOffer);
    a.answer(offer, 'answer-a');
    await b.next(isAnswer);
    expect(cluster.shards.find((s) => s.id === 's2')!.swarm(ih)).toEqual({ complete: 0, incomplete: 2 });

    // s1 comes back under the same name: its info hashes return to it, rebuilt by the next re-announces.
    await cluster.addShard('s1');
    await until(() => g1!.shards().length === 2 && g2!.shards().length === 2, 5000, 'shard back');
    // s2 forgets its copy of the swarm s1 owns again, so it cannot resurface stale if s1 dies once more.
    const s2 = cluster.shards.find((s) => s.id === 's2')!;
    await until(() => s2.swarm(ih) === null, 5000, 's2 drops the swarm it no longer owns');
    a.announce(ih, {});
    await a.next(isResponse(ih));
    b.announce(ih, {});
    expect(await b.next(isResponse(ih))).toMatchObject({ incomplete: 2 });
  });

  it('a gateway that dies: its peers leave the swarms, and reconnect through another gateway', async () => {
    cluster = await startTestCluster({ shards: ['s1'], gateways: ['g1', 'g2'] });
    const [g1, g2] = cluster.gateways;
    const ih = randomHex20();
    const a = await open(g1!.url);
    const b = await open(g2!.url);
    a.announce(ih, { event: 'started' });
    await a.next(isResponse(ih));
    b.announce(ih, { event: 'started' });
    expect(await b.next(isResponse(ih))).toMatchObject({ incomplete: 2 });

    await g2!.close();
    expect(await b.closed).toBeGreaterThan(0);
    await until(() => cluster!.shards[0]!.swarm(ih)?.incomplete === 1, 5000, 'dead gateway’s peer dropped');
    // b reconnects through g1 with the same peer id and is offered to a at once.
    const b2 = await WsPeer.open(g1!.url, b.peer_id);
    peers.push(b2);
    b2.announce(ih, { event: 'started', offers: [{ offer_id: randomHex20(), sdp: 'sdp-b2' }] });
    expect(await b2.next(isResponse(ih))).toMatchObject({ incomplete: 2 });
    const offer = await a.next(isOffer);
    expect(binaryToHex(offer.peer_id as string)).toBe(b.peer_id);
  });

  it('an announce to a shard that just left is re-routed at once ("no responders"), not after heartbeats time out', async () => {
    cluster = await startTestCluster({ shards: ['s1', 's2'], gateways: [] });
    // Heartbeats every 10 s: the gateway would take 35 s to drop a silent shard on its own.
    const g = await startGateway({ natsUrl: cluster.nats.url, name: 'slow', host: '127.0.0.1', port: 0, heartbeat_ms: 10_000 });
    cluster.gateways.push(g);
    await until(() => g.shards().length === 2, 5000, 'both shards known');
    let ih = randomHex20();
    while (ownerOf(ih, ['s1', 's2']) !== 's2') ih = randomHex20();
    await cluster.shards.find((s) => s.id === 's2')!.close();
    const a = await open(g.url);
    a.announce(ih, { event: 'started' });
    expect(await a.next(isResponse(ih), 3000)).toMatchObject({ incomplete: 1 });
    expect(g.shards()).toEqual(['s1']);
    expect(cluster.shards.find((s) => s.id === 's1')!.swarm(ih)).toEqual({ complete: 0, incomplete: 1 });
  });

  it('a killed gateway process (no goodbyes) and a killed shard process are noticed and rebuilt', async () => {
    cluster = await startTestCluster({ shards: ['s1'], gateways: ['g1'] });
    const env = { NATS_URL: cluster.nats.url, TRACKER_HEARTBEAT_MS: String(TEST_HEARTBEAT_MS) };
    const ghost = await spawnTracker('gateway', { ...env, TRACKER_NAME: 'ghost' });
    const s2 = await spawnTracker('shard', { ...env, TRACKER_NAME: 's2' });
    const g1 = cluster.gateways[0]!;
    try {
      await until(() => g1.shards().length === 2, 10_000, 's2 known');
      let ih = randomHex20();
      while (ownerOf(ih, ['s1', 's2']) !== 's1') ih = randomHex20();
      const a = await open(g1.url);
      a.announce(ih, { event: 'started' });
      await a.next(isResponse(ih));
      const g = await open(ghost.ready.url!);
      g.announce(ih, { event: 'started' });
      expect(await g.next(isResponse(ih))).toMatchObject({ incomplete: 2 });
      await ghost.kill();
      await until(() => cluster!.shards[0]!.swarm(ih)?.incomplete === 1, 5000, 'killed gateway’s peer dropped');

      // Now kill s2 and check that its info hashes move to s1 on the next announce.
      let ih2 = randomHex20();
      while (ownerOf(ih2, ['s1', 's2']) !== 's2') ih2 = randomHex20();
      a.announce(ih2, { event: 'started' });
      await a.next(isResponse(ih2));
      expect(cluster.shards[0]!.swarm(ih2)).toBeNull();
      await s2.kill();
      a.announce(ih2, {});
      await a.next(isResponse(ih2), 6000);
      expect(cluster.shards[0]!.swarm(ih2)).toEqual({ complete: 0, incomplete: 1 });
      expect(g1.shards()).toEqual(['s1']);
    } finally {
      await ghost.kill();
      await s2.kill();
    }
  }, 30_000);

  it('a gateway that closes says goodbye for its sockets, so the shard drops them at once, and never publishes on a draining bus', async () => {
    // CI once saw CONNECTION_DRAINING thrown from a socket's 'close' handler: a terminated socket can report its close
    // after close() began draining NATS. The shard here would forget a silent gateway only after a minute.
    cluster = await startTestCluster({ shards: ['s1'], gateways: ['g1'], shard: { gateway_timeout_ms: 60_000 } });
    const g1 = cluster.gateways[0]!;
    const ih = randomHex20();
    for (let i = 0; i < 40; i++) {
      const p = await open(g1.url);
      p.announce(ih, { event: 'started', left: i % 2 });
      await p.next(isResponse(ih));
    }
    expect(cluster.shards[0]!.swarm(ih)).toEqual({ complete: 20, incomplete: 20 });
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      await g1.close();
      await until(() => cluster!.shards[0]!.swarm(ih) === null, 5000, 'goodbyes reach the shard');
      await cluster.shards[0]!.close();
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(errors).toEqual([]);
  });
});

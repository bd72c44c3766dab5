// Hostile input to a cluster gateway and to the bus: every malformed frame gets a `failure reason` (or, when too
// large, a closed socket), abuse closes the socket, garbage on NATS is dropped, and nothing crashes: a good
// announce still works afterwards.
import fc from 'fast-check';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewaySubject, shardSubject } from '../../src/tracker/bus.ts';
import { MAX_MESSAGE_BYTES, hexToBinary } from '../../src/tracker/wire.ts';
import { startTestCluster, type TestCluster } from './helpers/cluster.ts';
import { WsPeer, isFailure, isOffer, isResponse, randomHex20 } from './helpers/ws-peer.ts';

let cluster: TestCluster;
let url: string;
beforeAll(async () => {
  cluster = await startTestCluster({ shards: ['s1'], gateways: ['g1'] });
  url = cluster.gateways[0]!.url;
});
afterAll(() => cluster.stop());

/** Proof the cluster still serves: a fresh peer's announce gets its response. */
async function stillServes(): Promise<void> {
  const p = await WsPeer.open(url);
  const ih = randomHex20();
  p.announce(ih, { event: 'started' });
  await p.next(isResponse(ih));
  p.close();
}

const id = () => hexToBinary(randomHex20());

describe('gateway: malformed client frames', () => {
  const cases: Array<[string, string]> = [
    ['not JSON', '{"action": "announce", '],
    ['a JSON array', '[1,2,3]'],
    ['a JSON string', '"announce"'],
    ['unknown action', JSON.stringify({ action: 'connect', info_hash: id(), peer_id: id() })],
    ['scrape (not supported by the cluster)', JSON.stringify({ action: 'scrape', info_hash: id() })],
    ['no info_hash', JSON.stringify({ action: 'announce', peer_id: id() })],
    ['info_hash of 19 chars', JSON.stringify({ action: 'announce', info_hash: id().slice(1), peer_id: id() })],
    ['info_hash of 21 chars', JSON.stringify({ action: 'announce', info_hash: id() + 'x', peer_id: id() })],
    ['info_hash as 40 hex chars', JSON.stringify({ action: 'announce', info_hash: randomHex20(), peer_id: id() })],
    ['info_hash with non-byte chars', JSON.stringify({ action: 'announce', info_hash: '€'.repeat(20), peer_id: id() })],
    ['info_hash as a number', JSON.stringify({ action: 'announce', info_hash: 12345, peer_id: id() })],
    ['peer_id of 8 chars', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: 'abcdefgh' })],
    ['unknown event', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: id(), event: 'explode' })],
    ['offers not an array', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: id(), offers: { a: 1 } })],
    ['an offer without offer_id', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: id(), offers: [{ offer: { type: 'offer', sdp: 'x' } }] })],
    ['an offer of the wrong type', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: id(), offers: [{ offer_id: id(), offer: { type: 'answer', sdp: 'x' } }] })],
    ['a null offer', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: id(), offers: [null] })],
    ['an answer without to_peer_id', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: id(), offer_id: id(), answer: { type: 'answer', sdp: 'x' } })],
    ['an answer without offer_id', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: id(), to_peer_id: id(), answer: { type: 'answer', sdp: 'x' } })],
    ['an answer with a non-string sdp', JSON.stringify({ action: 'announce', info_hash: id(), peer_id: id(), to_peer_id: id(), offer_id: id(), answer: { type: 'answer', sdp: 5 } })],
  ];
  it.each(cases)('%s → failure reason, socket stays open', async (_name, frame) => {
    const p = await WsPeer.open(url);
    p.send(frame);
    const reply = await p.next(isFailure);
    expect(typeof reply['failure reason']).toBe('string');
    expect(p.ws.readyState).toBe(p.ws.OPEN);
    p.close();
  });

  it('a binary frame → failure reason', async () => {
    const p = await WsPeer.open(url);
    p.ws.send(Buffer.from([1, 2, 3]));
    await p.next(isFailure);
    p.close();
  });

  it('an oversized frame (offers past 64 KiB) → the socket is closed with 1009, the gateway serves on', async () => {
    const p = await WsPeer.open(url);
    p.announce(randomHex20(), { event: 'started', offers: [{ offer_id: randomHex20(), sdp: 'x'.repeat(MAX_MESSAGE_BYTES + 1) }] });
    expect(await p.closed).toBe(1009);
    await stillServes();
  });

  it('a socket that changes its peer_id is refused; a flood of bad frames closes it (1008)', async () => {
    const p = await WsPeer.open(url);
    const ih = randomHex20();
    p.announce(ih, { event: 'started' });
    await p.next(isResponse(ih));
    p.send({ action: 'announce', info_hash: hexToBinary(ih), peer_id: id() });
    expect((await p.next(isFailure))['failure reason']).toMatch(/peer_id/);
    for (let i = 0; i < 30; i++) p.send('nope');
    expect(await p.closed).toBe(1008);
    await stillServes();
  });

  it('an answer to a peer that is not in the swarm is dropped', async () => {
    const p = await WsPeer.open(url);
    p.send({ action: 'announce', info_hash: id(), peer_id: id(), to_peer_id: id(), offer_id: id(), answer: { type: 'answer', sdp: 'x' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(p.frames).toHaveLength(0);
    p.close();
    await stillServes();
  });

  it('fuzz: arbitrary JSON frames never crash the gateway or the shard', async () => {
    const field = fc.oneof(fc.string({ minLength: 19, maxLength: 21 }), fc.integer(), fc.constant(null), fc.object());
    const frame = fc.record(
      { action: fc.constantFrom('announce', 'scrape', 'x'), info_hash: field, peer_id: field, to_peer_id: field, offer_id: field, event: fc.oneof(fc.string(), fc.constant('started')), offers: fc.oneof(fc.array(fc.anything(), { maxLength: 4 }), fc.anything()), answer: fc.anything(), left: fc.anything() },
      { requiredKeys: [] },
    );
    const frames = fc.sample(frame, { numRuns: 300, seed: 18 });
    // A socket is closed after 20 refused frames, so each batch gets its own socket.
    for (let i = 0; i < frames.length; i += 15) {
      const p = await WsPeer.open(url);
      for (const f of frames.slice(i, i + 15)) p.send(JSON.stringify(f));
      await p.next(isFailure);
      p.close();
    }
    await stillServes();
  });
});

describe('bus: garbage on NATS', () => {
  it('malformed messages to a shard or a gateway subject are dropped', async () => {
    const nc = await connect({ servers: cluster.nats.url });
    const enc = new TextEncoder();
    const garbage = ['', 'not json', '[]', '{"t":"announce"}', JSON.stringify({ t: 'announce', gw: 'a.b', conn: 1, info_hash: 'x', peer_id: 'y' }),
      JSON.stringify({ t: 'announce', gw: 'g', conn: -1, info_hash: '0'.repeat(40), peer_id: '0'.repeat(40), event: 'started', left_zero: false, offers: [] }),
      '0\t\n', 'x\t{}\n', '-1\t{}\n', '99999999999\t{}\n', '0{}\n', '0\t{}', '\n\n', '1e3\t{}\n'];
    for (const g of garbage) {
      nc.publish(shardSubject('s1'), enc.encode(g));
      nc.publish(gatewaySubject(cluster.gateways[0]!.id), enc.encode(g));
    }
    await nc.flush();
    await nc.close();
    await stillServes();
  });

  it('a relayed offer reaches only the target peer', async () => {
    const a = await WsPeer.open(url);
    const b = await WsPeer.open(url);
    const c = await WsPeer.open(url);
    const ih = randomHex20();
    a.announce(ih, { event: 'started' });
    await a.next(isResponse(ih));
    c.announce(randomHex20(), { event: 'started' }); // another swarm
    b.announce(ih, { event: 'started', offers: [{ offer_id: randomHex20(), sdp: 's' }, { offer_id: randomHex20(), sdp: 't' }] });
    await b.next(isResponse(ih));
    await a.next(isOffer);
    await new Promise((r) => setTimeout(r, 100));
    expect(a.frames.filter(isOffer)).toHaveLength(0); // one peer gets one offer, never two
    expect(c.frames.filter(isOffer)).toHaveLength(0);
    for (const p of [a, b, c]) p.close();
  });
});

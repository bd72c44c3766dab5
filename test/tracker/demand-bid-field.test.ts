// The cluster tracker does not carry the demand board yet (docs/cdn-board.md §10): for it the seedpay_bid field is an
// unknown key, so a Speed peer's announce must work exactly as a legacy one, and the field must not reach other peers.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDemandBidField, DEMAND_BID_FIELD } from '../../src/protocol/demand-bid.ts';
import { createNobleSigner } from '../../src/protocol/ed25519.ts';
import { hexToBinary } from '../../src/tracker/wire.ts';
import { startTestCluster, type TestCluster } from './helpers/cluster.ts';
import { WsPeer, isOffer, isResponse, randomHex20 } from './helpers/ws-peer.ts';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ shards: ['s1'], gateways: ['g1'] });
});
afterAll(() => cluster.stop());

it('a gateway answers an announce carrying a demand bid as a normal announce and relays no bid', async () => {
  const url = cluster.gateways[0]!.url;
  const ih = randomHex20();
  const legacy = await WsPeer.open(url);
  legacy.announce(ih, { event: 'started', left: 0 });
  const plain = await legacy.next(isResponse(ih));
  const speed = await WsPeer.open(url);
  const { field } = await buildDemandBidField(createNobleSigner(new Uint8Array(32).fill(3)), { info_hash: ih, price_units_per_kib: 5n, wanted_bytes: 1000n }, { now_ms: Date.now() });
  speed.send({
    action: 'announce',
    info_hash: hexToBinary(ih),
    peer_id: hexToBinary(speed.peer_id),
    left: 1000,
    event: 'started',
    numwant: 1,
    offers: [{ offer_id: hexToBinary(randomHex20()), offer: { type: 'offer', sdp: 'v=0 fake' } }],
    [DEMAND_BID_FIELD]: field,
  });
  const answered = await speed.next(isResponse(ih));
  expect(Object.keys(answered).sort()).toEqual(Object.keys(plain).sort());
  expect(answered).toMatchObject({ complete: 1, incomplete: 1 });
  const relayed = await legacy.next(isOffer);
  expect(JSON.stringify(relayed)).not.toContain(field.signature);
  legacy.close();
  speed.close();
});

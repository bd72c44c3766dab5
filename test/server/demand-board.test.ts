// The demand board in `npm start`'s own server, over real WebSockets to the real bittorrent-tracker and the real
// ledger: signed bids in announces reach /board weighed by balance; forged, replayed and flooded bids are refused;
// a withdrawn bid disappears; a legacy client's announce and a legacy tracker are unaffected by the field.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemandBidField, DEMAND_BID_FIELD, demandBidToField, signDemandBid, type DemandBidField } from '../../src/protocol/demand-bid.ts';
import { createNobleSigner, toPublicKeyHex, type Signer } from '../../src/protocol/ed25519.ts';
import { solvePowChunk } from '../../src/protocol/pow.ts';
import { MAX_BIDS_PER_SOCKET_PER_MIN } from '../../src/server/demand-board-service.ts';
import { startServer, type RunningServer } from '../../src/server/main.ts';
import { demandBidOfFrame, mountTracker } from '../../src/server/tracker.ts';
import { hexToBinary } from '../../src/tracker/wire.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import { WsPeer, isOffer, isResponse, randomHex20 } from '../tracker/helpers/ws-peer.ts';

let server: RunningServer;
let dir: string;
let wsUrl: string;
let rich: Signer;
let seed = 1;
const newSigner = () => createNobleSigner(new Uint8Array(32).fill(seed++));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seedpay-board-'));
  mkdirSync(join(dir, 'static'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), staticDir: join(dir, 'static') });
  wsUrl = `${server.url.replace('http', 'ws')}/announce`;
  // One bidder with ledger funds (the real airdrop, proof of work solved here).
  rich = createNobleSigner(new Uint8Array(32).fill(200));
  const ledger = new LedgerClient({ baseUrl: `${server.url}/ledger` });
  const key = toPublicKeyHex(rich.publicKey);
  const challenge = await ledger.airdropChallenge(key);
  const bytes = hexToBytes(challenge.challenge);
  let nonce = -1;
  for (let start = 0; nonce < 0; start += 100_000) {
    const r = solvePowChunk({ challenge: bytes, public_key: rich.publicKey, difficulty_bits: challenge.difficulty_bits, start_nonce: start, max_tries: 100_000 });
    if (r.found) nonce = r.nonce;
  }
  await ledger.claimAirdrop(rich, { challenge: bytes, pow_nonce: nonce });
}, 60_000);

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads of our own JSON

async function board(info_hash?: string): Promise<Json> {
  const response = await fetch(`${server.url}/board${info_hash ? `/${info_hash}` : ''}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

/** Polls until `test` holds (the tracker takes bids from the socket; balances are read asynchronously). */
async function eventually<T>(read: () => Promise<T>, test: (value: T) => boolean, timeout_ms = 3000): Promise<T> {
  const until = Date.now() + timeout_ms;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > until) throw new Error(`condition not met in ${timeout_ms} ms: ${JSON.stringify(value).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function announceWithBid(peer: WsPeer, info_hash: string, field: unknown, extra: Json = {}): void {
  peer.send({
    action: 'announce',
    info_hash: hexToBinary(info_hash),
    peer_id: hexToBinary(peer.peer_id),
    uploaded: 0,
    downloaded: 0,
    left: 1000,
    numwant: 0,
    ...extra,
    [DEMAND_BID_FIELD]: field,
  });
}

async function bid(signer: Signer, info_hash: string, price: bigint, options: { issued?: number; wanted?: bigint } = {}): Promise<DemandBidField> {
  const issued_at_ms = options.issued ?? Date.now();
  return demandBidToField(
    await signDemandBid(signer, { info_hash: info_hash as never, price_units_per_kib: price, wanted_bytes: options.wanted ?? 20n << 20n, issued_at_ms, expires_at_ms: issued_at_ms + 600_000 }),
  );
}

const keysOn = (b: Json): string[] => (b.bids as Json[]).map((x) => x.bid.public_key as string);

describe('demand board over the real tracker', () => {
  it('shows a signed bid with the swarm, weighed by the bidder ledger balance', async () => {
    const ih = randomHex20();
    const seeder = await WsPeer.open(wsUrl);
    seeder.announce(ih, { event: 'started', left: 0 });
    await seeder.next(isResponse(ih));
    const bidder = await WsPeer.open(wsUrl);
    const poor = newSigner();
    announceWithBid(bidder, ih, await bid(rich, ih, 10n), { event: 'started' });
    announceWithBid(bidder, ih, await bid(poor, ih, 50n));
    const detail = await eventually(() => board(ih), (b) => b.funded_bidders === 1 && b.bidders === 2);
    expect(detail).toMatchObject({
      info_hash: ih,
      seeders: 1,
      leechers: 1,
      wanted_bytes: String(20n << 20n),
      price_units_per_kib: { min: '10', p50: '10', max: '10' },
      demand_units: String(10n * 20n * 1024n),
      expected_units_per_provider: String((10n * 20n * 1024n) / 2n),
      weighed_by_balance: true,
    });
    // The unfunded bid is listed (with its signature, so providers can check it) but pays nothing.
    const poorRow = (detail.bids as Json[]).find((x) => x.bid.public_key === toPublicKeyHex(poor.publicKey));
    expect(poorRow).toMatchObject({ balance_units: '0', payable_units: '0' });
    const all = await board();
    expect((all.torrents as Json[]).find((t) => t.info_hash === ih)).toMatchObject({ bidders: 2, funded_bidders: 1, seeders: 1 });
    seeder.close();
    bidder.close();
  });

  it('refuses forged and replayed bids, and a withdrawn bid disappears', async () => {
    const ih = randomHex20();
    const peer = await WsPeer.open(wsUrl);
    const a = newSigner();
    const b = newSigner();
    const t = Date.now();
    const before = (await board()).outcomes as Json;
    const older = await bid(a, ih, 20n, { issued: t - 10 });
    announceWithBid(peer, ih, older);
    announceWithBid(peer, ih, await bid(a, ih, 30n, { issued: t }));
    // Forged: b's key on a's signature; a's bid with its price raised; a bid signed for another torrent; a replay.
    const forged = { ...(await bid(a, ih, 99n)), public_key: toPublicKeyHex(b.publicKey) };
    announceWithBid(peer, ih, forged);
    announceWithBid(peer, ih, { ...(await bid(b, ih, 5n)), price_units_per_kib: '500' });
    announceWithBid(peer, ih, await bid(b, randomHex20(), 7n));
    announceWithBid(peer, ih, older);
    const sentinel = newSigner();
    announceWithBid(peer, ih, await bid(sentinel, ih, 1n, { issued: t + 2 }));
    const shown = await eventually(() => board(ih), (x) => keysOn(x).includes(toPublicKeyHex(sentinel.publicKey)));
    expect(keysOn(shown).sort()).toEqual([toPublicKeyHex(a.publicKey), toPublicKeyHex(sentinel.publicKey)].sort());
    expect((shown.bids as Json[]).find((x) => x.bid.public_key === toPublicKeyHex(a.publicKey))?.bid.price_units_per_kib).toBe('30');
    const after = (await board()).outcomes as Json;
    const delta = (code: string) => (after[code] ?? 0) - (before[code] ?? 0);
    expect(delta('bad_signature')).toBe(2);
    expect(delta('info_hash_mismatch')).toBe(1);
    expect(delta('stale_sequence')).toBe(1);

    // Withdraw (price 0): a's bid leaves the board; replaying its last bid does not bring it back.
    announceWithBid(peer, ih, await bid(a, ih, 0n, { issued: t + 1 }));
    const withdrawn = await eventually(() => board(ih), (x) => !keysOn(x).includes(toPublicKeyHex(a.publicKey)));
    expect(keysOn(withdrawn)).toEqual([toPublicKeyHex(sentinel.publicKey)]);
    announceWithBid(peer, ih, await bid(a, ih, 30n, { issued: t }));
    announceWithBid(peer, ih, await bid(sentinel, ih, 2n, { issued: t + 5 }));
    const later = await eventually(() => board(ih), (x) => x.bids[0]?.bid.price_units_per_kib === '2');
    expect(keysOn(later)).toEqual([toPublicKeyHex(sentinel.publicKey)]);
    peer.close();
  });

  it('an announce with a malformed bid is still a normal announce; a flood of bids from one socket is cut off', async () => {
    const ih = randomHex20();
    const peer = await WsPeer.open(wsUrl);
    announceWithBid(peer, ih, { v: 1, price_units_per_kib: 'lots' }, { event: 'started' });
    expect(await peer.next(isResponse(ih))).toMatchObject({ action: 'announce', incomplete: 1 });
    const before = (await board()).outcomes as Json;
    const flooder = newSigner();
    const t = Date.now();
    const first = await bid(flooder, ih, 3n, { issued: t });
    announceWithBid(peer, ih, first);
    for (let i = 1; i < MAX_BIDS_PER_SOCKET_PER_MIN + 5; i++) announceWithBid(peer, ih, await bid(flooder, ih, 3n, { issued: t + i }));
    const delta = (b: Json, code: string) => ((b.outcomes as Json)[code] ?? 0) - (before[code] ?? 0);
    const flooded = await eventually(() => board(), (b) => delta(b, 'rate_limited') === 5);
    expect(delta(flooded, 'accepted')).toBe(MAX_BIDS_PER_SOCKET_PER_MIN);
    // Re-sending the bid the board holds costs no verification, so it is not limited: a re-announce stays free.
    const held = (await board(ih)).bids[0].bid as DemandBidField;
    announceWithBid(peer, ih, held);
    announceWithBid(peer, ih, await bid(flooder, ih, 4n, { issued: t + 1000 }));
    await eventually(() => board(), (b) => delta(b, 'unchanged') === 1 && delta(b, 'rate_limited') === 6);
    peer.close();
  });

  it('refuses a malformed info hash on /board/<info_hash>', async () => {
    for (const bad of ['ABAB', 'ab'.repeat(21), 'zz'.repeat(20)]) {
      const response = await fetch(`${server.url}/board/${bad}`);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_info_hash' });
    }
  });
});

describe('legacy peers and trackers', () => {
  it("a legacy client's announce is answered as before, and the bid never reaches other peers", async () => {
    const ih = randomHex20();
    const legacy = await WsPeer.open(wsUrl);
    legacy.announce(ih, { event: 'started', left: 0 });
    const plain = await legacy.next(isResponse(ih));
    const speed = await WsPeer.open(wsUrl);
    const { field } = await buildDemandBidField(newSigner(), { info_hash: ih, price_units_per_kib: 4n, wanted_bytes: 1000n }, { now_ms: Date.now() });
    announceWithBid(speed, ih, field, { event: 'started', numwant: 1, offers: [{ offer_id: hexToBinary(randomHex20()), offer: { type: 'offer', sdp: 'v=0 fake' } }] });
    const withBid = await speed.next(isResponse(ih));
    expect(Object.keys(withBid).sort()).toEqual(Object.keys(plain).sort());
    const relayed = await legacy.next(isOffer);
    expect(relayed).not.toHaveProperty(DEMAND_BID_FIELD);
    expect(JSON.stringify(relayed)).not.toContain(field.signature);
    legacy.announce(ih, { left: 0 });
    expect(await legacy.next(isResponse(ih))).toMatchObject({ complete: 1, incomplete: 1 });
    legacy.close();
    speed.close();
  });

  it('a tracker without the board (bittorrent-tracker alone) answers an announce that carries a bid', async () => {
    const bare = serve({ fetch: () => new Response('no'), hostname: '127.0.0.1', port: 0 });
    await new Promise<void>((done) => bare.once('listening', () => done()));
    const tracker = mountTracker(bare);
    const peer = await WsPeer.open(`ws://127.0.0.1:${(bare.address() as AddressInfo).port}/announce`);
    const ih = randomHex20();
    announceWithBid(peer, ih, await bid(newSigner(), ih, 9n), { event: 'started' });
    expect(await peer.next(isResponse(ih))).toMatchObject({ action: 'announce', incomplete: 1 });
    peer.close();
    await tracker.close();
    await new Promise<void>((done) => bare.close(() => done()));
  });

  it('the tap reads the field only from announces with a valid info hash', () => {
    const ih = randomHex20();
    const frame = (m: Json) => JSON.stringify({ action: 'announce', info_hash: hexToBinary(ih), ...m });
    expect(demandBidOfFrame(frame({ [DEMAND_BID_FIELD]: { v: 1 } }))).toEqual({ field: { v: 1 }, info_hash: ih });
    expect(demandBidOfFrame(frame({}))).toBeNull();
    expect(demandBidOfFrame(frame({ action: 'scrape', [DEMAND_BID_FIELD]: {} }))).toBeNull();
    expect(demandBidOfFrame(frame({ info_hash: ih, [DEMAND_BID_FIELD]: {} }))).toBeNull();
    expect(demandBidOfFrame(frame({ info_hash: '€'.repeat(20), [DEMAND_BID_FIELD]: {} }))).toBeNull();
    expect(demandBidOfFrame(`{"${DEMAND_BID_FIELD}": `)).toBeNull();
    expect(demandBidOfFrame(`["${DEMAND_BID_FIELD}"]`)).toBeNull();
  });
});

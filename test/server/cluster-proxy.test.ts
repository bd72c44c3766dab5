// The cluster front (`npm run start:cluster`'s app process): /ledger/* reaches the ledger processes round-robin
// with bodies, statuses and headers intact, /announce upgrades reach the tracker gateways round-robin, and other
// upgrade paths are refused; the browser sees one origin.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startClusterFront } from '../../src/server/cluster-proxy.ts';
import { createFixture, serveLedger, type Fixture } from '../ledger/helpers/ledger.ts';
import { startTestCluster, type TestCluster } from '../tracker/helpers/cluster.ts';
import { WsPeer, isOffer, isResponse, randomHex20 } from '../tracker/helpers/ws-peer.ts';

let cluster: TestCluster;
let f: Fixture;
let ledgers: Array<{ url: string; close(): Promise<void> }>;
let front: { url: string; close(): Promise<void> };
let staticDir: string;

beforeAll(async () => {
  cluster = await startTestCluster({ shards: ['s1'], gateways: ['g1', 'g2'] });
  f = await createFixture('sqlite', null);
  ledgers = [await serveLedger(f.service), await serveLedger(f.service)];
  staticDir = mkdtempSync(join(tmpdir(), 'seedpay-front-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>app</title>');
  front = await startClusterFront({ host: '127.0.0.1', port: 0, staticDir, ledgers: ledgers.map((l) => l.url), gateways: cluster.gateways.map((g) => g.url) });
});
afterAll(async () => {
  await front.close();
  for (const l of ledgers) await l.close();
  await f.close();
  await cluster.stop();
  rmSync(staticDir, { recursive: true, force: true });
});

describe('cluster front', () => {
  it('passes /ledger/* through with status, body and headers, and serves the app elsewhere', async () => {
    const info = await fetch(`${front.url}/ledger/info`);
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ ledger_id: f.service.ledgerId });
    expect(info.headers.get('cache-control')).toBe('no-store');
    const refused = await fetch(`${front.url}/ledger/transfers`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(refused.status).toBe(415);
    const malformed = await fetch(`${front.url}/ledger/transfers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(await malformed.json()).toMatchObject({ error: 'malformed_json' });
    expect((await fetch(`${front.url}/ledger/nope`)).status).toBe(404);
    expect(await (await fetch(`${front.url}/some/deep/link`)).text()).toContain('<title>app</title>');
  });

  it('spreads /announce sockets over the gateways, and the peers meet across them', async () => {
    const ws = front.url.replace('http', 'ws');
    const a = await WsPeer.open(`${ws}/announce`);
    const b = await WsPeer.open(`${ws}/announce`);
    expect(cluster.gateways.map((g) => g.connections())).toEqual([1, 1]);
    const ih = randomHex20();
    a.announce(ih, { event: 'started' });
    await a.next(isResponse(ih));
    b.announce(ih, { event: 'started', offers: [{ offer_id: randomHex20(), sdp: 'v=0' }] });
    await b.next(isResponse(ih));
    await a.next(isOffer);
    a.close();
    b.close();
  });

  it('refuses upgrades on other paths', async () => {
    const ws = new WebSocket(`${front.url.replace('http', 'ws')}/elsewhere`);
    const outcome = await new Promise<string>((done) => {
      ws.once('open', () => done('open'));
      ws.once('error', () => done('refused'));
    });
    expect(outcome).toBe('refused');
  });
});

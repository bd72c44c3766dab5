// The WebSocket tracker mounted on the app's HTTP server: two peers announce on /announce and the tracker relays
// an offer from one to the other and the answer back (the signaling WebRTC peers need), on the same origin.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../src/server/main.ts';

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seedpay-tracker-'));
  mkdirSync(join(dir, 'static'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), staticDir: join(dir, 'static') });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const infoHash = 'a'.repeat(20);

function connect(): Promise<{ ws: WebSocket; next(): Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/announce`);
  const queue: Record<string, unknown>[] = [];
  const waiters: Array<(value: Record<string, unknown>) => void> = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve) => {
      const queued = queue.shift();
      if (queued) resolve(queued);
      else waiters.push(resolve);
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next }));
    ws.once('error', reject);
  });
}

test('relays an offer and its answer between two peers on /announce', async () => {
  const a = await connect();
  const b = await connect();
  const base = { action: 'announce', info_hash: infoHash, numwant: 5, uploaded: 0, downloaded: 0 };
  a.ws.send(JSON.stringify({ ...base, peer_id: 'A'.repeat(20), left: 0, event: 'started', offers: [] }));
  expect(await a.next()).toMatchObject({ action: 'announce', complete: 1 });

  const offer = { type: 'offer', sdp: 'v=0 fake' };
  b.ws.send(JSON.stringify({ ...base, peer_id: 'B'.repeat(20), left: 10, event: 'started', offers: [{ offer, offer_id: 'o'.repeat(20) }] }));
  expect(await b.next()).toMatchObject({ action: 'announce', complete: 1, incomplete: 1 });
  expect(await a.next()).toMatchObject({ offer, offer_id: 'o'.repeat(20), peer_id: 'B'.repeat(20) });

  const answer = { type: 'answer', sdp: 'v=0 fake answer' };
  a.ws.send(JSON.stringify({ ...base, peer_id: 'A'.repeat(20), left: 0, to_peer_id: 'B'.repeat(20), answer, offer_id: 'o'.repeat(20) }));
  expect(await b.next()).toMatchObject({ answer, offer_id: 'o'.repeat(20), peer_id: 'A'.repeat(20) });
  a.ws.close();
  b.ws.close();
});

test('other upgrade paths are not answered by the tracker', async () => {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/not-the-tracker`, { handshakeTimeout: 500 });
  await expect(new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); })).rejects.toThrow();
});

test('close() ends open tracker sockets so the server can stop', async () => {
  const extra = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data2'), staticDir: join(dir, 'static') });
  const ws = new WebSocket(`${extra.url.replace('http', 'ws')}/announce`);
  await new Promise((resolve) => ws.once('open', resolve));
  const closed = new Promise((resolve) => ws.once('close', resolve));
  await extra.close();
  await closed;
});

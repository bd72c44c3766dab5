// A proxy job over real bittorrent-protocol wires carrying the `sp_proxy` extension, with the provider fetching from a
// real loopback HTTP origin through safeFetch (allowlisted) and both shells driving the pure sessions: the link is cut
// every few chunks and the job resumes from its stored record; a changed ETag restarts and is reported; hostile
// frames get warnings or a disconnect, never a crash.
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, describe, expect, it } from 'vitest';
import { PROXY_EXTENSION_NAME } from '../../../src/services/proxy/proxy-extension.ts';
import { encodeFrame } from '../../../src/services/proxy/proxy-frames.ts';
import type { RequesterEffect, RequesterState } from '../../../src/services/proxy/requester-session.ts';
import { startOrigin, type Origin } from './origin.ts';
import { jobId, ProxyLedger } from './proxy-harness.ts';
import { fresh, link, PROV_HELLO, provider, REQ_HELLO, wireSession, type Stored } from './wire-session.ts';

const CHUNK = 4096;

let origin: Origin | null = null;
afterEach(async () => {
  await origin?.close();
  origin = null;
});

function content(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 131 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

function session(n: number, o: Origin, ledger: ProxyLedger, out: Uint8Array, stored: Stored, cut_after: number | null, effects: RequesterEffect[]): Promise<RequesterState> {
  return wireSession({ n, origin: o, ledger, out, stored, chunk_size: CHUNK, cut_after, effects });
}

describe('proxy over sp_proxy wires', () => {
  it('resumes across cut links until the file is whole; every chunk received is paid once and settled on the ledger', async () => {
    const file = content(23 * CHUNK + 100, 1);
    origin = await startOrigin(file, '"v1"');
    const ledger = new ProxyLedger();
    const out = new Uint8Array(file.length);
    const stored = fresh();
    const effects: RequesterEffect[] = [];
    let last: RequesterState | null = null;
    for (let n = 0; n < 20 && last?.phase !== 'Done'; n++) last = await session(200 + n, origin, ledger, out, stored, 5, effects);
    expect(last?.phase).toBe('Done');
    expect(sha256(out)).toEqual(sha256(file));
    const stores = effects.filter((fx) => fx.type === 'store_chunk').length;
    const pays = effects.filter((fx) => fx.type === 'pay');
    expect(stores).toBe(24);
    expect(pays.length).toBe(24);
    expect(new Set(pays.map((p) => (p.type === 'pay' ? p.index : -1))).size).toBe(24);
    expect(ledger.settledUnits()).toBe(stored.spent);
    // Only the ranges each session still missed were fetched from the origin, each with If-Range on the offered ETag.
    expect(origin.requests.filter((r) => r.headers['if-range'] === '"v1"').length).toBe(24);
  });

  it('a changed ETag between sessions restarts the file, reports it, and the new version completes', async () => {
    const v1 = content(10 * CHUNK, 2);
    const v2 = content(8 * CHUNK + 7, 3);
    origin = await startOrigin(v1, '"v1"');
    const ledger = new ProxyLedger();
    const out = new Uint8Array(v1.length);
    const stored = fresh();
    const effects: RequesterEffect[] = [];
    const first = await session(300, origin, ledger, out, stored, 4, effects);
    expect(first.phase).toBe('Stopped');
    origin.replace(v2, '"v2"');
    let last: RequesterState | null = null;
    for (let n = 1; n < 6 && last?.phase !== 'Done'; n++) last = await session(300 + n, origin, ledger, out, stored, null, effects);
    expect(last?.phase).toBe('Done');
    expect(effects.find((fx) => fx.type === 'restarted')).toMatchObject({ reason: 'the resource changed (validator "v1" → "v2")', discarded_chunks: 4 });
    expect(sha256(out.subarray(0, v2.length))).toEqual(sha256(v2));
    expect(ledger.settledUnits()).toBe(stored.spent);
  });
});

describe('sp_proxy extension, hostile input', () => {
  it('negotiates only between a requester and a provider, with their payment keys', async () => {
    const l = await link(REQ_HELLO, PROV_HELLO);
    expect(l.req.remote).toEqual(PROV_HELLO);
    expect(l.prov.remote).toEqual(REQ_HELLO);
    l.a.destroy();
    const same = await link(REQ_HELLO, { ...REQ_HELLO, payment_pk: provider.key });
    expect(same.req.remote).toBeNull();
    expect(same.req.send({ type: 'done', job_id: jobId(1), reason: 'stopped' })).toBe(false);
    same.a.destroy();
  });

  it('drops bad frames with a warning, disconnects on cut or oversized frames', async () => {
    const cases: Array<[Uint8Array, boolean]> = [
      [new Uint8Array([99, 1, 2]), false],
      [new Uint8Array([8, 123, 125]), false],
      [new TextEncoder().encode('\u0008{"job_id":"zz","reason":"complete"}'), false],
      [encodeFrame({ type: 'chunk', job_id: jobId(1), index: 0, hash: new Uint8Array(32), signature: new Uint8Array(64), bytes: new Uint8Array(10) }).subarray(0, 50), true],
      [new Uint8Array(0), true],
    ];
    for (const [bytes, disconnects] of cases) {
      const l = await link(REQ_HELLO, PROV_HELLO);
      const frames: unknown[] = [];
      l.prov.handler = { ready: () => {}, frame: (f) => frames.push(f), warning: (w) => l.warnings.push(w) };
      const closed = new Promise<boolean>((resolve) => {
        l.b.on('close', () => resolve(true));
        setTimeout(() => resolve(false), 100);
      });
      l.a.extended(PROXY_EXTENSION_NAME, bytes);
      expect(await closed).toBe(disconnects);
      expect(frames).toEqual([]);
      expect(l.warnings.length).toBeGreaterThan(0);
      l.a.destroy();
    }
  });

  it('disconnects a peer that keeps sending malformed frames', async () => {
    const l = await link(REQ_HELLO, PROV_HELLO);
    const closed = new Promise<void>((resolve) => l.b.on('close', () => resolve()));
    for (let i = 0; i < 30; i++) l.a.extended(PROXY_EXTENSION_NAME, new Uint8Array([4, 123, 125]));
    await closed;
    expect(l.warnings.filter((w) => w.includes('bad frame')).length).toBeGreaterThan(20);
  });
});

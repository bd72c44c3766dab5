// A proxy job over real bittorrent-protocol wires carrying the `sp_proxy` extension, with the provider fetching from a
// real loopback HTTP origin through safeFetch (allowlisted) and both shells driving the pure sessions: the link is cut
// every few chunks and the job resumes from its stored record; a changed ETag restarts and is reported; hostile
// frames get warnings or a disconnect, never a crash.
import Wire from 'bittorrent-protocol';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, describe, expect, it } from 'vitest';
import { nobleVerify, publicKeyFromHex } from '../../../src/protocol/ed25519.ts';
import { encodePaymentState, signPaymentState, type SignedPaymentState } from '../../../src/protocol/payment-state.ts';
import { fromJSON, toJSON } from '../../../src/services/proxy/chunk-record.ts';
import type { ProxyJob } from '../../../src/services/proxy/chunk-plan.ts';
import { PROXY_EXTENSION_NAME, proxyExtension, proxyOf, type ProxyExtension, type ProxyHello } from '../../../src/services/proxy/proxy-extension.ts';
import { encodeFrame } from '../../../src/services/proxy/proxy-frames.ts';
import { ProviderShell } from '../../../src/services/proxy/provider-shell.ts';
import { RequesterShell } from '../../../src/services/proxy/requester-shell.ts';
import type { RequesterEffect, RequesterState } from '../../../src/services/proxy/requester-session.ts';
import { safeFetch } from '../../../src/services/proxy/safe-fetch.ts';
import { startOrigin, type Origin } from './origin.ts';
import type { JobId } from '../../../src/services/proxy/job-request.ts';
import { jobId, LIMITS, party, ProxyLedger } from './proxy-harness.ts';

const CHUNK = 4096;
const requester = party(1);
const provider = party(2);
const INFO_HASH = '5e'.repeat(20);

type TestWire = InstanceType<typeof Wire>;

interface Link {
  readonly a: TestWire;
  readonly b: TestWire;
  readonly req: ProxyExtension;
  readonly prov: ProxyExtension;
  readonly warnings: string[];
}

async function link(req_hello: ProxyHello, prov_hello: ProxyHello): Promise<Link> {
  const a = new Wire();
  const b = new Wire();
  a.use(proxyExtension(req_hello) as never);
  b.use(proxyExtension(prov_hello) as never);
  const req = proxyOf(a) as ProxyExtension;
  const prov = proxyOf(b) as ProxyExtension;
  const warnings: string[] = [];
  const ready = (ext: ProxyExtension) => new Promise<void>((resolve) => {
    ext.handler = { ready: () => resolve(), frame: () => {}, warning: (w) => warnings.push(w) };
  });
  const both = Promise.all([ready(req), ready(prov)]);
  b.on('handshake', () => b.handshake(INFO_HASH, '2'.repeat(40), { dht: false }));
  a.pipe(b).pipe(a);
  a.handshake(INFO_HASH, '1'.repeat(40), { dht: false });
  await both;
  return { a, b, req, prov, warnings };
}

const REQ_HELLO: ProxyHello = { role: 'requester', payment_pk: requester.key };
const PROV_HELLO: ProxyHello = { role: 'provider', payment_pk: provider.key };

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

interface Stored {
  record: string | null;
  spent: bigint;
  /** The last session's job id and last signed payment, re-sent first by the next session. */
  resend: { job_id: JobId; payment: SignedPaymentState } | null;
  /** The provider's sessions still waiting, after a drop, for the payment of the chunk in flight. */
  lingering: Map<string, ProviderShell>;
}

/** One session over a fresh link: returns when the requester's session is over; cuts the link after `cut_after` chunks. */
async function session(n: number, o: Origin, ledger: ProxyLedger, out: Uint8Array, stored: Stored, cut_after: number | null, effects: RequesterEffect[]):
  Promise<RequesterState> {
  const l = await link(REQ_HELLO, PROV_HELLO);
  const job: ProxyJob | null = stored.record === null ? null : (() => {
    const back = fromJSON(stored.record);
    if (!back.ok) throw new Error(back.reason);
    return back.job;
  })();
  let chunks = 0;
  const prov = new ProviderShell({
    signer: provider.signer,
    send: (f) => l.prov.send(f),
    fetch: (url, opts) => safeFetch(url, { ...opts, allow: [o.allow_entry] }),
    ledgerChannel: async (id) => ledger.channels.get(id) ?? null,
    verify: async (p, key, context) => nobleVerify(p.signature, encodePaymentState(p, context), publicKeyFromHex(key)),
    close: async (s) => ledger.close(s),
    now: () => Date.now(),
  }, LIMITS, requester.key, 0);
  const url = `${o.base}/file`;
  const req = new RequesterShell({
    send: (f) => l.req.send(f),
    openChannel: async (payee, escrow, timeout, context) => ledger.open(requester.key, payee, escrow, timeout, Date.now(), context),
    sign: (s, context) => signPaymentState(requester.signer, s, context),
    store: async (_i, offset, bytes) => {
      out.set(bytes, offset);
      if (cut_after !== null && ++chunks >= cut_after) queueMicrotask(() => l.a.destroy());
    },
    persist: async (j, spent) => {
      stored.record = j === null ? null : toJSON(j);
      stored.spent = spent;
    },
    now: () => Date.now(),
    observe: (fx) => effects.push(fx),
  }, {
    request: {
      job_id: jobId(n), url, chunk_size: CHUNK, max_price_units_per_kib: 5n, cap_units: 1n << 40n, max_bytes: 1 << 24,
      if_range: job?.validator.etag ?? null,
    },
    payer_key: requester.key, job, job_spent_units: stored.spent, day_cap_units: 1n << 50n, day_spent_units: 0n, resend: stored.resend,
  });
  l.req.handler = { ready: () => {}, frame: (f) => void req.frame(f), warning: () => {} };
  // The provider's host routes a re-sent payment to the lingering session it pays; everything else to the new one.
  l.prov.handler = {
    ready: () => {},
    frame: (f) => {
      const old = f.type === 'payment' ? stored.lingering.get(f.job_id) : undefined;
      void (old ? old.frame(f) : prov.frame(f));
    },
    warning: () => {},
  };
  let closed = false;
  const onClose = () => {
    if (closed) return;
    closed = true;
    void req.dropped();
    void prov.dropped();
  };
  l.a.on('close', onClose);
  l.b.on('close', onClose);
  const end = await req.settled;
  await prov.idle();
  for (const [id, shell] of stored.lingering) {
    await shell.idle();
    if (shell.state.phase !== 'Lingering') stored.lingering.delete(id);
  }
  if (prov.state.phase === 'Lingering') stored.lingering.set(jobId(n), prov);
  const payment = req.last_payment;
  stored.resend = payment ? { job_id: jobId(n), payment } : null;
  l.a.destroy();
  expect(req.error).toBeNull();
  expect(prov.error).toBeNull();
  return end;
}

describe('proxy over sp_proxy wires', () => {
  it('resumes across cut links until the file is whole; every chunk received is paid once and settled on the ledger', async () => {
    const file = content(23 * CHUNK + 100, 1);
    origin = await startOrigin(file, '"v1"');
    const ledger = new ProxyLedger();
    const out = new Uint8Array(file.length);
    const stored: Stored = { record: null, spent: 0n, resend: null, lingering: new Map() };
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
    const stored: Stored = { record: null, spent: 0n, resend: null, lingering: new Map() };
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

// Shared by the wire test and the proxy bench: one proxy session over two piped bittorrent-protocol wires carrying
// `sp_proxy`, the provider fetching from a loopback origin through safeFetch (allowlisted), the requester storing into
// a buffer and keeping its job record as a reload would (JSON), the provider host's lingering sessions across links.
import Wire from 'bittorrent-protocol';
import { nobleVerify, publicKeyFromHex } from '../../../src/protocol/ed25519.ts';
import { encodePaymentState, signPaymentState, type SignedPaymentState } from '../../../src/protocol/payment-state.ts';
import { MAX_CHUNKS, type ProxyJob } from '../../../src/services/proxy/chunk-plan.ts';
import { fromJSON, toJSON } from '../../../src/services/proxy/chunk-record.ts';
import type { JobId, ProviderLimits } from '../../../src/services/proxy/job-request.ts';
import { proxyExtension, proxyOf, type ProxyExtension, type ProxyHello } from '../../../src/services/proxy/proxy-extension.ts';
import { ProviderShell } from '../../../src/services/proxy/provider-shell.ts';
import { RequesterShell } from '../../../src/services/proxy/requester-shell.ts';
import type { RequesterEffect, RequesterState } from '../../../src/services/proxy/requester-session.ts';
import { safeFetch } from '../../../src/services/proxy/safe-fetch.ts';
import type { Origin } from './origin.ts';
import { jobId, LIMITS, party, ProxyLedger } from './proxy-harness.ts';

export const requester = party(1);
export const provider = party(2);
const INFO_HASH = '5e'.repeat(20);
export const REQ_HELLO: ProxyHello = { role: 'requester', payment_pk: requester.key };
export const PROV_HELLO: ProxyHello = { role: 'provider', payment_pk: provider.key };

export type TestWire = InstanceType<typeof Wire>;

export interface Link {
  readonly a: TestWire;
  readonly b: TestWire;
  readonly req: ProxyExtension;
  readonly prov: ProxyExtension;
  readonly warnings: string[];
}

/** Two wires piped into each other, handshaken, with the proxy extension negotiated on both. */
export async function link(req_hello: ProxyHello, prov_hello: ProxyHello): Promise<Link> {
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

/** What survives between sessions: the requester's stored record, and the provider host's lingering sessions. */
export interface Stored {
  record: string | null;
  spent: bigint;
  /** The last session's job id and last signed payment, re-sent first by the next session. */
  resend: { job_id: JobId; payment: SignedPaymentState } | null;
  lingering: Map<string, ProviderShell>;
}

export function fresh(): Stored {
  return { record: null, spent: 0n, resend: null, lingering: new Map() };
}

export interface WireSessionOptions {
  readonly n: number;
  readonly origin: Origin;
  readonly ledger: ProxyLedger;
  readonly out: Uint8Array;
  readonly stored: Stored;
  readonly chunk_size: number;
  /** The link is cut after this many chunks were stored (null: never). */
  readonly cut_after: number | null;
  readonly effects?: RequesterEffect[];
  readonly limits?: ProviderLimits;
}

/** Runs one session; returns when the requester's session is over. Throws if either shell hit a broken invariant. */
export async function wireSession(o: WireSessionOptions): Promise<RequesterState> {
  const { stored, ledger, origin } = o;
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
    fetch: (url, opts) => safeFetch(url, { ...opts, allow: [origin.allow_entry] }),
    ledgerChannel: async (id) => ledger.channels.get(id) ?? null,
    verify: async (p, key, context) => nobleVerify(p.signature, encodePaymentState(p, context), publicKeyFromHex(key)),
    close: async (s) => ledger.close(s),
    now: () => Date.now(),
  }, o.limits ?? LIMITS, requester.key, 0);
  const req = new RequesterShell({
    send: (f) => l.req.send(f),
    openChannel: async (payee, escrow, timeout, context) => ledger.open(requester.key, payee, escrow, timeout, Date.now(), context),
    sign: (s, context) => signPaymentState(requester.signer, s, context),
    store: async (_i, offset, bytes) => {
      o.out.set(bytes, offset);
      if (o.cut_after !== null && ++chunks >= o.cut_after) queueMicrotask(() => l.a.destroy());
    },
    persist: async (j, spent) => {
      stored.record = j === null ? null : toJSON(j);
      stored.spent = spent;
    },
    now: () => Date.now(),
    observe: (fx) => o.effects?.push(fx),
  }, {
    request: {
      job_id: jobId(o.n), url: `${origin.base}/file`, chunk_size: o.chunk_size, max_price_units_per_kib: 5n, cap_units: 1n << 40n,
      max_bytes: o.chunk_size * MAX_CHUNKS, if_range: job?.validator.etag ?? null,
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
  if (prov.state.phase === 'Lingering') stored.lingering.set(jobId(o.n), prov);
  const payment = req.last_payment;
  stored.resend = payment ? { job_id: jobId(o.n), payment } : null;
  l.a.destroy();
  if (req.error !== null || prov.error !== null) throw new Error(`shell failed: ${String(req.error ?? prov.error)}`);
  return end;
}

// One job split between two providers (the requester client's runParallel over in-memory relayed wires to two real
// provider hosts, a real loopback origin): both fetch disjoint shares at once, each paid through its own channels for
// exactly the chunks it delivered; a provider that lies or drops mid-way leaves its chunks to the other.
import { afterEach, describe, expect, it } from 'vitest';
import type { PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import { signPaymentState } from '../../../src/protocol/payment-state.ts';
import { fromJSON } from '../../../src/services/proxy/chunk-record.ts';
import type { ProxyFrame } from '../../../src/services/proxy/proxy-frames.ts';
import { RequesterClient, type ProxyJobStore, type StoredJob } from '../../../src/services/proxy/requester-client.ts';
import type { RequesterEffect } from '../../../src/services/proxy/requester-session.ts';
import { memoryHost, type MemoryHost } from './host-harness.ts';
import { startOrigin, type Origin } from './origin.ts';
import { jobId, party, ProxyLedger } from './proxy-harness.ts';

const CHUNK = 2048;
const COUNT = 12;
const user = party(41);
const a = party(42);
const b = party(43);
const TERMS = { chunk_size: CHUNK, max_price_units_per_kib: 5n, cap_units: 10n ** 9n, max_bytes: 1 << 20, day_cap_units: 10n ** 9n, day_spent_units: 0n };

let origin: Origin | null = null;
const hosts: MemoryHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) h.host.stop();
  await origin?.close();
  origin = null;
});

class MemoryStore implements ProxyJobStore {
  readonly jobs = new Map<string, StoredJob>();
  readonly bytes = new Uint8Array(1 << 16);
  readonly writes = new Map<number, number>();
  async load(url: string) {
    const j = this.jobs.get(url);
    return j ? (JSON.parse(JSON.stringify(j)) as StoredJob) : null;
  }
  async save(url: string, job: StoredJob) {
    this.jobs.set(url, job);
  }
  async writeChunk(_url: string, index: number, offset: number, bytes: Uint8Array) {
    this.writes.set(index, (this.writes.get(index) ?? 0) + 1);
    this.bytes.set(bytes, offset);
  }
}

/** Two providers on one ledger and origin; `tamperA` rewrites what provider a sends. */
async function setup(tamperA?: (f: ProxyFrame) => ProxyFrame) {
  const file = new Uint8Array(COUNT * CHUNK - 100).map((_, i) => (i * 7 + 3) & 0xff);
  origin = await startOrigin(file, '"pp1"');
  const ledger = new ProxyLedger();
  const store = new MemoryStore();
  let ids = 500;
  const client = new RequesterClient({
    openChannel: async (payee, escrow, timeout, ctx) => ledger.open(user.key, payee, escrow, timeout, Date.now(), ctx),
    sign: (s, ctx) => signPaymentState(user.signer, s, ctx),
    now: () => Date.now(),
    newJobId: () => jobId(ids++),
  }, store, user.key);
  const ha = memoryHost(a, origin, ledger, tamperA);
  const hb = memoryHost(b, origin, ledger);
  hosts.push(ha, hb);
  const wa = ha.connect(user, (ext) => client.wireClosed(ext));
  const wb = hb.connect(user, (ext) => client.wireClosed(ext));
  client.addProvider(a.key, wa.ext);
  client.addProvider(b.key, wb.ext);
  const url = `${origin.base}/file`;
  const seen: Array<{ p: PublicKeyHex; fx: RequesterEffect }> = [];
  return { file, ledger, store, client, url, seen, cutA: () => ha.cut(wa.id), observe: (p: PublicKeyHex, fx: RequesterEffect) => void seen.push({ p, fx }) };
}

function byProvider(seen: ReadonlyArray<{ p: PublicKeyHex; fx: RequesterEffect }>, p: PublicKeyHex) {
  const mine = seen.filter((s) => s.p === p).map((s) => s.fx);
  const stored = mine.flatMap((fx) => (fx.type === 'store_chunk' ? [fx.index] : []));
  const paid = mine.flatMap((fx) => (fx.type === 'pay' ? [fx.index] : []));
  const units = mine.reduce((sum, fx) => sum + (fx.type === 'pay' ? fx.delta_units : 0n), 0n);
  return { stored, paid, units };
}

/** What the ledger settled for channels paying `payee`. */
function settled(ledger: ProxyLedger, payee: PublicKeyHex): bigint {
  return [...ledger.channels.values()].filter((c) => c.payee_key === payee).reduce((sum, c) => sum + (c.closed_units ?? 0n), 0n);
}

describe('a job split between providers', () => {
  it('two providers serve disjoint halves at once; each is paid exactly for what it delivered', async () => {
    const t = await setup();
    const run = await t.client.runParallel(t.url, TERMS, null, t.observe);
    const end = await run.settled;
    expect(end.finished).toBe(true);
    expect(t.store.bytes.subarray(0, t.file.length)).toEqual(t.file);
    const pa = byProvider(t.seen, a.key);
    const pb = byProvider(t.seen, b.key);
    expect(pa.stored).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pb.stored).toEqual([6, 7, 8, 9, 10, 11]);
    expect(pa.paid).toEqual(pa.stored);
    expect(pb.paid).toEqual(pb.stored);
    // 2 units per KiB: a 2 KiB chunk costs 4, the short last one (1,948 bytes) too (rounded up).
    expect(pa.units).toBe(24n);
    expect(pb.units).toBe(24n);
    await new Promise((r) => setTimeout(r, 50));
    expect([...t.ledger.channels.values()].every((c) => !c.open)).toBe(true);
    expect(settled(t.ledger, a.key)).toBe(pa.units);
    expect(settled(t.ledger, b.key)).toBe(pb.units);
    const saved = t.store.jobs.get(t.url);
    expect(saved?.spent_units).toBe('48');
    const job = fromJSON(saved?.record ?? '');
    expect(job.ok && Array.from({ length: COUNT }, (_, i) => job.job.received.get(i) && job.job.paid.get(i)).every(Boolean)).toBe(true);
    expect([...t.store.writes.values()].every((n) => n === 1)).toBe(true);
    expect(saved?.resends).toEqual({});
  });

  it('a provider that lies mid-way is banned unpaid for that chunk; the other fetches the rest of its share', async () => {
    let sent = 0;
    const t = await setup((f) => {
      if (f.type !== 'chunk' || ++sent <= 2) return f;
      const bytes = f.bytes.slice();
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      return { ...f, bytes };
    });
    const run = await t.client.runParallel(t.url, TERMS, null, t.observe);
    const end = await run.settled;
    expect(end.finished).toBe(true);
    expect(t.store.bytes.subarray(0, t.file.length)).toEqual(t.file);
    const liar = end.sessions.find((s) => s.provider_key === a.key);
    expect(liar?.state.stop).toEqual({ kind: 'lied', verdict: 'hash_mismatch', index: 2 });
    const pa = byProvider(t.seen, a.key);
    const pb = byProvider(t.seen, b.key);
    expect(pa.stored).toEqual([0, 1]);
    expect(pa.paid).toEqual([0, 1]);
    expect([...pb.stored].sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(pb.paid).toEqual(pb.stored);
    await new Promise((r) => setTimeout(r, 50));
    expect(settled(t.ledger, b.key)).toBe(pb.units);
    expect(settled(t.ledger, a.key)).toBeLessThanOrEqual(pa.units);
    expect(BigInt(t.store.jobs.get(t.url)?.spent_units ?? '0')).toBe(pa.units + pb.units);
    expect([...t.store.writes.values()].every((n) => n === 1)).toBe(true);
  });

  it('a provider whose wire drops mid-way leaves its chunks to the other; its last payment is kept to re-send', async () => {
    const t = await setup();
    let a_chunks = 0;
    const run = await t.client.runParallel(t.url, TERMS, null, (p, fx) => {
      t.observe(p, fx);
      if (p === a.key && fx.type === 'store_chunk' && ++a_chunks === 3) t.cutA();
    });
    const end = await run.settled;
    expect(end.finished).toBe(true);
    expect(t.store.bytes.subarray(0, t.file.length)).toEqual(t.file);
    expect(end.sessions.find((s) => s.provider_key === a.key)?.state.stop).toEqual({ kind: 'dropped' });
    const pa = byProvider(t.seen, a.key);
    const pb = byProvider(t.seen, b.key);
    expect(pa.stored).toEqual([0, 1, 2]);
    expect(pa.paid).toEqual([0, 1, 2]);
    expect([...pb.stored].sort((x, y) => x - y)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const all = [...pa.paid, ...pb.paid].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    const saved = t.store.jobs.get(t.url);
    expect(Object.keys(saved?.resends ?? {})).toEqual([a.key]);
    expect(saved?.resends?.[a.key]?.amount_units).toBe(pa.units.toString());
    await new Promise((r) => setTimeout(r, 50));
    expect(settled(t.ledger, b.key)).toBe(pb.units);
  });
});

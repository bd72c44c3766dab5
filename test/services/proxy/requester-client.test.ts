// The app's requester client against the provider host (in-memory relayed wires, a real loopback origin): pause,
// a wire cut with a payment lost, and a "reload" (a new client on the same store) resume the job to the end; the
// bytes match and the ledger settles exactly what was signed. Each payment is stored before it is sent.
import { afterEach, describe, expect, it } from 'vitest';
import type { PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import { signPaymentState } from '../../../src/protocol/payment-state.ts';
import { fromJSON } from '../../../src/services/proxy/chunk-record.ts';
import { RequesterClient, type ProxyJobStore, type StoredJob } from '../../../src/services/proxy/requester-client.ts';
import { memoryHost } from './host-harness.ts';
import { startOrigin, type Origin } from './origin.ts';
import { jobId, party, ProxyLedger } from './proxy-harness.ts';

const CHUNK = 2048;
const user = party(21);
const provider = party(22);
const TERMS = { chunk_size: CHUNK, max_price_units_per_kib: 5n, cap_units: 10n ** 9n, max_bytes: 1 << 20, day_cap_units: 10n ** 9n, day_spent_units: 0n };

let origin: Origin | null = null;

/** The client's ports for `user` on an in-memory ledger, job ids counting from `first_id`. */
function userPorts(ledger: ProxyLedger, first_id: number) {
  let ids = first_id;
  return {
    openChannel: async (payee: PublicKeyHex, escrow: bigint, timeout: number, ctx: Parameters<ProxyLedger['open']>[5]) =>
      ledger.open(user.key, payee, escrow, timeout, Date.now(), ctx),
    sign: (s: Parameters<typeof signPaymentState>[1], ctx: Parameters<typeof signPaymentState>[2]) => signPaymentState(user.signer, s, ctx),
    now: () => Date.now(),
    newJobId: () => jobId(ids++),
  };
}
afterEach(async () => {
  await origin?.close();
  origin = null;
});

class MemoryStore implements ProxyJobStore {
  readonly jobs = new Map<string, StoredJob>();
  readonly bytes = new Uint8Array(1 << 16);
  async load(url: string) {
    const j = this.jobs.get(url);
    return j ? (JSON.parse(JSON.stringify(j)) as StoredJob) : null;
  }
  async save(url: string, job: StoredJob) {
    this.jobs.set(url, job);
  }
  async writeChunk(_url: string, _index: number, offset: number, bytes: Uint8Array) {
    this.bytes.set(bytes, offset);
  }
}

describe('requester client', () => {
  it('resumes a job across a pause, a cut wire with its payment lost, and a reload', async () => {
    const file = new Uint8Array(9 * CHUNK + 10).map((_, i) => (i * 13 + 1) & 0xff);
    origin = await startOrigin(file, '"r1"');
    const o = origin;
    const ledger = new ProxyLedger();
    const { host, connect: link, cut } = memoryHost(provider, o, ledger);
    const connect = (client: RequesterClient): string => {
      const { id, ext } = link(user, (cutExt) => client.wireClosed(cutExt));
      client.addProvider(provider.key, ext);
      return id;
    };
    const store = new MemoryStore();
    const ports = userPorts(ledger, 100);
    const url = `${o.base}/file`;
    let stores = 0;

    // 1. Paused after 3 chunks.
    const first = new RequesterClient(ports, store, user.key);
    connect(first);
    const s1 = await first.run(url, provider.key, TERMS, (fx) => {
      if (fx.type === 'store_chunk' && ++stores === 3) void s1.pause();
    });
    expect((await s1.settled).stop).toEqual({ kind: 'provider_done', reason: 'cancelled' });

    // 2. Resumed; the wire is cut while the 6th chunk is stored, so that chunk's payment is lost with it.
    const wire2 = connect(first);
    const s2 = await first.run(url, provider.key, TERMS, (fx) => {
      if (fx.type === 'store_chunk' && ++stores === 6) cut(wire2);
    });
    expect((await s2.settled).stop).toEqual({ kind: 'dropped' });
    expect(store.jobs.get(url)?.resend).not.toBeNull();

    // 3. A reload: a new client on the same store resumes, re-sends the lost payment and finishes.
    const second = new RequesterClient(ports, store, user.key);
    connect(second);
    const s3 = await second.run(url, provider.key, TERMS, (fx) => void (fx.type === 'store_chunk' && stores++));
    expect((await s3.settled).phase).toBe('Done');
    expect(stores).toBe(10);
    expect(store.bytes.subarray(0, file.length)).toEqual(file);
    await new Promise((r) => setTimeout(r, 50));
    const channels = [...ledger.channels.values()];
    expect(channels.every((c) => !c.open)).toBe(true);
    expect(ledger.settledUnits()).toBe(BigInt(store.jobs.get(url)?.spent_units ?? '-1'));
    expect(store.jobs.get(url)?.resend).toBeNull();
    host.stop();
  });

  it('saves before it sends: every payment leaves only after the job recording it as paid, and itself as the re-send, is stored', async () => {
    const file = new Uint8Array(4 * CHUNK + 1).map((_, i) => (i * 3 + 5) & 0xff);
    origin = await startOrigin(file, '"p1"');
    const ledger = new ProxyLedger();
    const { host, connect } = memoryHost(provider, origin, ledger);
    const store = new MemoryStore();
    const client = new RequesterClient(userPorts(ledger, 300), store, user.key);
    const { ext } = connect(user, (cutExt) => client.wireClosed(cutExt));
    const url = `${origin.base}/file`;
    const seen: string[] = [];
    const send = ext.send.bind(ext);
    ext.send = (frame) => {
      if (frame.type === 'payment') {
        const saved = store.jobs.get(url);
        const back = saved?.record ? fromJSON(saved.record) : null;
        const paid = back?.ok ? Array.from({ length: 5 }, (_, i) => back.job.paid.get(i)).filter(Boolean).length : -1;
        seen.push(`${frame.payment.seq}: stored seq ${saved?.resend?.seq}, ${paid} paid`);
      }
      return send(frame);
    };
    client.addProvider(provider.key, ext);
    const s1 = await client.run(url, provider.key, TERMS);
    expect((await s1.settled).phase).toBe('Done');
    expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => `${n}: stored seq ${n}, ${n} paid`));
    host.stop();
  });

  it('resumes on the same wire after a pause: the provider starts a new session for the new request', async () => {
    const file = new Uint8Array(5 * CHUNK + 3).map((_, i) => (i * 5 + 2) & 0xff);
    origin = await startOrigin(file, '"w1"');
    const ledger = new ProxyLedger();
    const { host, connect } = memoryHost(provider, origin, ledger);
    const store = new MemoryStore();
    const client = new RequesterClient(userPorts(ledger, 200), store, user.key);
    const { ext } = connect(user, (cutExt) => client.wireClosed(cutExt));
    client.addProvider(provider.key, ext);
    const url = `${origin.base}/file`;
    let stores = 0;
    const s1 = await client.run(url, provider.key, TERMS, (fx) => {
      if (fx.type === 'store_chunk' && ++stores === 2) void s1.pause();
    });
    expect((await s1.settled).stop).toEqual({ kind: 'provider_done', reason: 'cancelled' });
    const s2 = await client.run(url, provider.key, TERMS, (fx) => void (fx.type === 'store_chunk' && stores++));
    expect((await s2.settled).phase).toBe('Done');
    expect(stores).toBe(6);
    expect(store.bytes.subarray(0, file.length)).toEqual(file);
    await new Promise((r) => setTimeout(r, 50));
    expect([...ledger.channels.values()].map((c) => c.open)).toEqual([false, false]);
    expect(ledger.settledUnits()).toBe(BigInt(store.jobs.get(url)?.spent_units ?? '-1'));
    host.stop();
  });
});

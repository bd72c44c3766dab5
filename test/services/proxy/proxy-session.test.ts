// A proxy job end to end through both machines, the codec and a ledger that checks every close: each chunk arrives
// checked and is paid exactly once, random drop points and reloads lose nothing and pay nothing twice, a changed
// validator restarts and says so, a provider that lies about a chunk is banned and another one finishes the job.
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { costForBytes, type Units } from '../../../src/protocol/money.ts';
import { chunkCount, isComplete, missing, type ProxyJob } from '../../../src/services/proxy/chunk-plan.ts';
import { fromJSON, toJSON } from '../../../src/services/proxy/chunk-record.ts';
import type { ProxyRequest } from '../../../src/services/proxy/job-request.ts';
import { jobId, LIMITS, party, ProxyLedger, runSession, type MemoryOrigin, type SessionResult } from './proxy-harness.ts';

const CHUNK = 1024;
const requester = party(1);
const provider = party(2);
const second = party(3);

function file(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function request(n: number, job: ProxyJob | null, over: Partial<ProxyRequest> = {}): ProxyRequest {
  const if_range = job?.validator.etag ?? null;
  return {
    job_id: jobId(n), url: 'https://example.com/file.bin', chunk_size: CHUNK, max_price_units_per_kib: 5n, cap_units: 1n << 40n,
    max_bytes: 1 << 24, if_range, ...over,
  };
}

/** What the whole file costs at `price`, each chunk once. */
function fileCost(length: number, price: Units): Units {
  let sum = 0n;
  for (let start = 0; start < length; start += CHUNK) sum += costForBytes(price, BigInt(Math.min(CHUNK, length - start)));
  return sum;
}

function reload(job: ProxyJob | null): ProxyJob | null {
  if (job === null) return null;
  const back = fromJSON(toJSON(job));
  if (!back.ok) throw new Error(back.reason);
  return back.job;
}

const paidTotal = (r: SessionResult): Units => r.effects.reduce((sum, fx) => (fx.type === 'pay' ? sum + fx.delta_units : sum), 0n);
const paidIndices = (r: SessionResult): number[] => r.effects.flatMap((fx) => (fx.type === 'pay' ? [fx.index] : []));

describe('proxy session', () => {
  it('fetches a file chunk by chunk, each paid once on a channel bound to the job, never more than one chunk unpaid', async () => {
    const origin: MemoryOrigin = { file: file(10 * CHUNK + 300), etag: '"v1"' };
    const out = new Uint8Array(origin.file.length);
    const ledger = new ProxyLedger();
    const r = await runSession({ request: request(1, null), job: null, job_spent_units: 0n, origin, out, ledger, requester, provider });
    expect(r.requester.phase).toBe('Done');
    expect(out).toEqual(origin.file);
    expect(r.chunks_received).toBe(11);
    expect(paidIndices(r)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(paidTotal(r)).toBe(fileCost(origin.file.length, LIMITS.price_units_per_kib));
    expect(r.signed.map((s) => s.seq)).toEqual(r.signed.map((_, i) => BigInt(i + 1)));
    expect(ledger.settledUnits()).toBe(paidTotal(r));
    expect(r.max_unpaid_chunks).toBeLessThanOrEqual(1);
    expect(r.provider.phase).toBe('Done');
    expect(isComplete(r.requester.job as ProxyJob)).toBe(true);
  });

  it('random drop points and reloads: the file completes, every chunk received once and paid once, the ledger agrees', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 12 * CHUNK }), fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 6 }),
      async (length, drops) => {
        const origin: MemoryOrigin = { file: file(length), etag: '"v1"' };
        const out = new Uint8Array(length);
        const ledger = new ProxyLedger();
        let job: ProxyJob | null = null;
        let spent = 0n;
        const paid: number[] = [];
        for (let session = 0; ; session++) {
          expect(session).toBeLessThan(drops.length + 2);
          const drop = drops[session];
          const r = await runSession({
            request: request(100 + session, job), job, job_spent_units: spent, origin, out, ledger, requester, provider,
            ...(drop === undefined ? {} : { drop_after_frames: drop }),
          });
          paid.push(...paidIndices(r));
          spent = r.requester.job_spent_units;
          job = reload(r.requester.job); // a reload between sessions: only the stored record survives
          expect(r.effects.some((fx) => fx.type === 'restarted')).toBe(false);
          if (r.requester.phase === 'Done') break;
          expect(r.requester.stop).toEqual({ kind: 'dropped' });
        }
        expect(out).toEqual(origin.file);
        expect(new Set(paid).size).toBe(paid.length);
        expect(paid.length).toBe(chunkCount(job as ProxyJob));
        expect(spent).toBe(fileCost(length, LIMITS.price_units_per_kib));
        expect(ledger.settledUnits()).toBe(spent);
      },
    ), { numRuns: 25 });
  });

  it('a chunk in flight when the link drops is neither received nor paid', async () => {
    const origin: MemoryOrigin = { file: file(6 * CHUNK), etag: '"v1"' };
    const ledger = new ProxyLedger();
    // Frames to the requester: offer, chunk 0, chunk 1, then the link fails with chunk 2 sent but not delivered.
    const r = await runSession({
      request: request(2, null), job: null, job_spent_units: 0n, origin, out: new Uint8Array(origin.file.length), ledger, requester, provider,
      drop_after_frames: 3,
    });
    expect(r.requester.stop).toEqual({ kind: 'dropped' });
    expect(missing(r.requester.job as ProxyJob)).toEqual([2, 3, 4, 5]);
    expect(paidIndices(r)).toEqual([0, 1]);
    expect(ledger.settledUnits()).toBe(2n * costForBytes(LIMITS.price_units_per_kib, BigInt(CHUNK)));
  });

  it('a changed validator between sessions restarts the file and reports what was discarded', async () => {
    const origin: MemoryOrigin = { file: file(5 * CHUNK), etag: '"v1"' };
    const out = new Uint8Array(origin.file.length);
    const ledger = new ProxyLedger();
    const first = await runSession({ request: request(3, null), job: null, job_spent_units: 0n, origin, out, ledger, requester, provider, drop_after_frames: 3 });
    origin.file = file(5 * CHUNK, 99);
    origin.etag = '"v2"';
    const job = reload(first.requester.job);
    const second_ = await runSession({ request: request(4, job), job, job_spent_units: first.requester.job_spent_units, origin, out, ledger, requester, provider });
    const restarted = second_.effects.find((fx) => fx.type === 'restarted');
    expect(restarted).toMatchObject({ type: 'restarted', discarded_chunks: 2, reason: 'the resource changed (validator "v1" → "v2")' });
    expect(second_.requester.phase).toBe('Done');
    expect(second_.requester.job?.restarts).toBe(1);
    expect(out).toEqual(origin.file);
    expect(paidIndices(second_)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a validator change mid-session ends it with validator_changed, unpaid beyond what arrived; the next session restarts', async () => {
    const origin: MemoryOrigin = { file: file(4 * CHUNK), etag: '"v1"' };
    const out = new Uint8Array(origin.file.length);
    const ledger = new ProxyLedger();
    const change = (index: number): void => {
      if (index !== 2) return;
      origin.file = file(3 * CHUNK, 5);
      origin.etag = '"v2"';
    };
    const s1 = await runSession({ request: request(5, null), job: null, job_spent_units: 0n, origin, out, ledger, requester, provider, before_fetch: change });
    expect(s1.requester.stop).toEqual({ kind: 'provider_done', reason: 'validator_changed' });
    expect(paidIndices(s1)).toEqual([0, 1]);
    expect(ledger.settledUnits()).toBe(paidTotal(s1));
    const job = reload(s1.requester.job);
    const s2 = await runSession({ request: request(6, job), job, job_spent_units: s1.requester.job_spent_units, origin, out, ledger, requester, provider });
    expect(s2.effects.find((fx) => fx.type === 'restarted')).toMatchObject({ discarded_chunks: 2 });
    expect(s2.requester.phase).toBe('Done');
    expect(s2.requester.job?.total_length).toBe(3 * CHUNK);
    expect(out.subarray(0, 3 * CHUNK)).toEqual(origin.file);
  });

  it('a provider whose chunk does not match its signed hash is banned, that chunk is not paid, and a second provider finishes', async () => {
    const origin: MemoryOrigin = { file: file(8 * CHUNK), etag: '"v1"' };
    const out = new Uint8Array(origin.file.length);
    const ledger = new ProxyLedger();
    const liar = await runSession({
      request: request(7, null), job: null, job_spent_units: 0n, origin, out, ledger, requester, provider, corrupt: new Set([3]),
    });
    expect(liar.requester.phase).toBe('Banned');
    expect(liar.requester.stop).toEqual({ kind: 'lied', verdict: 'hash_mismatch', index: 3 });
    const ban = liar.effects.find((fx) => fx.type === 'ban');
    expect(ban).toMatchObject({ type: 'ban', provider_key: provider.key, verdict: 'hash_mismatch' });
    expect(paidIndices(liar)).toEqual([0, 1, 2]);
    expect(ledger.settledUnits()).toBe(3n * costForBytes(LIMITS.price_units_per_kib, BigInt(CHUNK)));
    const job = reload(liar.requester.job);
    const honest = await runSession({ request: request(8, job), job, job_spent_units: liar.requester.job_spent_units, origin, out, ledger, requester, provider: second });
    expect(honest.requester.phase).toBe('Done');
    expect(paidIndices(honest)).toEqual([3, 4, 5, 6, 7]);
    expect(sha256(out)).toEqual(sha256(origin.file));
  });

  it('providers refuse by their limits before any fetch, and the requester refuses an offer over its bound', async () => {
    const origin: MemoryOrigin = { file: file(4 * CHUNK), etag: '"v1"' };
    const base = { job: null, job_spent_units: 0n, origin, out: new Uint8Array(4 * CHUNK), ledger: new ProxyLedger(), requester, provider };
    const cheap = await runSession({ ...base, request: request(9, null, { max_price_units_per_kib: 1n }) });
    expect(cheap.requester.stop).toEqual({ kind: 'refused', code: 'price_too_low' });
    const hosts = await runSession({ ...base, request: request(10, null), limits: { ...LIMITS, allowed_hosts: ['other.example'] } });
    expect(hosts.requester.stop).toEqual({ kind: 'refused', code: 'host_not_allowed' });
    const types = await runSession({ ...base, request: request(11, null), limits: { ...LIMITS, allowed_content_types: ['image/*'] } });
    expect(types.requester.stop).toEqual({ kind: 'refused', code: 'content_type_not_allowed' });
    const big = await runSession({ ...base, request: request(12, null, { max_bytes: 2 * CHUNK }) });
    expect(big.requester.stop).toEqual({ kind: 'refused', code: 'over_requester_max' });
    const job_limit = await runSession({ ...base, request: request(13, null), limits: { ...LIMITS, max_job_bytes: CHUNK } });
    expect(job_limit.requester.stop).toEqual({ kind: 'refused', code: 'job_too_large' });
    for (const r of [cheap, hosts, types, big, job_limit]) expect(r.signed).toEqual([]);
  });

  it('the spending cap stops paying before it is exceeded', async () => {
    const origin: MemoryOrigin = { file: file(8 * CHUNK), etag: '"v1"' };
    const one = costForBytes(LIMITS.price_units_per_kib, BigInt(CHUNK));
    const r = await runSession({
      request: request(14, null, { cap_units: 3n * one }), job: null, job_spent_units: 0n, origin, out: new Uint8Array(8 * CHUNK),
      ledger: new ProxyLedger(), requester, provider,
    });
    expect(r.requester.phase).toBe('Stopped');
    expect(paidTotal(r)).toBeLessThanOrEqual(3n * one);
  });
});

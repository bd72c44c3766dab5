// The proxy's chunk plan and resume state: random drop points, reloads (a JSON round trip) and provider switches
// always end with every chunk received and paid exactly once; a validator change restarts; two providers never
// share a chunk.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assign, chunkBytes, chunkCount, createJob, ifRange, isComplete, missing, MIN_CHUNK_BYTES, onValidatorChanged, pay,
  receive, unpaid, type ProxyJob, type Validator,
} from '../../../src/services/proxy/chunk-plan.ts';
import { fromJSON, toJSON } from '../../../src/services/proxy/chunk-record.ts';

const URL_ = 'https://example.com/big.bin';
const V1: Validator = { etag: '"v1"', last_modified: 'Wed, 02 Dec 2026 10:00:00 GMT' };

function job(total: number, chunk = MIN_CHUNK_BYTES, validator = V1): ProxyJob {
  const made = createJob(URL_, validator, total, chunk);
  if (!made.ok) throw new Error(made.reason);
  return made.job;
}

function reload(j: ProxyJob): ProxyJob {
  const back = fromJSON(toJSON(j));
  if (!back.ok) throw new Error(`record did not load: ${back.reason}`);
  return back.job;
}

function flatten(runs: ReadonlyArray<{ first: number; last: number }>): number[] {
  return runs.flatMap(({ first, last }) => Array.from({ length: last - first + 1 }, (_, k) => first + k));
}

/** One session: providers fetch their assigned runs in order until each drops after `drops[k]` chunks. */
function session(j: ProxyJob, providers: string[], drops: number[], counts: number[]): ProxyJob {
  const plan = assign(j, providers);
  const queues = providers.map((id) => flatten(plan.get(id) ?? []));
  const seen = new Set<number>();
  for (const q of queues) for (const i of q) {
    expect(seen.has(i), `chunk ${i} assigned twice`).toBe(false);
    seen.add(i);
  }
  let next = j;
  // Interleave the providers' deliveries, as two concurrent wires would.
  for (let step = 0; queues.some((q, k) => step < Math.min(q.length, drops[k] ?? 0)); step++) {
    queues.forEach((q, k) => {
      const i = q[step];
      if (i === undefined || step >= (drops[k] ?? 0)) return;
      const got = receive(next, i);
      expect(got.outcome).toBe('received');
      counts[i] = (counts[i] ?? 0) + 1;
      const paid = pay(got.job, i);
      expect(paid.outcome).toBe('paid');
      next = paid.job;
    });
  }
  return next;
}

const scenario = fc.record({
  chunks: fc.integer({ min: 1, max: 120 }),
  short_tail: fc.integer({ min: 0, max: MIN_CHUNK_BYTES - 1 }),
  sessions: fc.array(fc.record({ two: fc.boolean(), drops: fc.tuple(fc.nat(40), fc.nat(40)) }), { minLength: 1, maxLength: 30 }),
});

describe('chunk plan: resume', () => {
  it('random drops, reloads and provider switches end with every chunk received and paid exactly once', () => {
    fc.assert(fc.property(scenario, ({ chunks, short_tail, sessions }) => {
      const total = chunks * MIN_CHUNK_BYTES - short_tail;
      let j = job(total);
      const counts: number[] = [];
      for (const [n, s] of sessions.entries()) {
        const providers = s.two ? [`p${n}`, `q${n}`] : [`p${n}`];
        j = reload(session(j, providers, [...s.drops], counts));
      }
      // Then a steady provider finishes whatever is left.
      while (missing(j).length) j = reload(session(j, ['final'], [chunkCount(j)], counts));
      expect(isComplete(j)).toBe(true);
      expect(counts.length).toBe(chunkCount(j));
      expect(counts.every((c) => c === 1)).toBe(true);
      expect(unpaid(j)).toEqual([]);
    }), { numRuns: 200 });
  });

  it('a validator change mid-way restarts the file, says so, and it still ends with each chunk once', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 80 }), fc.nat(79), fc.boolean(), (chunks, cut, by_length) => {
      let j = job(chunks * MIN_CHUNK_BYTES);
      const before: number[] = [];
      j = session(j, ['a'], [Math.min(cut, chunks - 1)], before);
      const v2: Validator = by_length ? V1 : { etag: '"v2"', last_modified: V1.last_modified };
      const total2 = by_length ? j.total_length + 1 : j.total_length;
      const change = onValidatorChanged(j, v2, total2);
      expect(change.restarted).toBe(true);
      if (!change.restarted) return;
      expect(change.discarded_chunks).toBe(Math.min(cut, chunks - 1));
      expect(change.reason).toMatch(by_length ? /length changed/ : /"v1" → "v2"/);
      expect(change.job.restarts).toBe(1);
      j = reload(change.job);
      expect(missing(j).length).toBe(chunkCount(j));
      const after: number[] = [];
      while (missing(j).length) j = session(j, ['a', 'b'], [7, 5], after);
      expect(after.length).toBe(chunkCount(j));
      expect(after.every((c) => c === 1)).toBe(true);
      expect(j.validator).toEqual(v2);
    }), { numRuns: 200 });
  });

  it('the same version changes nothing; a weak ETag falls back to Last-Modified for If-Range', () => {
    const j = receive(job(10 * MIN_CHUNK_BYTES), 3).job;
    const same = onValidatorChanged(j, { etag: '"v1"', last_modified: 'Thu, 03 Dec 2026 00:00:00 GMT' }, j.total_length);
    expect(same).toEqual({ restarted: false, job: j });
    expect(ifRange(j)).toBe('"v1"');
    expect(ifRange(job(10, MIN_CHUNK_BYTES, { etag: 'W/"x"', last_modified: V1.last_modified }))).toBe(V1.last_modified);
    expect(ifRange(job(10, MIN_CHUNK_BYTES, { etag: null, last_modified: null }))).toBeNull();
  });
});

describe('chunk plan: assignment and bookkeeping', () => {
  it('two providers get disjoint runs that together cover exactly the open chunks', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.uniqueArray(fc.nat(299)), fc.uniqueArray(fc.nat(299)), (chunks, got, flying) => {
      let j = job(chunks * MIN_CHUNK_BYTES);
      for (const i of got) j = receive(j, i).job;
      const in_flight = new Set(flying.filter((i) => i < chunks));
      const plan = assign(j, ['a', 'b'], in_flight);
      const a = flatten(plan.get('a') ?? []);
      const b = flatten(plan.get('b') ?? []);
      expect(a.filter((i) => b.includes(i))).toEqual([]);
      const open = missing(j).filter((i) => !in_flight.has(i));
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(open);
      expect(Math.abs(a.length - b.length)).toBeLessThanOrEqual(Math.ceil(open.length / 2));
    }), { numRuns: 300 });
    expect(() => assign(job(4096), ['a', 'a'])).toThrow(/distinct/);
    expect(flatten(assign(job(100 * MIN_CHUNK_BYTES), ['a'], new Set(), 10).get('a') ?? [])).toHaveLength(10);
  });

  it('maps chunks to byte ranges with a short last chunk', () => {
    const j = job(2 * MIN_CHUNK_BYTES + 5);
    expect(chunkCount(j)).toBe(3);
    expect(chunkBytes(j, 0)).toEqual({ start: 0, end: MIN_CHUNK_BYTES - 1 });
    expect(chunkBytes(j, 2)).toEqual({ start: 2 * MIN_CHUNK_BYTES, end: 2 * MIN_CHUNK_BYTES + 4 });
    expect(() => chunkBytes(j, 3)).toThrow();
    expect(chunkCount(job(0))).toBe(0);
    expect(isComplete(job(0))).toBe(true);
  });

  it('refuses duplicates, out-of-range chunks and payment for what did not arrive, without a new state', () => {
    const j = job(4 * MIN_CHUNK_BYTES);
    for (const bad of [-1, 4, 1.5, Number.NaN]) {
      expect(receive(j, bad)).toEqual({ job: j, outcome: 'out_of_range' });
      expect(pay(j, bad).outcome).toBe('out_of_range');
    }
    expect(pay(j, 1)).toEqual({ job: j, outcome: 'not_received' });
    const r = receive(j, 1).job;
    expect(j.received.get(1)).toBe(false); // the old state is untouched
    expect(receive(r, 1).outcome).toBe('duplicate');
    const p = pay(r, 1).job;
    expect(pay(p, 1).outcome).toBe('already_paid');
    expect(unpaid(r)).toEqual([1]);
    expect(unpaid(p)).toEqual([]);
  });

  it('refuses unusable job parameters with result codes', () => {
    expect(createJob('javascript:alert(1)', V1, 10)).toEqual({ ok: false, reason: 'bad_url' });
    expect(createJob(URL_, V1, 10, 0)).toEqual({ ok: false, reason: 'bad_chunk_size' });
    expect(createJob(URL_, V1, 10, MIN_CHUNK_BYTES + 0.5)).toEqual({ ok: false, reason: 'bad_chunk_size' });
    expect(createJob(URL_, V1, -1)).toEqual({ ok: false, reason: 'bad_total_length' });
    expect(createJob(URL_, V1, 2 ** 53)).toEqual({ ok: false, reason: 'bad_total_length' });
    expect(createJob(URL_, V1, 2 ** 40, MIN_CHUNK_BYTES)).toEqual({ ok: false, reason: 'too_many_chunks' });
    expect(createJob(URL_, { etag: '"a"\r\nx: y', last_modified: null }, 10)).toEqual({ ok: false, reason: 'bad_validator' });
  });
});

// One job split between providers (parallel-plan.ts) under random schedules: providers that drop or lie mid-way,
// one offering another version, a job resumed with chunks already in, a tight cap. Every chunk is received at most
// once and paid once, to the provider that delivered it; shares never overlap; the cap holds; an honest provider of
// the job's version always finishes the file once the others failed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import { bytesOfChunks, chunkCount, createJob, onValidatorChanged, pay, receive, type ProxyJob } from '../../../src/services/proxy/chunk-plan.ts';
import {
  createPlan, decide, ended, isFinished, offered, openChunks, snapshot, started, toStart, type ParallelPlan,
} from '../../../src/services/proxy/parallel-plan.ts';

const URL_ = 'https://example.com/f.bin';
const CHUNK = 1024;

function fresh(total: number, etag: string): ProxyJob {
  const made = createJob(URL_, { etag, last_modified: null }, total, CHUNK);
  if (!made.ok) throw new Error(made.reason);
  return made.job;
}

type Behaviour = { readonly kind: 'honest' } | { readonly kind: 'drop' | 'lie'; readonly after: number } | { readonly kind: 'other_version' };

interface Live {
  job: ProxyJob;
  queue: number[];
  delivered: number;
  spent: bigint;
  allot: bigint;
}

/** Runs the plan to its end; chunks cost their bytes (1 unit per byte). Returns who delivered and who was paid. */
function simulate(total: number, prior: readonly number[], behaviours: readonly Behaviour[], cap: bigint, choices: readonly number[]) {
  const keys = behaviours.map((_, k) => `${k}`.padStart(64, '0') as PublicKeyHex);
  let start: ProxyJob | null = null;
  let prior_spent = 0n;
  if (prior.length > 0) {
    start = fresh(total, '"a"');
    for (const i of prior) if (i < chunkCount(start)) {
      start = pay(receive(start, i).job, i).job;
      prior_spent += BigInt(bytesOfChunks(start, [i]));
    }
  }
  let plan: ParallelPlan = createPlan(start, prior_spent, cap, 0n, 1n << 60n);
  const live = new Map<PublicKeyHex, Live>();
  const delivered = new Map<number, PublicKeyHex[]>();
  const paid = new Map<number, PublicKeyHex[]>();
  let pick = 0;
  const next = (n: number): number => (choices.length === 0 ? 0 : (choices[pick++ % choices.length] as number) % n);
  const end = (p: PublicKeyHex, finished: boolean): void => {
    const l = live.get(p) as Live;
    live.delete(p);
    plan = ended(plan, p, { job: l.job, spent_units: l.spent, day_spent_units: l.spent, finished });
  };
  for (let guard = 0; guard < 10_000; guard++) {
    for (const p of toStart(plan, keys)) {
      plan = started(plan, p);
      const b = behaviours[keys.indexOf(p)] as Behaviour;
      // Another version offered on a resumed job is a restart of it (its session restarted: one more restart).
      const other = plan.job === null ? fresh(total + 1, '"b"') : onValidatorChanged(plan.job, { etag: '"b"', last_modified: null }, total + 1).job;
      plan = offered(plan, p, b.kind === 'other_version' ? other : fresh(total, '"a"'));
    }
    const d = decide(plan);
    plan = d.plan;
    for (const [p, share] of d.shares) {
      live.set(p, { job: plan.job as ProxyJob, queue: [...share.chunks], delivered: 0, spent: 0n, allot: cap - share.job_reserved_units });
    }
    // Shares are disjoint and hold only missing chunks.
    const held = new Set<number>();
    for (const s of plan.sessions.values()) for (const i of s.share) {
      expect(held.has(i), `chunk ${i} in two shares`).toBe(false);
      expect(plan.job?.received.get(i)).toBe(false);
      held.add(i);
    }
    if (live.size === 0) break;
    const running = [...live.keys()];
    const p = running[next(running.length)] as PublicKeyHex;
    const l = live.get(p) as Live;
    const b = behaviours[keys.indexOf(p)] as Behaviour;
    const i = l.queue[0] as number;
    const cost = BigInt(bytesOfChunks(l.job, [i]));
    if ((b.kind === 'drop' || b.kind === 'lie') && l.delivered >= b.after) {
      // The chunk in flight does not arrive (a drop) or fails its check (a lie): nothing is received or paid.
      end(p, false);
      continue;
    }
    if (l.spent + cost > l.allot) {
      end(p, false);
      continue;
    }
    l.queue.shift();
    l.delivered++;
    l.job = pay(receive(l.job, i).job, i).job;
    l.spent += cost;
    delivered.set(i, [...(delivered.get(i) ?? []), p]);
    paid.set(i, [...(paid.get(i) ?? []), p]);
    // The persisted record mid-way holds this chunk.
    expect(snapshot(plan, new Map([...live].map(([k, v]) => [k, v.job])))?.received.get(i)).toBe(true);
    if (l.queue.length === 0) end(p, true);
  }
  return { plan, delivered, paid, keys, prior_spent };
}

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Behaviour>({ kind: 'honest' }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom<'drop' | 'lie'>('drop', 'lie'), after: fc.nat(8) }) },
  { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'other_version' }) },
);

describe('parallel plan', () => {
  it('random failures: every chunk received at most once, paid once to who delivered it; an honest provider finishes', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 * CHUNK }), fc.array(fc.nat(50), { maxLength: 10 }), fc.array(behaviour, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(1000), { minLength: 1, maxLength: 50 }),
      (total, prior, behaviours, choices) => {
        const { plan, delivered, paid, prior_spent } = simulate(total, prior, behaviours, 1n << 40n, choices);
        // A job resumed with chunks in keeps them unless another version was taken (a restart throws them away).
        const job = plan.job;
        const version_b = job?.validator.etag === '"b"';
        const kept = version_b ? [] : prior;
        for (const [i, who] of delivered) {
          expect(who.length, `chunk ${i} delivered ${who.length} times`).toBe(1);
          expect(kept.includes(i)).toBe(false);
        }
        for (const [i, who] of paid) expect(who).toEqual(delivered.get(i));
        if (job !== null) for (let i = 0; i < chunkCount(job); i++) expect(job.paid.get(i)).toBe(paid.has(i) || kept.includes(i));
        const spent = [...paid.keys()].reduce((sum, i) => sum + BigInt(bytesOfChunks(job as ProxyJob, [i])), prior_spent);
        expect(plan.spent_units).toBe(spent);
        // An honest provider of the job's version finishes the file (an "other version" one serves its version honestly).
        if (behaviours.some((b) => b.kind === (version_b ? 'other_version' : 'honest'))) expect(isFinished(plan)).toBe(true);
        expect(plan.sessions.size).toBe(0);
      },
    ), { numRuns: 300 });
  });

  it('the sessions together never spend past the cap', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 30 * CHUNK }), fc.array(fc.constant<Behaviour>({ kind: 'honest' }), { minLength: 1, maxLength: 4 }),
      fc.bigInt({ min: 0n, max: 40n * BigInt(CHUNK) }), fc.array(fc.nat(1000), { minLength: 1, maxLength: 30 }),
      (total, behaviours, cap, choices) => {
        const { plan } = simulate(total, [], behaviours, cap, choices);
        expect(plan.spent_units <= cap).toBe(true);
        if (cap >= BigInt(total) + BigInt(CHUNK) * BigInt(behaviours.length)) expect(isFinished(plan)).toBe(true);
      },
    ), { numRuns: 200 });
  });

  it('splits the open chunks between providers of the same version and leaves another version out', () => {
    const job = fresh(10 * CHUNK, '"a"');
    const [a, b, c] = ['a', 'b', 'c'].map((x) => x.repeat(64) as PublicKeyHex) as [PublicKeyHex, PublicKeyHex, PublicKeyHex];
    let plan = createPlan(job, 0n, 100_000n, 0n, 1n << 60n);
    expect(toStart(plan, [a, b, c])).toEqual([a, b, c]);
    for (const p of [a, b, c]) plan = started(plan, p);
    plan = offered(plan, a, job);
    plan = offered(plan, b, job);
    plan = offered(plan, c, fresh(10 * CHUNK, '"other"'));
    const d = decide(plan);
    expect(d.shares.get(a)?.chunks).toEqual([0, 1, 2, 3, 4]);
    expect(d.shares.get(b)?.chunks).toEqual([5, 6, 7, 8, 9]);
    expect(d.cancel).toEqual([c]);
    // Each may spend half the cap: what it counts as spent before it starts is the cap minus its half.
    expect(d.shares.get(a)?.job_reserved_units).toBe(50_000n);
    expect(d.plan.out.has(c)).toBe(true);
    // a fails after two chunks: its other three are open again, and b (once done) is started for them.
    let p2 = ended(d.plan, a, { job: pay(receive(pay(receive(job, 0).job, 0).job, 1).job, 1).job, spent_units: 2048n, day_spent_units: 2048n, finished: false });
    expect(openChunks(p2)).toEqual([2, 3, 4]);
    expect(toStart(p2, [a, b, c])).toEqual([]);
    let jb = job;
    for (const i of [5, 6, 7, 8, 9]) jb = pay(receive(jb, i).job, i).job;
    p2 = ended(p2, b, { job: jb, spent_units: 5120n, day_spent_units: 5120n, finished: true });
    expect(toStart(p2, [a, b, c])).toEqual([b]);
    expect(p2.spent_units).toBe(7168n);
  });
});

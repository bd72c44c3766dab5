// One proxy job split between providers at once (pure): which providers get a session, which missing chunks each
// fetches (disjoint shares, only between providers that offered the same version), what each may spend of the caps,
// and how a session's end folds back into the job's one bitmap, its unfetched share going back to the others.
import BitField from 'bitfield';
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';
import { assign, bytesOfChunks, chunkCount, isComplete, missing, sameJobVersion, type ProxyJob } from './chunk-plan.ts';

/** Sessions of one job at once: each opens its own channel, so more providers than this add escrow, not speed. */
export const MAX_PARALLEL_PROVIDERS = 4;

export interface PlanSession {
  /** Offering: started, its offer not yet decided on. Fetching: it holds `share`. */
  readonly phase: 'offering' | 'fetching';
  /** The version the provider offered (null until its offer). */
  readonly offered: ProxyJob | null;
  readonly share: readonly number[];
  /** The most this session may spend of the job's cap and of the day's (its session starts with nothing spent). */
  readonly job_allot_units: Units;
  readonly day_allot_units: Units;
}

export interface ParallelPlan {
  /** The job's one record: chunks received and paid by every session that ended (null before the first offer). */
  readonly job: ProxyJob | null;
  /** Spent on the job (earlier runs and ended sessions) and today, before the running sessions. */
  readonly spent_units: Units;
  readonly day_spent_units: Units;
  readonly cap_units: Units;
  readonly day_cap_units: Units;
  readonly sessions: ReadonlyMap<PublicKeyHex, PlanSession>;
  /** Providers not asked again in this run: they dropped, lied, refused, stopped or offered another version. */
  readonly out: ReadonlySet<PublicKeyHex>;
}

export interface Share {
  readonly chunks: readonly number[];
  /** What to count as already spent in the session (RequesterEvent 'share'): the cap minus its allotment. */
  readonly job_reserved_units: Units;
  readonly day_reserved_units: Units;
}

export interface Decision {
  readonly plan: ParallelPlan;
  readonly shares: ReadonlyMap<PublicKeyHex, Share>;
  /** Sessions to end without fetching: another version, or nothing left for them. */
  readonly cancel: readonly PublicKeyHex[];
}

/** How a session ended, as the plan needs it: its job (its share's bits), what it spent, and whether it finished. */
export interface SessionEnd {
  readonly job: ProxyJob | null;
  readonly spent_units: Units;
  readonly day_spent_units: Units;
  readonly finished: boolean;
}

export function createPlan(job: ProxyJob | null, spent_units: Units, cap_units: Units, day_spent_units: Units, day_cap_units: Units): ParallelPlan {
  return { job, spent_units, day_spent_units, cap_units, day_cap_units, sessions: new Map(), out: new Set() };
}

/** Missing chunks that no fetching session holds. */
export function openChunks(plan: ParallelPlan): number[] {
  if (plan.job === null) return [];
  const held = new Set<number>();
  for (const s of plan.sessions.values()) for (const i of s.share) held.add(i);
  return missing(plan.job).filter((i) => !held.has(i));
}

/** Providers to start a session with now: connected, not out, not running, while there is something for them. */
export function toStart(plan: ParallelPlan, connected: readonly PublicKeyHex[]): PublicKeyHex[] {
  if (plan.job !== null && openChunks(plan).length === 0) return [];
  const free = connected.filter((p) => !plan.sessions.has(p) && !plan.out.has(p));
  return [...new Set(free)].slice(0, Math.max(0, MAX_PARALLEL_PROVIDERS - plan.sessions.size));
}

export function started(plan: ParallelPlan, provider: PublicKeyHex): ParallelPlan {
  const sessions = new Map(plan.sessions);
  sessions.set(provider, { phase: 'offering', offered: null, share: [], job_allot_units: 0n, day_allot_units: 0n });
  return { ...plan, sessions };
}

export function offered(plan: ParallelPlan, provider: PublicKeyHex, job: ProxyJob): ParallelPlan {
  const s = plan.sessions.get(provider);
  if (!s || s.phase !== 'offering') return plan;
  return { ...plan, sessions: new Map(plan.sessions).set(provider, { ...s, offered: job }) };
}

/** True when every session still offering has offered: the shares can be decided without waiting for the rest. */
export function allOffered(plan: ParallelPlan): boolean {
  return [...plan.sessions.values()].every((s) => s.phase === 'fetching' || s.offered !== null);
}

/**
 * Gives the sessions that offered their shares. The version is the job's while a session is fetching it; otherwise the
 * job's if one offer has it, else the newest offered (most restarts: the origin changed). Offers of another version
 * are cancelled and their providers left out; the open chunks are split in contiguous shares (assign()), and the
 * caps' room in proportion to each share's bytes, so the sessions together never spend past either cap.
 */
export function decide(plan: ParallelPlan): Decision {
  const waiting = [...plan.sessions].filter(([, s]) => s.phase === 'offering' && s.offered !== null) as Array<[PublicKeyHex, PlanSession & { offered: ProxyJob }]>;
  if (waiting.length === 0) return { plan, shares: new Map(), cancel: [] };
  const fetching = [...plan.sessions.values()].some((s) => s.phase === 'fetching');
  let job = plan.job;
  if (!fetching && (job === null || !waiting.some(([, s]) => sameJobVersion(s.offered, job as ProxyJob)))) {
    job = waiting.reduce((best, [, s]) => (s.offered.restarts > best.restarts ? s.offered : best), waiting[0]![1].offered);
  }
  const version = job as ProxyJob;
  const same = waiting.filter(([, s]) => sameJobVersion(s.offered, version)).map(([p]) => p);
  const other = waiting.filter(([, s]) => !sameJobVersion(s.offered, version)).map(([p]) => p);
  const held = new Set<number>();
  for (const s of plan.sessions.values()) for (const i of s.share) held.add(i);
  const runs = assign(version, same, held);
  const chunks = new Map(same.map((p) => [p, (runs.get(p) ?? []).flatMap((r) => range(r.first, r.last))]));
  const given = same.filter((p) => (chunks.get(p) ?? []).length > 0);
  const total_bytes = BigInt(given.reduce((sum, p) => sum + bytesOfChunks(version, chunks.get(p) ?? []), 0));
  const room = (cap: Units, spent: Units, key: 'job_allot_units' | 'day_allot_units'): Units => {
    let left = cap - spent;
    for (const s of plan.sessions.values()) if (s.phase === 'fetching') left -= s[key];
    return left > 0n ? left : 0n;
  };
  const job_room = room(plan.cap_units, plan.spent_units, 'job_allot_units');
  const day_room = room(plan.day_cap_units, plan.day_spent_units, 'day_allot_units');
  const sessions = new Map(plan.sessions);
  const shares = new Map<PublicKeyHex, Share>();
  for (const p of given) {
    const share = chunks.get(p) ?? [];
    const bytes = BigInt(bytesOfChunks(version, share));
    const job_allot_units = (job_room * bytes) / total_bytes;
    const day_allot_units = (day_room * bytes) / total_bytes;
    sessions.set(p, { phase: 'fetching', offered: version, share, job_allot_units, day_allot_units });
    shares.set(p, { chunks: share, job_reserved_units: plan.cap_units - job_allot_units, day_reserved_units: plan.day_cap_units - day_allot_units });
  }
  const cancel = [...other, ...same.filter((p) => !given.includes(p))];
  for (const p of cancel) sessions.delete(p);
  const out = new Set(plan.out);
  for (const p of other) out.add(p);
  return { plan: { ...plan, job: version, sessions, out }, shares, cancel };
}

/** Folds an ended session into the job: the chunks of its share it received and paid; the rest is open again. */
export function ended(plan: ParallelPlan, provider: PublicKeyHex, end: SessionEnd): ParallelPlan {
  const s = plan.sessions.get(provider);
  if (!s) return plan;
  const sessions = new Map(plan.sessions);
  sessions.delete(provider);
  const out = new Set(plan.out);
  if (!end.finished) out.add(provider);
  const job = plan.job !== null && end.job !== null && s.phase === 'fetching' ? mergeShare(plan.job, end.job, s.share) : plan.job;
  return {
    ...plan, job, sessions, out, spent_units: plan.spent_units + end.spent_units, day_spent_units: plan.day_spent_units + end.day_spent_units,
  };
}

/** The job as it stands with the running sessions' progress (`live`: each session's current job): what is persisted. */
export function snapshot(plan: ParallelPlan, live: ReadonlyMap<PublicKeyHex, ProxyJob | null>): ProxyJob | null {
  let job = plan.job;
  for (const [p, j] of live) {
    const s = plan.sessions.get(p);
    if (job !== null && j !== null && s?.phase === 'fetching') job = mergeShare(job, j, s.share);
  }
  return job;
}

export function isFinished(plan: ParallelPlan): boolean {
  return plan.job !== null && isComplete(plan.job);
}

/** `into` with the received and paid bits of `share` taken from `from` (same version only; otherwise unchanged). */
export function mergeShare(into: ProxyJob, from: ProxyJob, share: readonly number[]): ProxyJob {
  if (!sameJobVersion(into, from) || share.length === 0) return into;
  const received = new BitField(into.received.buffer.slice());
  const paid = new BitField(into.paid.buffer.slice());
  const count = chunkCount(into);
  for (const i of share) {
    if (i < 0 || i >= count) continue;
    if (from.received.get(i)) received.set(i);
    if (from.paid.get(i) && from.received.get(i)) paid.set(i);
  }
  return { ...into, received, paid };
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, k) => first + k);
}

// The paid-CDN scenario (issue 17) at test scale: deterministic for a seed, money conserved, nobody charged above
// the bid, providers join only through the real planEarn and never beyond their storage budget, and the web seed
// and the board behave as stated (origin bytes counted, providers bring nothing but what they fetched).
import { describe, expect, it } from 'vitest';
import { demandNow } from '../../src/sim/board.ts';
import { CDN_RUNS, CDN_WORKLOADS, runCdn, type CdnRunResult } from '../../src/sim/cdn-scenario.ts';
import { HOUR_MS, KIB_BYTES, MINUTE_MS, type CdnSetup, type SwarmConfig } from '../../src/sim/config.ts';
import { Swarm } from '../../src/sim/swarm.ts';

const fingerprint = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
const workload = (key: string) => {
  const w = CDN_WORKLOADS.find((x) => x.key === key);
  if (!w) throw new Error(`no workload ${key}`);
  return w.config('test');
};
const variant = (label: string) => {
  const v = CDN_RUNS.find((x) => x.label === label);
  if (!v) throw new Error(`no run ${label}`);
  return v.change;
};
const run = (config: SwarmConfig, label = 'x'): CdnRunResult => runCdn(config, 'test', label);

describe('cdn-board scenario', () => {
  const tail = workload('tail');
  const crowd = workload('crowd');

  it('repeats a run exactly for the same seed, and changes with the seed', () => {
    const a = run(crowd);
    const b = run(crowd);
    expect(a.events).toBe(b.events);
    expect(fingerprint({ ...a, wall_ms: 0 })).toBe(fingerprint({ ...b, wall_ms: 0 }));
    expect(a.sessions.length).toBeGreaterThan(0);
    const c = run({ ...crowd, seed: crowd.seed + 1 });
    expect(fingerprint(c.summary.outcomes)).not.toBe(fingerprint(a.summary.outcomes));
  });

  it('conserves money and charges no requester above its highest bid, in every run of both workloads', () => {
    for (const config of [crowd, tail]) {
      for (const v of CDN_RUNS) {
        const r = run(v.change(config), v.label);
        expect(r.money_delta_units, v.label).toBe(0n);
        expect(r.escrow_left_units, v.label).toBe(0n);
        expect(r.charged_above_bid, v.label).toBe(0);
        expect(r.summary.earned_units, v.label).toBe(r.summary.spent_units);
      }
    }
  });

  it('meets the same requesters with and without the board', () => {
    const none = run(variant('no board')(crowd)).summary.outcomes.filter((o) => o.origin === 'arrival');
    const board = run(crowd).summary.outcomes.filter((o) => o.origin === 'arrival');
    const people = (o: typeof none) => o.map((p) => [p.index, p.arrival_ms, p.bandwidth_class, p.natural_seed_ms, p.initial_units]);
    expect(people(board)).toEqual(people(none));
  });

  it('has no provider join without funded demand on the board, nor with a budget smaller than the file', () => {
    const noDemand = run({ ...crowd, speed_share: 0 });
    expect(noDemand.sessions).toEqual([]);
    const cdn = crowd.cdn as CdnSetup;
    const small = cdn.providers.map((p) => ({ ...p, storage_budget_bytes: crowd.piece_count * crowd.piece_bytes - 1 }));
    const tooSmall = run({ ...crowd, cdn: { ...cdn, providers: small } });
    expect(tooSmall.sessions).toEqual([]);
    // Then the run is the no-board run to the unit: providers that never join change nothing.
    const none = run(variant('no board')(crowd));
    expect(fingerprint(tooSmall.summary.outcomes.filter((o) => o.origin === 'arrival'))).toBe(fingerprint(none.summary.outcomes.filter((o) => o.origin === 'arrival')));
  });

  it('lets a provider join with planEarn\'s reason and drop when demand fades, and serve only what it fetched', () => {
    const r = run(crowd);
    for (const s of r.sessions) {
      expect(s.reason).toMatch(/^median bid \d+ units\/KiB × /);
      expect(s.estimate_units).toBeGreaterThan(0n);
      if (s.left_ms !== null) expect(s.drop_reason).toBe('demand_faded');
    }
    // The sessions that fetched the whole file left only after FADE_GRACE_MS without funded demand.
    expect(r.sessions.some((s) => s.completed_ms !== null && s.uploaded_bytes > 0)).toBe(true);
  });

  it('counts the bytes the origin served, and the origin serves nobody once stopped', () => {
    const r = run(variant('no board')(tail));
    const file = r.file_bytes;
    // Each requester that completed before the origin stopped got all its pieces from the origin or from peers.
    expect(r.origin_bytes).toBeGreaterThanOrEqual(file);
    expect(r.origin_bytes % tail.piece_bytes).toBe(0);
    const stop_h = (tail.cdn as CdnSetup).origin_stop_ms / HOUR_MS;
    const after = r.series.filter((x) => x.t_h > stop_h + 1 / 60);
    expect(after.length).toBeGreaterThan(0);
    for (const x of after) expect(x.origin_files).toBe(r.origin_bytes / file);
    expect(r.late_arrivals).toBeGreaterThan(0);
  });

  it('keeps a long-tail file alive after its origin stops only when providers hold it between requesters', () => {
    // As shipped (FADE_GRACE_MS 2 h) providers hold the file between requesters; with the former 2 min they did not.
    const shipped = run(tail);
    const former = run(variant('before: grace 2 min')(tail));
    expect(former.late_completed).toBe(0);
    expect(shipped.late_completed).toBe(shipped.late_arrivals);
    expect(shipped.origin_bytes).toBeLessThan(former.origin_bytes);
  });

  it('lets providers rebuild a seedless file from partial holders when there is no origin at all', () => {
    const seedless = workload('seedless');
    const r = run(seedless);
    expect(r.origin_bytes).toBe(0);
    expect(r.series.every((x) => x.origin_files === 0)).toBe(true);
    const fetched = r.sessions.filter((s) => s.completed_ms !== null && s.completed_ms > s.joined_ms);
    expect(fetched.length).toBeGreaterThan(0);
    expect(r.money_delta_units).toBe(0n);
  });

  it('publishes on the board only live bids of requesters, never the providers\' or the web seed as a seeder', () => {
    const sw = new Swarm({ ...crowd, horizon_ms: 3 * MINUTE_MS });
    let seen = 0;
    sw.onSample = (now) => {
      const d = demandNow(sw, now);
      const bidders = sw.peers.filter((p) => p.phase === 'leeching' && p.spec.origin === 'arrival' && (p.bid_units_per_kib ?? 0n) > 0n);
      expect(d.funded_bidders).toBe(bidders.length);
      const seeds = sw.peers.filter((p) => p.phase === 'seeding' && p.spec.origin !== 'web_seed').length;
      expect(d.seeders).toBe(seeds);
      if (d.funded_bidders > 0) seen++;
    };
    sw.run();
    expect(seen).toBeGreaterThan(0);
    expect(crowd.piece_bytes % KIB_BYTES).toBe(0);
  });
});

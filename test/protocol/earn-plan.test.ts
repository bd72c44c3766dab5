// Earn mode's choice: fixed cases (the best earnings per byte first, the upload limit caps a share, grace then drop,
// a held torrent displaced only by a much better one, the acceptance policy) and properties over random boards:
// the budget is never exceeded, the user's own torrents are never dropped, the plan is deterministic.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TorrentDemand } from '../../src/protocol/demand-summary.ts';
import {
  FADE_GRACE_MS, MAX_EARN_TORRENTS, PLAN_HORIZON_S, planEarn, type EarnCandidate, type EarnSettings, type HeldTorrent,
} from '../../src/protocol/earn-plan.ts';

const MiB = 1024 * 1024;
const ih = (n: number) => n.toString(16).padStart(40, '0');
const NOW = 1_800_000_000_000;

function candidate(n: number, o: { demand: bigint; seeders?: number; length?: number; wanted?: bigint; origin?: string }): EarnCandidate {
  const demand: TorrentDemand = {
    info_hash: ih(n), bidders: 1, funded_bidders: 1, seeders: o.seeders ?? 0, leechers: 1,
    wanted_bytes: String(o.wanted ?? BigInt(o.length ?? 10 * MiB)),
    price_units_per_kib: { min: '10', p25: '10', p50: '10', p75: '10', max: '10' },
    demand_units: String(o.demand), expected_units_per_provider: String(o.demand), weighed_by_balance: true,
  };
  return { demand, length_bytes: o.length ?? 10 * MiB, web_seeds: [`${o.origin ?? 'http://127.0.0.1:9'}/f${n}`] };
}

const settings = (budget: number, extra: Partial<EarnSettings> = {}): EarnSettings => ({
  storage_budget_bytes: budget, upload_limit_bytes_per_s: 10 * MiB, accept: { kind: 'any' }, ...extra,
});
const hashes = (xs: readonly { info_hash: string }[]) => xs.map((x) => x.info_hash);

describe('planEarn', () => {
  it('joins the best earnings per byte stored first, within the budget', () => {
    const plan = planEarn(
      [candidate(1, { demand: 1000n, length: 10 * MiB }), candidate(2, { demand: 1000n, length: 2 * MiB }), candidate(3, { demand: 3000n, length: 10 * MiB, seeders: 1 })],
      [], settings(12 * MiB), NOW,
    );
    // per byte: #2 1000/2 MiB, #3 1500/10 MiB, #1 1000/10 MiB; #2 + #3 fill 12 MiB
    expect(hashes(plan.join)).toEqual([ih(2), ih(3)]);
    expect(plan.join[1]?.supply).toBe(2);
    expect(plan.join[1]?.expected_units).toBe(1500n);
    expect(plan.stored_bytes).toBe(12 * MiB);
  });

  it('caps a share by what the upload limit carries within the horizon', () => {
    const wanted = BigInt(2 * 1000 * PLAN_HORIZON_S);
    const plan = planEarn([candidate(1, { demand: 1000n, wanted })], [], settings(100 * MiB, { upload_limit_bytes_per_s: 1000 }), NOW);
    expect(plan.join[0]?.expected_units).toBe(500n);
  });

  it('keeps a held torrent through the grace period, then drops it; never the own ones', () => {
    const held: HeldTorrent[] = [
      { info_hash: ih(1), length_bytes: MiB, own: false, last_demand_ms: NOW - FADE_GRACE_MS + 1 },
      { info_hash: ih(2), length_bytes: MiB, own: false, last_demand_ms: NOW - FADE_GRACE_MS },
      { info_hash: ih(3), length_bytes: 100 * MiB, own: true, last_demand_ms: 0 },
    ];
    const plan = planEarn([], held, settings(10 * MiB), NOW);
    expect(plan.keep).toEqual([{ info_hash: ih(1), reason: 'grace' }, { info_hash: ih(3), reason: 'own' }].sort((a, b) => (a.info_hash < b.info_hash ? -1 : 1)));
    expect(plan.drop).toEqual([{ info_hash: ih(2), reason: 'demand_faded' }]);
  });

  it('displaces a held torrent only for one scoring at least twice as well', () => {
    const held: HeldTorrent[] = [{ info_hash: ih(1), length_bytes: 10 * MiB, own: false, last_demand_ms: NOW }];
    const close = planEarn([candidate(1, { demand: 1000n, seeders: 1 }), candidate(2, { demand: 1900n })], held, settings(10 * MiB), NOW);
    expect(hashes(close.keep)).toEqual([ih(1)]);
    expect(close.join).toEqual([]);
    const better = planEarn([candidate(1, { demand: 1000n, seeders: 1 }), candidate(2, { demand: 2100n })], held, settings(10 * MiB), NOW);
    expect(hashes(better.join)).toEqual([ih(2)]);
    expect(better.drop).toEqual([{ info_hash: ih(1), reason: 'displaced' }]);
  });

  it('takes only accepted content', () => {
    const listed = settings(100 * MiB, { accept: { kind: 'listed', origins: ['https://cdn.example'], info_hashes: [ih(3)] } });
    const plan = planEarn(
      [candidate(1, { demand: 10n, origin: 'https://cdn.example' }), candidate(2, { demand: 10n, origin: 'https://other.example' }), candidate(3, { demand: 10n })],
      [{ info_hash: ih(2), length_bytes: MiB, own: false, last_demand_ms: NOW }], listed, NOW,
    );
    expect(hashes(plan.join)).toEqual([ih(1), ih(3)]);
    expect(plan.drop).toEqual([{ info_hash: ih(2), reason: 'not_accepted' }]);
  });

  it('ignores torrents without funded demand or larger than the budget', () => {
    const plan = planEarn([candidate(1, { demand: 0n }), candidate(2, { demand: 5n, length: 11 * MiB })], [], settings(10 * MiB), NOW);
    expect(plan.join).toEqual([]);
  });
});

describe('planEarn properties', () => {
  const arbCandidate = fc.record({
    n: fc.integer({ min: 1, max: 40 }), demand: fc.bigInt({ min: 0n, max: 10n ** 12n }), seeders: fc.integer({ min: 0, max: 5 }),
    length: fc.integer({ min: 1, max: 64 * MiB }), wanted: fc.bigInt({ min: 0n, max: 1n << 40n }), origin: fc.constantFrom('https://a.example', 'https://b.example'),
  }).map((o) => candidate(o.n, o));
  const arbHeld = fc.record({
    n: fc.integer({ min: 1, max: 40 }), length: fc.integer({ min: 1, max: 64 * MiB }), own: fc.boolean(), age: fc.integer({ min: 0, max: 3 * FADE_GRACE_MS }),
  }).map((h): HeldTorrent => ({ info_hash: ih(h.n), length_bytes: h.length, own: h.own, last_demand_ms: NOW - h.age }));
  const arbHelds = fc.uniqueArray(arbHeld, { selector: (h) => h.info_hash, maxLength: 20 });
  const arbSettings = fc.record({
    storage_budget_bytes: fc.integer({ min: 0, max: 256 * MiB }), upload_limit_bytes_per_s: fc.integer({ min: 0, max: 10 * MiB }),
    accept: fc.oneof(fc.constant({ kind: 'any' as const }), fc.constant({ kind: 'listed' as const, origins: ['https://a.example'], info_hashes: [ih(7)] })),
  });

  it('never exceeds the budget, never drops or counts own torrents, acts only on what it may', () => {
    fc.assert(fc.property(fc.array(arbCandidate, { maxLength: 30 }), arbHelds, arbSettings, (cs, held, s) => {
      const plan = planEarn(cs, held, s, NOW);
      const own = new Set(held.filter((h) => h.own).map((h) => h.info_hash));
      const heldSet = new Set(held.map((h) => h.info_hash));
      const length = new Map([...held.map((h) => [h.info_hash, h.length_bytes] as const)]);
      const earned = [...plan.join, ...plan.keep].filter((k) => !own.has(k.info_hash));
      const stored = earned.reduce((sum, k) => sum + ('length_bytes' in k ? k.length_bytes : (length.get(k.info_hash) as number)), 0);
      expect(stored).toBe(plan.stored_bytes);
      expect(plan.stored_bytes).toBeLessThanOrEqual(s.storage_budget_bytes);
      expect(earned.length).toBeLessThanOrEqual(MAX_EARN_TORRENTS);
      for (const d of plan.drop) expect(own.has(d.info_hash)).toBe(false);
      for (const d of plan.drop) expect(heldSet.has(d.info_hash)).toBe(true);
      for (const j of plan.join) expect(heldSet.has(j.info_hash)).toBe(false);
      // every held torrent is kept or dropped exactly once
      expect([...hashes(plan.keep), ...hashes(plan.drop)].sort()).toEqual([...heldSet].sort());
    }), { numRuns: 300 });
  });

  it('is deterministic: the same board in any order gives the same plan', () => {
    fc.assert(fc.property(fc.array(arbCandidate, { maxLength: 30 }), arbHelds, arbSettings, fc.integer(), (cs, held, s, seed) => {
      const shuffle = <T>(xs: readonly T[]) => [...xs].map((x, i) => ({ x, k: (i * 2654435761 + seed) >>> 0 })).sort((a, b) => a.k - b.k).map((y) => y.x);
      const unique = [...new Map(cs.map((c) => [c.demand.info_hash, c])).values()];
      expect(planEarn(shuffle(unique), shuffle(held), s, NOW)).toEqual(planEarn(unique, held, s, NOW));
    }), { numRuns: 200 });
  });
});

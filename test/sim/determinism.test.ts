// A run is a pure function of its configuration: the same seed gives the same result to the last unit, and the
// baseline meets exactly the people the Speed run met.
import { describe, expect, it } from 'vitest';
import { baselineOf } from '../../src/sim/config.ts';
import { runOne } from '../../src/sim/run.ts';
import { scenarioByName } from '../../src/sim/scenarios.ts';

const fingerprint = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

describe('simulator determinism', () => {
  const config = scenarioByName('flash-crowd').config('test');

  it('repeats a run exactly for the same seed', () => {
    const a = runOne(config, 'a');
    const b = runOne(config, 'a');
    expect(a.events).toBe(b.events);
    expect(fingerprint(a.summary)).toBe(fingerprint(b.summary));
    expect(a.summary.paid_pieces).toBeGreaterThan(0);
  });

  it('changes with the seed', () => {
    const a = runOne(config, 'a');
    const b = runOne({ ...config, seed: config.seed + 1 }, 'a');
    expect(fingerprint(a.summary.outcomes)).not.toBe(fingerprint(b.summary.outcomes));
  });

  it('gives the baseline the same arrivals, links and natural seeding times', () => {
    const speed = runOne(config, 'speed').summary.outcomes;
    const base = runOne(baselineOf(config), 'base').summary.outcomes;
    const people = (o: typeof speed) => o.map((p) => [p.arrival_ms, p.bandwidth_class, p.natural_seed_ms]);
    expect(people(base)).toEqual(people(speed));
    expect(base.every((p) => !p.speed && p.spent_units === 0n)).toBe(true);
  });
});

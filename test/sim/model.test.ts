// Sanity checks of the swarm model against numbers worked out by hand: link speed sets download time, a seeder
// leaves on schedule unless paid, and a swarm dies exactly when its last holder of some piece leaves.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, HOUR_MS, KIB_BYTES, MINUTE_MS, type SwarmConfig } from '../../src/sim/config.ts';
import { runOne } from '../../src/sim/run.ts';

const oneLink = (up_kib_per_s: number, down_kib_per_s: number) => [{ name: 'only', weight: 1, up_kib_per_s, down_kib_per_s }];

const tiny: SwarmConfig = {
  ...DEFAULT_CONFIG, seed: 5, piece_count: 40, piece_bytes: 256 * KIB_BYTES, horizon_ms: 6 * HOUR_MS,
  arrivals: { kind: 'poisson', count: 1, mean_interval_ms: MINUTE_MS }, bandwidth: oneLink(512, 2_048), speed_share: 0,
};

describe('swarm model', () => {
  it('downloads one file from one seed at the slower of upload and download link', () => {
    const { summary } = runOne(tiny, 'one');
    const expected_ms = (40 * 256) / 512 * 1000;
    const got = summary.download_ms.p50;
    // The first choke round comes within one round of arrival; then pieces flow back to back.
    expect(got).toBeGreaterThanOrEqual(expected_ms);
    expect(got).toBeLessThanOrEqual(expected_ms + tiny.choke_round_ms + 100);
  });

  it('pays the same for one downloader at the reserve price when nobody competes', () => {
    const { summary } = runOne({ ...tiny, speed_share: 1 }, 'paid');
    // One bidder, three auction slots: no losing bid, so the uniform price is the reserve (1 unit/KiB).
    expect(summary.spent_units).toBe(40n * 256n * DEFAULT_CONFIG.reserve_units_per_kib);
    expect(summary.paid_pieces).toBe(40);
  });

  it('lets a seeder go at its natural time when earning changes nothing', () => {
    const config: SwarmConfig = { ...tiny, arrivals: { kind: 'poisson', count: 30, mean_interval_ms: 2 * MINUTE_MS }, speed_share: 1, response: { kind: 'none' } };
    const { summary } = runOne(config, 'none');
    const done = summary.outcomes.filter((o) => o.origin === 'arrival' && o.download_ms !== null);
    expect(done.length).toBeGreaterThan(0);
    for (const o of done) {
      const left = o.arrival_ms + (o.download_ms as number) + o.seeded_ms;
      if (left < config.horizon_ms) expect(o.seeded_ms).toBe(Math.round(o.natural_seed_ms));
    }
  });

  it('keeps only paid seeders beyond their natural time under the earnings-rate response', () => {
    const config: SwarmConfig = { ...tiny, arrivals: { kind: 'poisson', count: 30, mean_interval_ms: 2 * MINUTE_MS }, speed_share: 1, reserve_units_per_kib: 200n };
    const { summary } = runOne(config, 'rate');
    const stayed = summary.outcomes.filter((o) => o.download_ms !== null && o.seeded_ms > Math.round(o.natural_seed_ms) + 1);
    expect(stayed.length).toBeGreaterThan(0);
    for (const o of stayed) expect(o.earned_units).toBeGreaterThan(0n);
  });

  it('dies when the publisher leaves a downloader-less swarm, and not before', () => {
    const config: SwarmConfig = { ...tiny, arrivals: { kind: 'poisson', count: 0, mean_interval_ms: MINUTE_MS }, initial_seed_stay_ms: 90 * MINUTE_MS };
    const { summary } = runOne(config, 'alone');
    expect(summary.dead_at_ms).toBe(90 * MINUTE_MS);
  });
});

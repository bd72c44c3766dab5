// The shipped scenarios: a question, a Speed configuration and variants changing one assumption each (the baseline
// is the same swarm without Speed). `docs` is the size of the reports in docs/sim/, `test` a miniature for tests.
import { DAY_MS, DEFAULT_CONFIG, HOUR_MS, KIB_BYTES, MINUTE_MS, type SwarmConfig } from './config.ts';

export type Scale = 'docs' | 'test';

export interface Variant {
  readonly label: string;
  readonly change: Partial<SwarmConfig>;
}

export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly question: string;
  readonly config: (scale: Scale) => SwarmConfig;
  /** Speed runs that each change one assumption (the baseline has no Speed peers, so it needs no variants). */
  readonly variants: readonly Variant[];
}

const NO_RESPONSE: Variant = { label: 'response: none (earning changes nobody’s departure)', change: { response: { kind: 'none' } } };
const CUMULATIVE: Variant = {
  label: 'response: cumulative (10 min more per BTT earned, ≤ 24 h)',
  change: { response: { kind: 'cumulative', extra_ms_per_btt: 10 * MINUTE_MS, max_extra_ms: DAY_MS } },
};
const RESERVE: Variant = { label: 'reserve price 64 units/KiB (≈ 0.066 BTT a 1 MiB piece, 67 BTT a GiB)', change: { reserve_units_per_kib: 64n } };

const sized = (scale: Scale, docs: number, test: number) => (scale === 'docs' ? docs : test);
/** 1 MiB pieces: what clients choose for files of a few hundred MiB to a few GiB. */
const MIB_PIECE = 1024 * KIB_BYTES;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'flash-crowd',
    title: 'Flash crowd',
    question: 'A 1 GiB release draws 1,000 downloaders, most within the first hour; the publisher seeds for two hours. Does paying seeders make downloads faster, and does the swarm last longer?',
    config: (scale) => ({
      ...DEFAULT_CONFIG, seed: 11, piece_count: sized(scale, 1_000, 60), piece_bytes: MIB_PIECE,
      arrivals: { kind: 'flash', count: sized(scale, 1_000, 60), decay_ms: 30 * MINUTE_MS },
    }),
    variants: [
      NO_RESPONSE, CUMULATIVE, RESERVE,
      {
        label: 'reservation wage ×5 (median 10 BTT/h)',
        change: { response: { kind: 'earnings_rate', median_btt_per_hour: 10, sigma: 1, window_ms: 30 * MINUTE_MS, check_ms: 10 * MINUTE_MS, max_extra_ms: DAY_MS } },
      },
    ],
  },
  {
    name: 'long-tail',
    title: 'Long tail (rare demand)',
    question: 'A niche 1 GiB file wanted by one person every two hours on average; the publisher seeds for six. Does Speed keep it available for the week?',
    config: (scale) => ({
      ...DEFAULT_CONFIG, seed: 22, piece_count: sized(scale, 1_000, 60), piece_bytes: MIB_PIECE, horizon_ms: sized(scale, 7, 2) * DAY_MS,
      arrivals: { kind: 'poisson', count: sized(scale, 84, 24), mean_interval_ms: 2 * HOUR_MS }, initial_seed_stay_ms: 6 * HOUR_MS,
      patience_ms: 6 * HOUR_MS,
    }),
    variants: [NO_RESPONSE, CUMULATIVE, RESERVE, { label: 'reserve 64 units/KiB and cumulative response', change: { ...RESERVE.change, ...CUMULATIVE.change } }],
  },
  {
    name: 'seedless',
    title: 'Seedless start (partial holders only)',
    question: 'No seed is left; eight peers each hold about 40 % of a 500 MiB file and drift away (mean stay one hour); a newcomer arrives every half hour. Is the file rebuilt before a piece is lost?',
    config: (scale) => ({
      ...DEFAULT_CONFIG, seed: 33, piece_count: sized(scale, 500, 60), piece_bytes: MIB_PIECE, initial_seeds: 0, partial_holders: 8,
      partial_fraction: 0.4, partial_stay_mean_ms: HOUR_MS,
      arrivals: { kind: 'poisson', count: sized(scale, 48, 30), mean_interval_ms: 30 * MINUTE_MS },
    }),
    variants: [NO_RESPONSE, CUMULATIVE, RESERVE],
  },
  {
    name: 'mixed',
    title: 'Mixed legacy and Speed peers',
    question: 'The flash crowd again, but half the crowd runs Speed and half a legacy client. Who gets served faster, and what happens to legacy peers as adoption grows?',
    config: (scale) => ({
      ...DEFAULT_CONFIG, seed: 44, piece_count: sized(scale, 1_000, 60), piece_bytes: MIB_PIECE, speed_share: 0.5,
      arrivals: { kind: 'flash', count: sized(scale, 1_000, 60), decay_ms: 30 * MINUTE_MS },
    }),
    variants: [{ label: '10 % Speed', change: { speed_share: 0.1 } }, { label: '90 % Speed', change: { speed_share: 0.9 } }],
  },
  {
    name: 'cheaters',
    title: 'Cheaters: requesters that stop paying, providers that send bad data',
    question: 'One Speed requester in ten pays for two pieces per provider and then never again; one in twenty Speed providers sends only corrupt data. Do the ban rules contain them?',
    config: (scale) => ({
      ...DEFAULT_CONFIG, seed: 55, piece_count: sized(scale, 100, 40), piece_bytes: MIB_PIECE,
      signatures: scale === 'docs' ? 'real' : 'trusted', arrivals: { kind: 'flash', count: sized(scale, 150, 60), decay_ms: 30 * MINUTE_MS },
      // The miniature doubles the shares so a 60-peer run is sure to contain both kinds of cheat.
      cheaters: { non_payer_share: sized(scale, 0.1, 0.2), pay_pieces: 2, bad_data_share: sized(scale, 0.05, 0.1) },
    }),
    variants: [],
  },
];

export function scenarioByName(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`unknown scenario ${JSON.stringify(name)}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
}

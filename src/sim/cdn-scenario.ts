// The paid-CDN scenario (issue 17, `npm run sim -- cdn-board`): a file whose only source is a slow web seed that
// stops, fetched by Speed requesters, with and without earn-mode providers that follow the demand board. Same seed.
import { FADE_GRACE_MS } from '../protocol/earn-plan.ts';
import type { Units } from '../protocol/money.ts';
import { providerLogs } from './board.ts';
import { DEFAULT_CONFIG, HOUR_MS, KIB_BYTES, MINUTE_MS, type CdnSetup, type EarnProvider, type SwarmConfig } from './config.ts';
import type { Scale } from './scenarios.ts';
import { summarize, type Summary } from './summary.ts';
import { Swarm } from './swarm.ts';

export const CDN_SCENARIO = {
  name: 'cdn-board',
  title: 'Paid CDN: earn-mode providers that follow the demand board',
  question: 'A 20 MiB file lives only on its publisher\'s site, a web seed limited to 200 KiB/s that goes away after a while; Speed requesters fetch it. Providers outside the swarm read the tracker\'s demand board and may come to serve it. What does the board change: download times, bytes the origin serves, what providers earn, and whether the file survives its origin?',
} as const;

/** The e2e's origin: a loopback server paced to ~200 KiB/s (docs/cdn-links.md §5). */
const ORIGIN_KIB_PER_S = 200;
/** A provider on a home fibre link (the fibre class of config.ts), lending 1 GiB. */
const FIBRE_PROVIDER: Omit<EarnProvider, 'first_poll_ms'> = { up_kib_per_s: 2_048, down_kib_per_s: 12_288, storage_budget_bytes: 1024 * 1024 * KIB_BYTES };
/** How often earn mode reads the board (`npm run seed -- --earn --poll 15`). */
const BOARD_POLL_MS = 15_000;

const providers = (n: number): EarnProvider[] => Array.from({ length: n }, (_, i) => ({ ...FIBRE_PROVIDER, first_poll_ms: 1_000 + i * 5_000 }));

export interface CdnWorkload {
  readonly key: string;
  readonly label: string;
  readonly config: (scale: Scale) => SwarmConfig;
}

const sized = (scale: Scale, docs: number, test: number) => (scale === 'docs' ? docs : test);
const base = (scale: Scale, origin_stop_ms: number): SwarmConfig => ({
  ...DEFAULT_CONFIG, piece_count: sized(scale, 80, 40), piece_bytes: 256 * KIB_BYTES, initial_seeds: 0, patience_ms: 30 * MINUTE_MS,
  sample_ms: MINUTE_MS, cdn: { origin_up_kib_per_s: ORIGIN_KIB_PER_S, origin_stop_ms, board_poll_ms: BOARD_POLL_MS, providers: providers(3), fade_grace_extra_ms: 0 },
});

export const CDN_WORKLOADS: readonly CdnWorkload[] = [
  {
    key: 'crowd', label: 'crowd: 40 requesters, most in the first 10 min; origin stops at 45 min',
    config: (scale) => ({
      ...base(scale, sized(scale, 45, 30) * MINUTE_MS), seed: 66, horizon_ms: sized(scale, 4, 2) * HOUR_MS,
      arrivals: { kind: 'flash', count: sized(scale, 40, 16), decay_ms: 10 * MINUTE_MS },
    }),
  },
  {
    key: 'seedless', label: 'seedless: no origin at all; 8 peers hold ~40 % each (mean stay 1 h); a requester every 30 min',
    config: (scale) => ({
      ...base(scale, 0), seed: 68, horizon_ms: sized(scale, 12, 3) * HOUR_MS, partial_holders: 8, partial_fraction: 0.4, partial_stay_mean_ms: HOUR_MS,
      arrivals: { kind: 'poisson', count: sized(scale, 20, 6), mean_interval_ms: 30 * MINUTE_MS },
    }),
  },
  {
    key: 'tail', label: 'long tail: a requester every 15 min on average for 6 h; origin stops at 1 h',
    config: (scale) => ({
      ...base(scale, HOUR_MS), seed: 67, horizon_ms: sized(scale, 8, 3) * HOUR_MS,
      arrivals: { kind: 'poisson', count: sized(scale, 24, 10), mean_interval_ms: 15 * MINUTE_MS },
    }),
  },
];

export interface CdnVariant {
  readonly label: string;
  readonly change: (config: SwarmConfig) => SwarmConfig;
}

const withCdn = (config: SwarmConfig, change: Partial<CdnSetup>): SwarmConfig => ({ ...config, cdn: { ...(config.cdn as CdnSetup), ...change } });

/** The runs of each workload: the first is the no-board control, the second the board as configured. */
export const CDN_RUNS: readonly CdnVariant[] = [
  { label: 'no board', change: (c) => withCdn(c, { providers: [] }) },
  { label: 'board: 3 providers', change: (c) => c },
  { label: 'board: 1 provider', change: (c) => withCdn(c, { providers: providers(1) }) },
  { label: 'board, reserve 64', change: (c) => ({ ...c, reserve_units_per_kib: 64n }) },
  { label: 'before: grace 2 min', change: (c) => withCdn(c, { fade_grace_extra_ms: FORMER_GRACE_MS - FADE_GRACE_MS }) },
  { label: 'before: grace 2 min, reserve 64', change: (c) => ({ ...withCdn(c, { fade_grace_extra_ms: FORMER_GRACE_MS - FADE_GRACE_MS }), reserve_units_per_kib: 64n }) },
];

/** What each run's label means, for the report. */
export const CDN_RUN_NOTES: readonly string[] = [
  'the origin and the requesters only: bids reach the peers already connected, nobody outside sees them',
  'three earn-mode providers (2 MiB/s up, 1 GiB budget, accept only this origin) read the board every 15 s and follow planEarn as shipped',
  'one such provider',
  'three providers; every seller\'s reserve price 64 units/KiB instead of the shipped 1 (≈ 1.3 BTT for the 20 MiB file)',
  'three providers with planEarn\'s former grace: a torrent dropped 2 min after its funded demand left the board (FADE_GRACE_MS is 2 h now)',
  'both changes',
];

/** planEarn's grace before this scenario showed it sent providers away between long-tail requesters. */
const FORMER_GRACE_MS = 2 * MINUTE_MS;

export interface SessionOutcome {
  readonly provider: number;
  readonly joined_ms: number;
  readonly reason: string;
  readonly estimate_units: Units;
  readonly earned_in_horizon_units: Units | null;
  readonly earned_units: Units;
  readonly uploaded_bytes: number;
  readonly completed_ms: number | null;
  readonly left_ms: number | null;
  readonly drop_reason: string | null;
}

export interface CdnRunResult {
  readonly workload: string;
  readonly label: string;
  readonly config: SwarmConfig;
  readonly summary: Summary;
  readonly wall_ms: number;
  readonly events: number;
  readonly file_bytes: number;
  readonly origin_bytes: number;
  /** Per sample: hours, origin bytes so far ÷ file, providers present, requesters downloading. */
  readonly series: readonly { t_h: number; origin_files: number; providers: number; leechers: number; copies: number }[];
  readonly sessions: readonly SessionOutcome[];
  readonly out_of_sessions: boolean;
  /** Requesters that arrived after the origin stopped, and how many of them completed. */
  readonly late_arrivals: number;
  readonly late_completed: number;
  /** Money check: Σ initial balances − Σ final balances (0 when conserved), and what stayed in escrow. */
  readonly money_delta_units: Units;
  readonly escrow_left_units: Units;
  /** Requesters whose spending exceeds pieces received × the highest bid they ever broadcast (must be 0). */
  readonly charged_above_bid: number;
}

export function runCdn(config: SwarmConfig, workload: string, label: string): CdnRunResult {
  const started = performance.now();
  const sw = new Swarm(config);
  const cdn = config.cdn as CdnSetup;
  const file_bytes = config.piece_count * config.piece_bytes;
  const series: { t_h: number; origin_files: number; providers: number; leechers: number; copies: number }[] = [];
  sw.onSample = (now) => {
    let providersPresent = 0;
    let leechers = 0;
    for (const p of sw.peers) {
      if (!p.present) continue;
      if (p.spec.origin === 'provider') providersPresent++;
      else if (p.phase === 'leeching' && p.spec.origin === 'arrival') leechers++;
    }
    series.push({
      t_h: now / HOUR_MS, origin_files: (sw.origin?.uploaded_bytes ?? 0) / file_bytes, providers: providersPresent, leechers,
      copies: sw.availability.distributedCopies(),
    });
  };
  sw.run();
  const wall_ms = performance.now() - started;
  const sessions: SessionOutcome[] = providerLogs(sw).flatMap((log) => log.sessions.map((s) => ({
    provider: log.provider, joined_ms: s.joined_ms, reason: s.reason, estimate_units: s.estimate_units,
    earned_in_horizon_units: s.earned_in_horizon_units ?? s.peer.earned_units, earned_units: s.peer.earned_units,
    uploaded_bytes: s.peer.uploaded_bytes, completed_ms: s.peer.completed_ms >= 0 ? s.peer.completed_ms : null,
    left_ms: s.peer.left_ms >= 0 ? s.peer.left_ms : null, drop_reason: s.drop_reason,
  })));
  let initial = 0n;
  let final = 0n;
  let charged_above_bid = 0;
  let late_arrivals = 0;
  let late_completed = 0;
  const piece_kib = BigInt(config.piece_bytes / KIB_BYTES);
  for (const p of sw.peers) {
    initial += p.spec.balance_units;
    final += p.free_units + p.locked_units;
    if (p.spent_units > p.max_bid_units_per_kib * piece_kib * BigInt(p.have_count)) charged_above_bid++;
    if (p.spec.origin === 'arrival' && p.phase !== 'pending' && p.spec.arrival_ms >= cdn.origin_stop_ms) {
      late_arrivals++;
      if (p.completed_ms >= 0) late_completed++;
    }
  }
  return {
    workload, label, config, summary: summarize(sw, label), wall_ms, events: sw.queue.pushed, file_bytes,
    origin_bytes: sw.origin?.uploaded_bytes ?? 0, series, sessions, out_of_sessions: providerLogs(sw).some((l) => l.out_of_sessions),
    late_arrivals, late_completed, money_delta_units: initial - final, escrow_left_units: sw.ledger.escrowUnits(), charged_above_bid,
  };
}

export interface CdnResult {
  readonly scale: Scale;
  readonly runs: readonly CdnRunResult[];
}

/** Every workload × every run, same seed per workload. `seed` overrides the workloads' seeds. */
export function runCdnScenario(scale: Scale, seed: number | null, log: (line: string) => void = () => {}): CdnResult {
  const runs: CdnRunResult[] = [];
  for (const w of CDN_WORKLOADS) {
    const config = seed === null ? w.config(scale) : { ...w.config(scale), seed };
    for (const v of CDN_RUNS) {
      const run = runCdn(v.change(config), w.key, v.label);
      log(`${CDN_SCENARIO.name} ${w.key}: ${v.label} ${(run.wall_ms / 1000).toFixed(1)} s`);
      runs.push(run);
    }
  }
  return { scale, runs };
}

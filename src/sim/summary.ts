// The figures a report quotes, computed from one finished run: lifetime, availability, completion, download
// times, and BTT flows with the Gini coefficient of earnings.
import { formatBtt, type Units } from '../protocol/money.ts';
import type { PeerOutcome, Sample } from './metrics.ts';
import type { Swarm } from './swarm.ts';

export interface Summary {
  readonly label: string;
  readonly horizon_ms: number;
  /** When the file stopped being complete among present peers; null if it survived the horizon. */
  readonly dead_at_ms: number | null;
  /** Last time at least one seed was present. */
  readonly last_seed_ms: number | null;
  readonly arrivals: number;
  readonly completed: number;
  readonly completed_share: number;
  readonly abandoned: number;
  readonly download_ms: Percentiles;
  readonly download_ms_speed: Percentiles;
  readonly download_ms_legacy: Percentiles;
  readonly mean_seeded_ms: number;
  readonly spent_units: Units;
  readonly earned_units: Units;
  readonly earners: number;
  readonly gini_earnings: number;
  readonly choke_rounds: number;
  readonly bans: number;
  readonly bad_pieces: number;
  readonly withheld_payments: number;
  readonly payment_chokes: number;
  readonly max_unpaid_pieces: number;
  readonly max_bad_pieces_per_pair: number;
  readonly paid_pieces: number;
  readonly free_pieces: number;
  readonly protocol_calls: number;
  readonly channels_opened: number;
  readonly samples: readonly Sample[];
  readonly outcomes: readonly PeerOutcome[];
}

export interface Percentiles {
  readonly n: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
  readonly mean: number;
}

export function summarize(sw: Swarm, label: string): Summary {
  const r = sw.recorder;
  const arrivals = r.outcomes.filter((o) => o.origin === 'arrival' && o.arrived);
  const downloads = (filter: (o: PeerOutcome) => boolean) =>
    percentiles(arrivals.filter((o) => o.download_ms !== null && filter(o)).map((o) => o.download_ms as number));
  const completedArrivals = arrivals.filter((o) => o.download_ms !== null);
  const seeded = r.outcomes.filter((o) => o.origin === 'arrival' && o.download_ms !== null);
  const lastSeed = [...r.samples].reverse().find((s) => s.seeds > 0);
  const speedPeers = r.outcomes.filter((o) => o.speed && o.arrived);
  let spent = 0n;
  let earned = 0n;
  for (const o of r.outcomes) {
    spent += o.spent_units;
    earned += o.earned_units;
  }
  return {
    label, horizon_ms: sw.config.horizon_ms, dead_at_ms: sw.dead_at_ms, last_seed_ms: lastSeed ? lastSeed.t_ms : null,
    arrivals: arrivals.length, completed: completedArrivals.length,
    completed_share: arrivals.length === 0 ? 0 : completedArrivals.length / arrivals.length, abandoned: r.abandoned,
    download_ms: downloads(() => true), download_ms_speed: downloads((o) => o.speed), download_ms_legacy: downloads((o) => !o.speed),
    mean_seeded_ms: seeded.length === 0 ? 0 : seeded.reduce((a, o) => a + o.seeded_ms, 0) / seeded.length,
    spent_units: spent, earned_units: earned, earners: speedPeers.filter((o) => o.earned_units > 0n).length,
    gini_earnings: gini(speedPeers.map((o) => o.earned_units)),
    choke_rounds: r.choke_rounds, bans: r.bans, bad_pieces: r.bad_pieces, withheld_payments: r.withheld_payments,
    payment_chokes: r.payment_chokes, max_unpaid_pieces: r.max_unpaid_pieces,
    max_bad_pieces_per_pair: r.max_bad_pieces_per_pair, paid_pieces: r.paid_pieces, free_pieces: r.free_pieces,
    protocol_calls: r.payer_cranks + r.payee_cranks + r.bid_decisions + r.choke_rounds, channels_opened: sw.ledger.opened,
    samples: r.samples, outcomes: r.outcomes,
  };
}

/** Nearest-rank percentiles; NaN when empty. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN));
  const mean = sorted.length === 0 ? NaN : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { n: sorted.length, p10: at(10), p50: at(50), p90: at(90), mean };
}

/** Gini coefficient of non-negative amounts: 0 when all earn alike, → 1 when one peer earns everything. */
export function gini(amounts: readonly Units[]): number {
  const n = amounts.length;
  if (n === 0) return 0;
  const sorted = [...amounts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let total = 0n;
  let weighted = 0n;
  sorted.forEach((x, i) => {
    total += x;
    weighted += BigInt(i + 1) * x;
  });
  if (total === 0n) return 0;
  // G = 2·Σ i·x_i / (n·Σ x) − (n + 1)/n, with 1-based ranks over ascending x; bigint until the final ratio.
  return (2 * Number(weighted)) / (n * Number(total)) - (n + 1) / n;
}

export function btt(units: Units): string {
  const text = formatBtt(units);
  const [whole, fraction] = text.split('.');
  return fraction ? `${whole}.${fraction.slice(0, 2).padEnd(2, '0')}` : `${whole}`;
}

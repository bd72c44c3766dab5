// Who joins the swarm, when, on what link, with what balance and patience: drawn once from the seed, in a fixed
// order that does not depend on the Speed share, so the Speed run and its baseline meet exactly the same people.
import { UNITS_PER_BTT, type Units } from '../protocol/money.ts';
import { HOUR_MS, type CdnSetup, type SwarmConfig } from './config.ts';
import { Rng } from './rng.ts';

export type Cheat = 'honest' | 'non_payer' | 'bad_data';
/** web_seed: the CDN origin (BEP 19); provider: an earn-mode provider that arrives when the board makes it join. */
export type Origin = 'arrival' | 'seed' | 'partial' | 'web_seed' | 'provider';

export interface PeerSpec {
  readonly index: number;
  readonly origin: Origin;
  readonly arrival_ms: number;
  readonly up_bytes_per_ms: number;
  readonly down_bytes_per_ms: number;
  readonly bandwidth_class: number;
  readonly speed: boolean;
  readonly balance_units: Units;
  /** How long it would seed after completing, absent any payment (0: leaves at once). */
  readonly natural_seed_ms: number;
  /** Its reservation wage under the earnings-rate response, in base units per hour (0 under other models). */
  readonly reservation_units_per_hour: number;
  readonly cheat: Cheat;
  /** When it gives up even while downloading (initial partial holders, initial seeds); Infinity for arrivals. */
  readonly leave_by_ms: number;
  /** Pieces held at arrival (partial holders); null for none or all. */
  readonly pieces: readonly number[] | null;
}

const BYTES_PER_KIB_PER_S_TO_PER_MS = 1024 / 1000;
/** Joins one earn-mode provider may make in a run; beyond them it stays out (a report says if one ran out). */
export const SESSIONS_PER_PROVIDER = 12;

export function drawPopulation(config: SwarmConfig): PeerSpec[] {
  const rng = new Rng(config.seed, 'population');
  const specs: PeerSpec[] = [];
  const add = (origin: Origin, arrival_ms: number, leave_by_ms: number, pieces: readonly number[] | null) => {
    specs.push(drawPeer(rng, config, specs.length, origin, arrival_ms, leave_by_ms, pieces));
  };
  for (let i = 0; i < config.initial_seeds; i++) add('seed', 0, config.initial_seed_stay_ms, null);
  const holdings = drawPartialHoldings(rng, config);
  for (const pieces of holdings) add('partial', 0, rng.exponential(config.partial_stay_mean_ms), pieces);
  for (const arrival_ms of drawArrivals(rng, config)) add('arrival', arrival_ms, Infinity, null);
  // The CDN's origin and providers come last and draw nothing, so the requesters are the same with or without them.
  if (config.cdn) specs.push(...cdnSpecs(config.cdn, specs.length));
  return specs;
}

function drawPeer(
  rng: Rng, config: SwarmConfig, index: number, origin: Origin, arrival_ms: number, leave_by_ms: number,
  pieces: readonly number[] | null,
): PeerSpec {
  // Every draw happens for every peer, whatever the config, so one knob never shifts another's numbers.
  const bandwidth_class = rng.weighted(config.bandwidth.map((c) => c.weight));
  const speedDraw = rng.next();
  const balanceDraw = rng.logNormal(config.balance_median_btt, config.balance_sigma);
  const leaveAtOnce = rng.next() < config.leave_at_once_share;
  const seedDraw = rng.logNormal(config.seed_median_ms, config.seed_sigma);
  const wageDraw = rng.normal();
  const cheatDraw = rng.next();
  const link = config.bandwidth[bandwidth_class];
  if (!link) throw new Error('population: empty bandwidth classes');
  const speed = speedDraw < config.speed_share;
  const response = config.response;
  const reservation_units_per_hour = response.kind === 'earnings_rate'
    ? response.median_btt_per_hour * Number(UNITS_PER_BTT) * Math.exp(response.sigma * wageDraw)
    : 0;
  const { non_payer_share, bad_data_share } = config.cheaters;
  const cheat: Cheat = !speed || origin !== 'arrival' ? 'honest'
    : cheatDraw < non_payer_share ? 'non_payer'
    : cheatDraw < non_payer_share + bad_data_share ? 'bad_data' : 'honest';
  return {
    index, origin, arrival_ms, bandwidth_class,
    up_bytes_per_ms: link.up_kib_per_s * BYTES_PER_KIB_PER_S_TO_PER_MS,
    down_bytes_per_ms: link.down_kib_per_s * BYTES_PER_KIB_PER_S_TO_PER_MS,
    speed,
    balance_units: speed ? BigInt(Math.round(balanceDraw * 1000)) * (UNITS_PER_BTT / 1000n) : 0n,
    natural_seed_ms: leaveAtOnce ? 0 : Math.min(seedDraw, 7 * 24 * HOUR_MS),
    reservation_units_per_hour,
    cheat,
    leave_by_ms,
    pieces,
  };
}

function cdnSpecs(cdn: CdnSetup, first: number): PeerSpec[] {
  const fixed = { bandwidth_class: -1, balance_units: 0n, natural_seed_ms: 0, reservation_units_per_hour: 0, cheat: 'honest' as const, pieces: null };
  const rate = (kib_per_s: number) => kib_per_s * BYTES_PER_KIB_PER_S_TO_PER_MS;
  const origin: PeerSpec = {
    ...fixed, index: first, origin: 'web_seed', arrival_ms: 0, speed: false, leave_by_ms: cdn.origin_stop_ms,
    up_bytes_per_ms: rate(cdn.origin_up_kib_per_s), down_bytes_per_ms: 0,
  };
  // A provider that drops the torrent and joins again later starts empty: each join is a session of its own.
  return [origin, ...cdn.providers.flatMap((p, i) => Array.from({ length: SESSIONS_PER_PROVIDER }, (_, k): PeerSpec => ({
    ...fixed, index: first + 1 + i * SESSIONS_PER_PROVIDER + k, origin: 'provider', arrival_ms: p.first_poll_ms, speed: true,
    leave_by_ms: Infinity, up_bytes_per_ms: rate(p.up_kib_per_s), down_bytes_per_ms: rate(p.down_kib_per_s),
  })))];
}

/** Arrival times in ascending order. */
function drawArrivals(rng: Rng, config: SwarmConfig): number[] {
  const a = config.arrivals;
  const times: number[] = [];
  if (a.kind === 'flash') {
    for (let i = 0; i < a.count; i++) times.push(rng.exponential(a.decay_ms));
    times.sort((x, y) => x - y);
  } else {
    let t = 0;
    for (let i = 0; i < a.count; i++) {
      t += rng.exponential(a.mean_interval_ms);
      times.push(t);
    }
  }
  return times.map((t) => Math.round(t));
}

/**
 * Each partial holder keeps each piece with probability `partial_fraction`; any piece nobody drew goes to one
 * holder, so the swarm starts seedless yet complete (distributed copies ≥ 1) — the case the paper's 14 % is about.
 */
function drawPartialHoldings(rng: Rng, config: SwarmConfig): number[][] {
  const n = config.partial_holders;
  if (n === 0) return [];
  const holdings: number[][] = Array.from({ length: n }, () => []);
  for (let p = 0; p < config.piece_count; p++) {
    let held = false;
    for (const pieces of holdings) {
      if (rng.next() < config.partial_fraction) {
        pieces.push(p);
        held = true;
      }
    }
    if (!held) holdings[rng.int(n)]?.push(p);
  }
  // A partial holder is not a seed: anyone who drew every piece hands its last one to the next holder.
  holdings.forEach((pieces, i) => {
    if (pieces.length < config.piece_count || n === 1) return;
    const last = pieces.pop() as number;
    const next = holdings[(i + 1) % n] as number[];
    if (!next.includes(last)) next.push(last);
  });
  return holdings;
}

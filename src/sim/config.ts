// Every knob of one simulated swarm, with the defaults the shipped scenarios start from. Units are in the names;
// each default says where it comes from, because the report's conclusions are only as good as these numbers.
import type { Units } from '../protocol/money.ts';

export const KIB_BYTES = 1024;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export interface BandwidthClass {
  readonly name: string;
  readonly weight: number;
  readonly up_kib_per_s: number;
  readonly down_kib_per_s: number;
}

/** Asymmetric home links (upload ≪ download): the asymmetry the white paper blames for unreciprocated downloads. */
export const DEFAULT_BANDWIDTH_CLASSES: readonly BandwidthClass[] = [
  { name: 'dsl', weight: 0.35, up_kib_per_s: 128, down_kib_per_s: 2_048 },
  { name: 'cable', weight: 0.45, up_kib_per_s: 512, down_kib_per_s: 6_144 },
  { name: 'fibre', weight: 0.2, up_kib_per_s: 2_048, down_kib_per_s: 12_288 },
];

export type Arrivals =
  /** Rate λ(t) = (count/τ)·e^(−t/τ): the classic flash-crowd shape (Guo et al., IMC 2005). */
  | { readonly kind: 'flash'; readonly count: number; readonly decay_ms: number }
  /** Homogeneous Poisson arrivals at a constant mean interval, for `count` peers. */
  | { readonly kind: 'poisson'; readonly count: number; readonly mean_interval_ms: number };

/**
 * How a peer that earns BTT changes its departure (the assumption the whole Speed case rests on).
 * - none: earning changes nothing; Speed only reorders who is served.
 * - earnings_rate: a reservation wage. At its natural departure a peer stays on, checking every `check_ms`, while
 *   its recent earning rate (exponentially weighted over `window_ms`) is at least its own reservation wage, drawn
 *   log-normally; never beyond `max_extra_ms`.
 * - cumulative: each BTT earned buys `extra_ms_per_btt` more seeding, up to `max_extra_ms` (a "thank-you" habit).
 */
export type SeederResponse =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'earnings_rate'; readonly median_btt_per_hour: number; readonly sigma: number;
      readonly window_ms: number; readonly check_ms: number; readonly max_extra_ms: number;
    }
  | { readonly kind: 'cumulative'; readonly extra_ms_per_btt: number; readonly max_extra_ms: number };

export interface Cheaters {
  /** Share of Speed requesters that pay honestly for `pay_pieces` pieces per provider, then never again. */
  readonly non_payer_share: number;
  readonly pay_pieces: number;
  /** Share of Speed providers whose every uploaded piece fails its hash. */
  readonly bad_data_share: number;
}

/** An earn-mode provider outside the swarm (docs/cdn-links.md §2): its link (its upload is its upload limit), the
 * storage it lends, and when it first reads the board. Its balance is 0: it fetches for free and only sells. */
export interface EarnProvider {
  readonly up_kib_per_s: number;
  readonly down_kib_per_s: number;
  readonly storage_budget_bytes: number;
  readonly first_poll_ms: number;
}

/** Issue 17's paid CDN: the file's origin as a BEP 19 web seed, and providers that read the tracker's demand board. */
export interface CdnSetup {
  /** The origin's upload, shared by every downloader it serves (an HTTP server answers all Range requests). */
  readonly origin_up_kib_per_s: number;
  readonly origin_stop_ms: number;
  readonly board_poll_ms: number;
  /** Empty: nobody outside the swarm reads the board (the no-board run). */
  readonly providers: readonly EarnProvider[];
  /** Added to planEarn's FADE_GRACE_MS by the shell (negative: a shorter grace), to ask what another grace would change. 0: as shipped. */
  readonly fade_grace_extra_ms: number;
}

export interface SwarmConfig {
  readonly seed: number;
  readonly piece_count: number;
  readonly piece_bytes: number;
  readonly horizon_ms: number;
  readonly arrivals: Arrivals;
  /** Complete copies present at t = 0 (the publisher), each staying `initial_seed_stay_ms`. */
  readonly initial_seeds: number;
  readonly initial_seed_stay_ms: number;
  /** Partial holders present at t = 0, each with about `partial_fraction` of the pieces (the seedless start). */
  readonly partial_holders: number;
  readonly partial_fraction: number;
  /** Mean time an initial partial holder stays before giving up, exponential. */
  readonly partial_stay_mean_ms: number;
  readonly bandwidth: readonly BandwidthClass[];
  /** Share of peers running Speed; the rest are legacy clients. The baseline run sets this to 0. */
  readonly speed_share: number;
  /** Share of completed peers that leave at once (measured swarms show many do). */
  readonly leave_at_once_share: number;
  /** Seeding time of the rest: log-normal around this median. */
  readonly seed_median_ms: number;
  readonly seed_sigma: number;
  readonly response: SeederResponse;
  /** A downloader that receives nothing for this long gives up. */
  readonly patience_ms: number;
  /** Airdropped balance of a Speed peer: log-normal around this median. */
  readonly balance_median_btt: number;
  readonly balance_sigma: number;
  readonly reserve_units_per_kib: Units;
  readonly regular_slots: number;
  readonly tit_for_tat_slots: number;
  readonly choke_round_ms: number;
  /** Connections a peer opens from a tracker reply, and the most it keeps (inbound included). */
  readonly numwant: number;
  readonly max_connections: number;
  readonly announce_interval_ms: number;
  readonly sample_ms: number;
  readonly cheaters: Cheaters;
  /** 'real': Ed25519 sign and verify every payment (slow, for small runs); 'trusted': the verified-flag path. */
  readonly signatures: 'real' | 'trusted';
  /** The paid-CDN model (src/sim/board.ts); absent in every scenario before issue 17. */
  readonly cdn?: CdnSetup;
}

export const NO_CHEATERS: Cheaters = { non_payer_share: 0, pay_pieces: 0, bad_data_share: 0 };

/** Default response: a reservation wage of about 2 BTT an hour, the middle half between ~1 and ~4. */
export const DEFAULT_RESPONSE: SeederResponse = {
  kind: 'earnings_rate', median_btt_per_hour: 2, sigma: 1, window_ms: 30 * MINUTE_MS, check_ms: 10 * MINUTE_MS,
  max_extra_ms: 24 * HOUR_MS,
};

export const DEFAULT_CONFIG: SwarmConfig = {
  seed: 1,
  piece_count: 1_000,
  piece_bytes: 256 * KIB_BYTES,
  horizon_ms: DAY_MS,
  arrivals: { kind: 'flash', count: 1_000, decay_ms: 30 * MINUTE_MS },
  initial_seeds: 1,
  initial_seed_stay_ms: 2 * HOUR_MS,
  partial_holders: 0,
  partial_fraction: 0.5,
  partial_stay_mean_ms: 2 * HOUR_MS,
  bandwidth: DEFAULT_BANDWIDTH_CLASSES,
  speed_share: 1,
  leave_at_once_share: 0.4,
  seed_median_ms: 30 * MINUTE_MS,
  seed_sigma: 1.2,
  response: DEFAULT_RESPONSE,
  patience_ms: 2 * HOUR_MS,
  balance_median_btt: 100,
  balance_sigma: 1,
  reserve_units_per_kib: 1n,
  regular_slots: 4,
  tit_for_tat_slots: 1,
  choke_round_ms: 10_000,
  numwant: 30,
  max_connections: 40,
  announce_interval_ms: 30 * MINUTE_MS,
  sample_ms: 5 * MINUTE_MS,
  cheaters: NO_CHEATERS,
  signatures: 'trusted',
};

/** The same swarm with nobody running Speed: the baseline every report compares against. */
export function baselineOf(config: SwarmConfig): SwarmConfig {
  return { ...config, speed_share: 0 };
}

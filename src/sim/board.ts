// The demand board in the simulator (issue 17): requesters' live bids summarised per torrent as the tracker's board
// does (the real `summarize`), and earn-mode providers that read it every poll and join or drop by the real `planEarn`.
import type { InfoHashHex } from '../protocol/demand-bid.ts';
import type { BoardRecord } from '../protocol/demand-board.ts';
import { summarize, type TorrentDemand } from '../protocol/demand-summary.ts';
import { explain, planEarn, PLAN_HORIZON_S, type EarnSettings } from '../protocol/earn-plan.ts';
import type { Units } from '../protocol/money.ts';
import { KIB_BYTES } from './config.ts';
import { SESSIONS_PER_PROVIDER } from './population.ts';
import type { SimPeer } from './peer.ts';
import { EV_ARRIVE, EV_BOARD, type Swarm } from './swarm.ts';

/** The simulated torrent's info hash and its web seed: the providers accept only this origin (a `listed` policy). */
export const SIM_INFO_HASH = 'cd'.repeat(20) as InfoHashHex;
export const SIM_ORIGIN = 'https://origin.example';
const SIM_WEB_SEED = `${SIM_ORIGIN}/file.bin`;
/** A bid on the board lives this long unless re-signed (the real client re-signs while it downloads). */
const BID_LIFETIME_MS = 60_000;
/** Trusted path, as for payments: the sim built each bid itself, so no Ed25519 (docs/sim/README.md). */
const TRUSTED_SIGNATURE = new Uint8Array(64);

/** One join of a provider: why, what planEarn expected, what it earned, why and when it left. */
export interface ProviderSession {
  readonly peer: SimPeer;
  readonly joined_ms: number;
  readonly reason: string;
  /** planEarn's expected earnings over PLAN_HORIZON_S when it joined. */
  readonly estimate_units: Units;
  /** Earned in the PLAN_HORIZON_S after joining (read at the first poll after that, or when it left). */
  earned_in_horizon_units: Units | null;
  dropped_ms: number | null;
  drop_reason: string | null;
}

export interface ProviderLog {
  readonly provider: number;
  readonly storage_budget_bytes: number;
  readonly sessions: ProviderSession[];
  /** Sessions all used: it would have joined again (never in the shipped scenarios; the report says so). */
  out_of_sessions: boolean;
  last_demand_ms: number;
}

const logs = new WeakMap<Swarm, ProviderLog[]>();

export function providerLogs(sw: Swarm): readonly ProviderLog[] {
  return logs.get(sw) ?? [];
}

/** Schedules every provider's first board poll. */
export function startBoard(sw: Swarm): void {
  const cdn = sw.config.cdn;
  if (!cdn) return;
  logs.set(sw, cdn.providers.map((p, i) => ({ provider: i, storage_budget_bytes: p.storage_budget_bytes, sessions: [], out_of_sessions: false, last_demand_ms: 0 })));
  cdn.providers.forEach((p, i) => sw.queue.push(p.first_poll_ms, EV_BOARD, i));
}

/** The board's summary of the torrent now: every present requester's current bid, weighed by its balance. */
export function demandNow(sw: Swarm, now: number): TorrentDemand {
  const records: BoardRecord[] = [];
  let leechers = 0;
  for (const peer of sw.peers) {
    if (peer.phase !== 'leeching') continue;
    leechers++;
    const price = peer.bid_units_per_kib;
    if (price === null || price <= 0n || peer.spec.origin === 'provider') continue;
    const wanted_bytes = BigInt((sw.config.piece_count - peer.have_count) * sw.config.piece_bytes);
    records.push({
      bid: {
        info_hash: SIM_INFO_HASH, public_key: peer.key, price_units_per_kib: price, wanted_bytes, issued_at_ms: now,
        expires_at_ms: now + BID_LIFETIME_MS, signature: TRUSTED_SIGNATURE,
      },
      balance_units: peer.free_units + peer.locked_units, balance_read_at_ms: now,
    });
  }
  // The tracker counts peers that announce; the web seed never does.
  const origin = sw.origin !== null && sw.origin.present ? 1 : 0;
  return summarize(SIM_INFO_HASH, records, { seeders: sw.seeds_present - origin, leechers }, true);
}

/** Provider `i`'s board poll: plan, then join (a new session arrives now, empty) or drop (its session leaves). */
export function onBoardPoll(sw: Swarm, i: number, now: number): void {
  const cdn = sw.config.cdn;
  const setup = cdn?.providers[i];
  const log = providerLogs(sw)[i];
  if (!cdn || !setup || !log || sw.origin === null) return;
  const current = log.sessions.at(-1);
  const holding = current !== undefined && current.dropped_ms === null ? current : null;
  if (holding && holding.earned_in_horizon_units === null && now >= holding.joined_ms + PLAN_HORIZON_S * 1000) {
    holding.earned_in_horizon_units = holding.peer.earned_units;
  }
  const demand = demandNow(sw, now);
  if (holding && BigInt(demand.demand_units) > 0n) log.last_demand_ms = now;
  const length_bytes = sw.config.piece_count * sw.config.piece_bytes;
  const settings: EarnSettings = {
    storage_budget_bytes: setup.storage_budget_bytes, upload_limit_bytes_per_s: setup.up_kib_per_s * KIB_BYTES,
    accept: { kind: 'listed', origins: [SIM_ORIGIN], info_hashes: [] },
  };
  // The grace knob moves the last demand forward (or back), which changes planEarn's grace by exactly that much.
  const last_demand_ms = log.last_demand_ms + cdn.fade_grace_extra_ms;
  const held = holding ? [{ info_hash: SIM_INFO_HASH, length_bytes, own: false, last_demand_ms }] : [];
  const plan = planEarn([{ demand, length_bytes, web_seeds: [SIM_WEB_SEED] }], held, settings, now);
  const join = plan.join[0];
  const drop = plan.drop[0];
  if (join && !holding) {
    const index = sw.origin.index + 1 + i * SESSIONS_PER_PROVIDER + log.sessions.length;
    const peer = sw.peers[index];
    if (log.sessions.length >= SESSIONS_PER_PROVIDER || !peer) {
      log.out_of_sessions = true;
    } else {
      log.sessions.push({
        peer, joined_ms: now, reason: explain(join), estimate_units: join.expected_units, earned_in_horizon_units: null,
        dropped_ms: null, drop_reason: null,
      });
      log.last_demand_ms = now;
      sw.queue.push(now, EV_ARRIVE, index);
    }
  } else if (drop && holding) {
    holding.dropped_ms = now;
    holding.drop_reason = drop.reason;
    if (holding.earned_in_horizon_units === null) holding.earned_in_horizon_units = holding.peer.earned_units;
    sw.leave(holding.peer, now);
  }
  sw.queue.push(now + cdn.board_poll_ms, EV_BOARD, i);
}

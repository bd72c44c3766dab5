// Earn mode's choice (docs/cdn-links.md §2): from the demand board's summaries, which CDN torrents a provider should
// hold within its storage budget, ranked by expected earnings per byte stored, and which to drop when demand fades.
// Pure and deterministic: time is a parameter, ties break by info hash, the user's own torrents are never touched.
import type { TorrentDemand } from './demand-summary.ts';
import type { Units } from './money.ts';

/** How far ahead an estimate looks: what the upload limit can carry in this time caps what a torrent can earn. */
export const PLAN_HORIZON_S = 600;
/**
 * A held torrent whose demand left the board is kept this long before it is dropped. Measured against the gaps
 * between requesters of long-tail content, not against bid churn: with 2 min, providers deleted the file between
 * requesters a quarter of an hour apart and fetched it again for each, so a file still died with its origin (the
 * simulator's cdn-board scenario: 0 of 21 late requesters completed; with 2 h, 21 of 21). The storage budget still
 * bounds what is kept, and better-paying content still displaces it.
 */
export const FADE_GRACE_MS = 2 * 60 * 60_000;
/** A held torrent is displaced only by one scoring at least this many times better (fetching again costs). */
export const SWITCH_FACTOR = 2n;
/** Most torrents earn mode holds at once (the peer runs at most a few dozen in all). */
export const MAX_EARN_TORRENTS = 16;

/** Which content the provider accepts: anything on the board, or only from listed web seed origins / info hashes. */
export type AcceptPolicy =
  | { readonly kind: 'any' }
  | { readonly kind: 'listed'; readonly origins: readonly string[]; readonly info_hashes: readonly string[] };

/** A board entry with what the catalogue says of it (earn mode joins only torrents whose metadata it can get). */
export interface EarnCandidate {
  readonly demand: TorrentDemand;
  readonly length_bytes: number;
  readonly web_seeds: readonly string[];
}

export interface HeldTorrent {
  readonly info_hash: string;
  readonly length_bytes: number;
  /** The user's own torrent (seeded or downloaded by them): never dropped, not counted against the budget. */
  readonly own: boolean;
  /** Last time the board showed funded demand for it (or when it was joined). */
  readonly last_demand_ms: number;
}

export interface EarnSettings {
  readonly storage_budget_bytes: number;
  readonly upload_limit_bytes_per_s: number;
  readonly accept: AcceptPolicy;
}

export interface Estimate {
  readonly info_hash: string;
  readonly price_p50_units_per_kib: Units;
  readonly wanted_bytes: bigint;
  /** Providers sharing the demand: the seeders on the board, plus us if we do not hold it yet. */
  readonly supply: number;
  /** demand_units ÷ supply, scaled down when our upload limit cannot carry our share within the horizon. */
  readonly expected_units: Units;
  readonly length_bytes: number;
}

export type DropReason = 'demand_faded' | 'displaced' | 'not_accepted';

export interface EarnPlan {
  readonly join: readonly Estimate[];
  readonly keep: readonly (Estimate | { readonly info_hash: string; readonly reason: 'own' | 'grace' })[];
  readonly drop: readonly { readonly info_hash: string; readonly reason: DropReason }[];
  /** Bytes the earn-mode torrents kept and joined take: never above the storage budget. */
  readonly stored_bytes: number;
}

export function accepts(policy: AcceptPolicy, info_hash: string, web_seeds: readonly string[]): boolean {
  if (policy.kind === 'any') return true;
  if (policy.info_hashes.includes(info_hash)) return true;
  return web_seeds.some((url) => {
    try {
      return policy.origins.includes(new URL(url).origin);
    } catch {
      return false;
    }
  });
}

/** The estimate of one torrent for this provider (see docs/cdn-links.md §2 for why each term is there). */
export function estimate(candidate: EarnCandidate, held: boolean, upload_limit_bytes_per_s: number): Estimate {
  const d = candidate.demand;
  const supply = Math.max(1, d.seeders + (held ? 0 : 1));
  const demand = BigInt(d.demand_units);
  const wanted = BigInt(d.wanted_bytes);
  const share_bytes = wanted / BigInt(supply);
  const capacity_bytes = BigInt(Math.max(0, Math.floor(upload_limit_bytes_per_s))) * BigInt(PLAN_HORIZON_S);
  let expected = demand / BigInt(supply);
  if (share_bytes > capacity_bytes && share_bytes > 0n) expected = (expected * capacity_bytes) / share_bytes;
  return {
    info_hash: d.info_hash,
    price_p50_units_per_kib: d.price_units_per_kib ? BigInt(d.price_units_per_kib.p50) : 0n,
    wanted_bytes: wanted,
    supply,
    expected_units: expected,
    length_bytes: candidate.length_bytes,
  };
}

/** a's earnings per byte stored, times `factor`, against b's: a negative result puts a first. */
function compareScore(a: Estimate, factor_a: bigint, b: Estimate, factor_b: bigint): number {
  const x = a.expected_units * factor_a * BigInt(b.length_bytes);
  const y = b.expected_units * factor_b * BigInt(a.length_bytes);
  if (x !== y) return x > y ? -1 : 1;
  return a.info_hash < b.info_hash ? -1 : a.info_hash > b.info_hash ? 1 : 0;
}

/** Decides what to join, keep and drop now (one candidate per info hash). Inputs are not modified; the same inputs in any order give the same plan. */
export function planEarn(candidates: readonly EarnCandidate[], held: readonly HeldTorrent[], settings: EarnSettings, now_ms: number): EarnPlan {
  const budget = Math.max(0, Math.floor(settings.storage_budget_bytes));
  const byHash = new Map<string, EarnCandidate>();
  for (const c of [...candidates].sort((a, b) => (a.demand.info_hash < b.demand.info_hash ? -1 : 1))) {
    if (!byHash.has(c.demand.info_hash)) byHash.set(c.demand.info_hash, c);
  }
  const heldByHash = new Map(held.map((h) => [h.info_hash, h]));
  const keep: (Estimate | { info_hash: string; reason: 'own' | 'grace' })[] = [];
  const drop: { info_hash: string; reason: DropReason }[] = [];
  let stored = 0;
  let count = 0;

  // Held torrents without live funded demand: kept through the grace period (they still take their room), then dropped.
  const ranked: { e: Estimate; held: boolean }[] = [];
  for (const h of [...held].sort((a, b) => (a.info_hash < b.info_hash ? -1 : 1))) {
    if (h.own) {
      keep.push({ info_hash: h.info_hash, reason: 'own' });
      continue;
    }
    const c = byHash.get(h.info_hash);
    if (c && !accepts(settings.accept, h.info_hash, c.web_seeds)) {
      drop.push({ info_hash: h.info_hash, reason: 'not_accepted' });
    } else if (c && BigInt(c.demand.demand_units) > 0n) {
      ranked.push({ e: estimate({ ...c, length_bytes: h.length_bytes }, true, settings.upload_limit_bytes_per_s), held: true });
    } else if (now_ms - h.last_demand_ms < FADE_GRACE_MS && stored + h.length_bytes <= budget && count < MAX_EARN_TORRENTS) {
      keep.push({ info_hash: h.info_hash, reason: 'grace' });
      stored += h.length_bytes;
      count++;
    } else {
      drop.push({ info_hash: h.info_hash, reason: 'demand_faded' });
    }
  }
  for (const c of byHash.values()) {
    if (heldByHash.has(c.demand.info_hash)) continue;
    if (!accepts(settings.accept, c.demand.info_hash, c.web_seeds)) continue;
    if (BigInt(c.demand.demand_units) <= 0n || c.length_bytes <= 0 || c.length_bytes > budget) continue;
    ranked.push({ e: estimate(c, false, settings.upload_limit_bytes_per_s), held: false });
  }
  // Best earnings per byte first; a held torrent counts SWITCH_FACTOR times its score (a newcomer must beat that).
  ranked.sort((a, b) => compareScore(a.e, a.held ? SWITCH_FACTOR : 1n, b.e, b.held ? SWITCH_FACTOR : 1n));
  const join: Estimate[] = [];
  for (const { e, held: isHeld } of ranked) {
    const fits = stored + e.length_bytes <= budget && count < MAX_EARN_TORRENTS && e.expected_units > 0n;
    if (fits) {
      (isHeld ? keep : join).push(e);
      stored += e.length_bytes;
      count++;
    } else if (isHeld) {
      drop.push({ info_hash: e.info_hash, reason: e.expected_units > 0n ? 'displaced' : 'demand_faded' });
    }
  }
  return { join, keep, drop, stored_bytes: stored };
}

/** One line saying why: price × unmet demand ÷ supply over the bytes stored. */
export function explain(e: Estimate): string {
  const mib = (bytes: number | bigint) => (Number(bytes) / 1024 / 1024).toFixed(1);
  return `median bid ${e.price_p50_units_per_kib} units/KiB × ${mib(e.wanted_bytes)} MiB wanted ÷ ${e.supply} provider(s) ` +
    `≈ ${e.expected_units} units for ${mib(e.length_bytes)} MiB stored`;
}

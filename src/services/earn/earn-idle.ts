// Why an earn-mode poll joined nothing (pure): the board was unreachable or empty, nothing on it is a CDN torrent the
// catalogue knows, the acceptable-content list ruled it out, nobody funds it, it is all held already, or it does not
// fit the storage budget. Both shells show it: the app as a sentence, the terminal's tests as the code.
import type { TorrentDemand } from '../../protocol/demand-summary.ts';
import { accepts, type AcceptPolicy, type EarnCandidate, type EarnPlan, type HeldTorrent } from '../../protocol/earn-plan.ts';

export type IdleReason =
  | 'board_unreachable'
  | 'board_empty'
  | 'not_in_catalogue'
  | 'not_accepted'
  | 'no_funded_demand'
  | 'all_held'
  | 'over_budget';

export interface PollFacts {
  /** False when the board could not be read (network, status, bad JSON). */
  readonly board_ok: boolean;
  readonly demands: readonly TorrentDemand[];
  readonly candidates: readonly EarnCandidate[];
  readonly held: readonly HeldTorrent[];
  readonly accept: AcceptPolicy;
  readonly plan: EarnPlan | null;
}

/** Null when the poll joined something; else the first reason, in the order a person would check them. */
export function idleReason(f: PollFacts): IdleReason | null {
  if (!f.board_ok) return 'board_unreachable';
  if (f.plan && f.plan.join.length > 0) return null;
  if (f.demands.length === 0) return 'board_empty';
  if (f.candidates.length === 0) return 'not_in_catalogue';
  const accepted = f.candidates.filter((c) => accepts(f.accept, c.demand.info_hash, c.web_seeds));
  if (accepted.length === 0) return 'not_accepted';
  const funded = accepted.filter((c) => BigInt(c.demand.demand_units) > 0n);
  if (funded.length === 0) return 'no_funded_demand';
  const held = new Set(f.held.map((h) => h.info_hash));
  if (funded.every((c) => held.has(c.demand.info_hash))) return 'all_held';
  return 'over_budget';
}

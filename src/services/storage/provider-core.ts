// The storage provider's pure core: which contracts need the ledger now and when to look again, whether a challenge
// the ledger sent is one this replica can be asked, and the answer (leaves + Merkle paths) or why there is none.
// No I/O, no clock: provider-shell.ts reads the ledger and the disk and passes the time in.
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import { MAX_CHALLENGE_LEAVES } from '../../protocol/storage-challenge.ts';
import { equalBytes, hashLeaf, HASH_BYTES, leafCount, leafLength, nobleSha256, proveLeaf, type LeafProof, type MerkleTree, type Sha256 } from '../../protocol/storage-merkle.ts';

/** The slice of a contract view (src/wallet/storage-client.ts StorageContractView) the provider plans from. */
export interface ContractGlance {
  readonly contract_id: string;
  readonly provider: PublicKeyHex;
  readonly terms: { readonly root: string };
  readonly phase: 'WaitingForEpoch' | 'WaitingForAnswer' | 'Ended';
  readonly epoch: number;
  readonly challenge: { readonly epoch: number; readonly deadline_ms: number } | null;
  readonly next_epoch_at_ms: number | null;
}

/** The ledger's challenge as the provider reads it (GET /storage/contracts/:id/challenge). */
export interface ChallengeGlance {
  readonly contract_id: string;
  readonly epoch: number;
  readonly indexes: readonly number[];
  readonly deadline_ms: number;
  readonly root: string;
  readonly size_bytes: number;
  readonly leaf_bytes: number;
  readonly leaf_count: number;
}

/** Look again at least this often, whatever the contracts say (a new contract, a ledger that was down). */
export const MAX_POLL_MS = 30_000;
/** Never spin: at most one pass per this long. */
export const MIN_POLL_MS = 100;

export interface PollPlan {
  /** Contracts whose challenge to fetch and answer now (their epoch has started and is not handled yet). */
  readonly due: readonly string[];
  /** When to look again. */
  readonly wake_at_ms: number;
}

/** The last epoch the provider handled for a contract (answered, or gave up on), and when to look at it again. */
export interface Handled {
  readonly epoch: number;
  readonly until_ms: number;
}

/**
 * From the provider's contracts (as listed, possibly a moment stale), those to challenge now: a challenge is open or
 * the epoch has started, and that epoch is not handled yet; and when to look again (the soonest epoch start or
 * handled contract's revisit time, within MIN_POLL_MS..MAX_POLL_MS from now).
 */
export function planPoll(me: PublicKeyHex, contracts: readonly ContractGlance[], done: ReadonlyMap<string, Handled>, now_ms: number): PollPlan {
  const due: string[] = [];
  let wake = now_ms + MAX_POLL_MS;
  for (const c of contracts) {
    if (c.provider !== me || c.phase === 'Ended') continue;
    const epoch = c.challenge?.epoch ?? c.epoch;
    const handled = done.get(c.contract_id);
    if (handled && handled.epoch >= epoch) wake = Math.min(wake, handled.until_ms);
    else if (c.phase === 'WaitingForAnswer' || (c.next_epoch_at_ms ?? now_ms) <= now_ms) due.push(c.contract_id);
    else wake = Math.min(wake, c.next_epoch_at_ms ?? now_ms);
  }
  return { due, wake_at_ms: Math.min(now_ms + MAX_POLL_MS, Math.max(wake, now_ms + MIN_POLL_MS)) };
}

export type ChallengeProblem = 'unknown_replica' | 'shape_mismatch' | 'bad_indexes' | 'deadline_passed';

/** A challenge this replica can be asked: its root and shape, distinct ascending indexes in range, a deadline ahead. */
export function checkChallenge(c: ChallengeGlance, tree: MerkleTree | null, now_ms: number): ChallengeProblem | null {
  if (!tree || c.root !== bytesToHex(tree.root)) return 'unknown_replica';
  if (c.size_bytes !== tree.size_bytes || c.leaf_bytes !== tree.leaf_bytes || c.leaf_count !== leafCount(tree)) return 'shape_mismatch';
  const ix = c.indexes;
  if (!Array.isArray(ix) || ix.length < 1 || ix.length > MAX_CHALLENGE_LEAVES) return 'bad_indexes';
  for (let k = 0; k < ix.length; k++) {
    const i = ix[k];
    if (!Number.isSafeInteger(i) || (i as number) < 0 || (i as number) >= c.leaf_count || (k > 0 && (i as number) <= (ix[k - 1] as number))) return 'bad_indexes';
  }
  if (!(c.deadline_ms > now_ms)) return 'deadline_passed';
  return null;
}

export type AnswerPlan =
  | { readonly ok: true; readonly proofs: LeafProof[] }
  /** Some challenged leaves are gone or damaged on disk: an answer would be refused, so none is sent (the epoch is missed). */
  | { readonly ok: false; readonly reason: 'missing_leaves'; readonly missing: number[] };

/**
 * The answer from the leaves read for `indexes` (null: unreadable). Each leaf is checked against the replica's own
 * leaf hash first, so a damaged copy is found here, not by the ledger.
 */
export function planAnswer(tree: MerkleTree, indexes: readonly number[], leaves: ReadonlyArray<Uint8Array | null>, hash: Sha256 = nobleSha256): AnswerPlan {
  const missing: number[] = [];
  const proofs: LeafProof[] = [];
  indexes.forEach((index, k) => {
    const leaf = leaves[k];
    const expected = tree.levels[0]?.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
    if (!leaf || !expected || leaf.length !== leafLength(tree, index) || !equalBytes(hashLeaf(leaf, hash), expected)) missing.push(index);
    else proofs.push(proveLeaf(tree, index, leaf));
  });
  return missing.length > 0 ? { ok: false, reason: 'missing_leaves', missing } : { ok: true, proofs };
}


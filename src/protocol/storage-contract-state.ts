// Paid storage's contract: its terms, state, events, effects and reason codes, the graded-miss policy, and the
// invariants every transition and every load must keep (money conserved exactly, each epoch settled once).
import { isPublicKeyHex, type PublicKeyHex } from './ed25519.ts';
import { MAX_AMOUNT_UNITS, type Units } from './money.ts';
import { isContractId, MAX_CHALLENGE_LEAVES } from './storage-challenge.ts';
import { checkShape, HASH_BYTES, type LeafProof } from './storage-merkle.ts';

/** 10,000 epochs: a year of hourly epochs; bounds the escrow product and the contract's life. */
export const MAX_EPOCHS = 10_000;
/** An epoch shorter than a minute leaves a browser no time to come back; tests use short ones within this. */
export const MIN_EPOCH_MS = 1_000;
/** A week: a longer epoch would let a provider drop the data and fetch it back between challenges. */
export const MAX_EPOCH_MS = 7 * 24 * 3_600_000;
/** Misses count against the provider only within the last 8 epochs: an old outage is forgiven (Storj's lesson). */
export const MISS_WINDOW_EPOCHS = 8;
/** The first miss in the window is a warning; every further one slashes 10 % of the collateral posted. */
export const SLASH_BPS = 1_000;
/** The 4th miss in the window ends the contract, slashes what collateral is left and refunds the rest of the escrow. */
export const END_AFTER_MISSES = 4;

export type ContractPhase = 'WaitingForEpoch' | 'WaitingForAnswer' | 'Ended';

export interface ContractTerms {
  readonly contract_id: string;
  readonly requester_key: PublicKeyHex;
  readonly provider_key: PublicKeyHex;
  /** The replica's Merkle root (storage-merkle.ts): binds its bytes, size and leaf size. */
  readonly root: Uint8Array;
  readonly size_bytes: number;
  readonly leaf_bytes: number;
  readonly price_units_per_epoch: Units;
  readonly epochs: number;
  /** Posted by the provider at open; slashed by misses, returned at the end. */
  readonly collateral_units: Units;
  readonly start_ms: number;
  readonly epoch_ms: number;
  /** From the challenge to the deadline: a window a browser coming and going can meet. */
  readonly answer_window_ms: number;
  readonly leaves_per_challenge: number;
}

export interface OpenChallenge {
  readonly epoch: number;
  /** Distinct leaf indexes, ascending: the answer proves each once, in this order. */
  readonly indexes: readonly number[];
  readonly deadline_ms: number;
}

export interface ContractState {
  readonly terms: ContractTerms;
  readonly phase: ContractPhase;
  /** The next epoch to settle: challenged (WaitingForAnswer) or about to be (WaitingForEpoch). */
  readonly epoch: number;
  /** The commitment to the beacon secret of `epoch` (or the next one, once challenged). */
  readonly commit: Uint8Array;
  readonly challenge: OpenChallenge | null;
  readonly escrow_units: Units;
  readonly collateral_units: Units;
  /** To the provider: one price per epoch proven. */
  readonly paid_units: Units;
  /** To the requester: one price per missed epoch, plus what is left of the escrow if the contract ends early. */
  readonly refunded_units: Units;
  /** Collateral taken from the provider for misses, credited to the requester as compensation. */
  readonly slashed_units: Units;
  /** Collateral handed back to the provider at the end. */
  readonly returned_units: Units;
  readonly passed_epochs: number;
  readonly missed_epochs: number;
  /** Missed epochs within the last MISS_WINDOW_EPOCHS, ascending. */
  readonly recent_misses: readonly number[];
  readonly end_reason: EndReason | null;
}

export type EndReason = 'completed' | 'too_many_misses';

export type ContractEvent =
  | { readonly type: 'challenge'; readonly epoch: number; readonly beacon_secret: Uint8Array; readonly next_commit: Uint8Array }
  | { readonly type: 'answer'; readonly epoch: number; readonly proofs: readonly LeafProof[] }
  | { readonly type: 'tick' }
  /** The verifier was down since `down_since_ms`: a window that fell in the outage is given again in full. */
  | { readonly type: 'verifier_restarted'; readonly down_since_ms: number };

export type ContractEffect =
  | { readonly type: 'challenge_issued'; readonly epoch: number; readonly indexes: readonly number[]; readonly deadline_ms: number }
  | { readonly type: 'pay_provider'; readonly epoch: number; readonly units: Units; readonly reason: 'proof_accepted' }
  | { readonly type: 'refund_requester'; readonly epoch: number; readonly units: Units; readonly reason: 'epoch_missed' | 'ended_early' }
  | { readonly type: 'warn_provider'; readonly epoch: number; readonly reason: 'missed_epoch'; readonly misses_in_window: number }
  | { readonly type: 'slash_collateral'; readonly epoch: number; readonly units: Units; readonly reason: 'repeated_misses' | 'too_many_misses'; readonly misses_in_window: number }
  | { readonly type: 'return_collateral'; readonly units: Units; readonly reason: 'completed' }
  | { readonly type: 'contract_ended'; readonly reason: EndReason }
  | { readonly type: 'deadline_extended'; readonly epoch: number; readonly deadline_ms: number; readonly reason: 'verifier_outage' };

export type ContractRejection =
  | 'contract_ended' | 'not_waiting_for_epoch' | 'not_waiting_for_answer' | 'wrong_epoch' | 'too_early' | 'bad_reveal'
  | 'bad_commit' | 'late_answer' | 'wrong_proof_count' | 'wrong_index' | 'bad_proof' | 'bad_event';

export type ContractStep =
  | { readonly ok: true; readonly state: ContractState; readonly effects: readonly ContractEffect[] }
  | { readonly ok: false; readonly rejection: ContractRejection; readonly detail?: string };

export type TermsError =
  | 'bad_contract_id' | 'bad_keys' | 'same_party' | 'bad_root' | 'bad_shape' | 'bad_price' | 'bad_epochs'
  | 'bad_collateral' | 'bad_timing' | 'bad_challenge_size' | 'escrow_too_large' | 'bad_commit';

export class ContractInvariantError extends Error {
  override name = 'ContractInvariantError';
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ContractInvariantError(`storage contract: ${message}`);
}

function isTime(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

/** Why these terms cannot open a contract, or null. */
export function checkTerms(t: ContractTerms): TermsError | null {
  if (!isContractId(t.contract_id)) return 'bad_contract_id';
  if (!isPublicKeyHex(t.requester_key) || !isPublicKeyHex(t.provider_key)) return 'bad_keys';
  if (t.requester_key === t.provider_key) return 'same_party';
  if (!isHash(t.root)) return 'bad_root';
  if (checkShape(t) !== null) return 'bad_shape';
  if (typeof t.price_units_per_epoch !== 'bigint' || t.price_units_per_epoch <= 0n) return 'bad_price';
  if (!Number.isSafeInteger(t.epochs) || t.epochs < 1 || t.epochs > MAX_EPOCHS) return 'bad_epochs';
  if (typeof t.collateral_units !== 'bigint' || t.collateral_units < 0n || t.collateral_units > MAX_AMOUNT_UNITS) return 'bad_collateral';
  if (!isTime(t.start_ms) || !Number.isSafeInteger(t.epoch_ms) || t.epoch_ms < MIN_EPOCH_MS || t.epoch_ms > MAX_EPOCH_MS) return 'bad_timing';
  if (!Number.isSafeInteger(t.answer_window_ms) || t.answer_window_ms < 1 || t.answer_window_ms > t.epoch_ms) return 'bad_timing';
  if (!isTime(t.start_ms + t.epochs * t.epoch_ms)) return 'bad_timing';
  if (!Number.isSafeInteger(t.leaves_per_challenge) || t.leaves_per_challenge < 1 || t.leaves_per_challenge > MAX_CHALLENGE_LEAVES) return 'bad_challenge_size';
  if (t.price_units_per_epoch * BigInt(t.epochs) > MAX_AMOUNT_UNITS) return 'escrow_too_large';
  return null;
}

export function escrowAtOpen(t: ContractTerms): Units {
  return t.price_units_per_epoch * BigInt(t.epochs);
}

/** What one miss beyond the warning slashes: SLASH_BPS of the collateral posted, never more than is left. */
export function slashStep(t: ContractTerms): Units {
  return (t.collateral_units * BigInt(SLASH_BPS)) / 10_000n;
}

/** Every state the machine produces or loads satisfies these; a failure is a bug, never a peer's doing. */
export function assertContractInvariants(s: ContractState): void {
  const t = s.terms;
  invariant(checkTerms(t) === null, `terms: ${checkTerms(t)}`);
  invariant(isHash(s.commit), 'commit is a 32-byte hash');
  const amounts = [s.escrow_units, s.collateral_units, s.paid_units, s.refunded_units, s.slashed_units, s.returned_units];
  invariant(amounts.every((a) => typeof a === 'bigint' && a >= 0n), 'amounts are non-negative bigints');
  // Conservation: the escrow goes to the provider (proven epochs) or back to the requester; the collateral goes
  // back to the provider or, slashed, to the requester. Nothing is created or lost.
  invariant(s.escrow_units + s.paid_units + s.refunded_units === escrowAtOpen(t), 'escrow conserved');
  invariant(s.collateral_units + s.slashed_units + s.returned_units === t.collateral_units, 'collateral conserved');
  invariant(s.paid_units === t.price_units_per_epoch * BigInt(s.passed_epochs), 'paid exactly once per proven epoch');
  invariant(Number.isSafeInteger(s.epoch) && s.epoch >= 0 && s.epoch <= t.epochs, 'epoch in range');
  invariant(s.passed_epochs >= 0 && s.missed_epochs >= 0 && s.passed_epochs + s.missed_epochs <= s.epoch, 'each epoch settled once');
  invariant(s.recent_misses.every((e, i) => Number.isSafeInteger(e) && e < s.epoch && (i === 0 || e > (s.recent_misses[i - 1] ?? -1))), 'recent misses ascending');
  invariant(s.recent_misses.length < END_AFTER_MISSES || s.phase === 'Ended', 'too many misses ends the contract');
  if (s.phase === 'Ended') {
    invariant(s.end_reason !== null && s.challenge === null, 'an ended contract has a reason and no challenge');
    invariant(s.escrow_units === 0n && s.collateral_units === 0n, 'an ended contract holds nothing');
    invariant(s.end_reason !== 'completed' || (s.epoch === t.epochs && s.passed_epochs + s.missed_epochs === t.epochs), 'completed means every epoch settled');
  } else {
    invariant(s.end_reason === null && s.epoch < t.epochs, 'a live contract has epochs left');
    invariant(s.passed_epochs + s.missed_epochs === s.epoch, 'epochs before the current one are settled');
    invariant(s.escrow_units === t.price_units_per_epoch * BigInt(t.epochs - s.epoch), 'escrow holds exactly the epochs left');
    invariant((s.phase === 'WaitingForAnswer') === (s.challenge !== null), 'a challenge exactly while waiting for an answer');
    if (s.challenge) {
      invariant(s.challenge.epoch === s.epoch && isTime(s.challenge.deadline_ms), 'challenge is for the current epoch');
      invariant(s.challenge.indexes.length >= 1 && s.challenge.indexes.every((i, k) => Number.isSafeInteger(i) && i >= 0
        && (k === 0 || i > (s.challenge?.indexes[k - 1] ?? -1))), 'challenge indexes distinct and ascending');
    }
  }
}

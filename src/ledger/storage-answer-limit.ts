// Repeated bad answers: a provider may retry a refused answer a few times per challenge (a bug, a flaky disk), then
// the ledger stops checking its answers until the contract moves on (the next challenge), so checks stay bounded.
import { ApiError, type ErrorCode } from './errors.ts';

/** Refused answers signed by the provider that the ledger still checks per open challenge; then too_many_bad_answers. */
export const MAX_BAD_ANSWERS_PER_CHALLENGE = 8;
/** Contracts tracked at once; the oldest is forgotten first (a forgotten one simply gets a fresh allowance). */
export const MAX_TRACKED_CONTRACTS = 100_000;
/**
 * Only refusals of an answer to the open challenge count: only the provider can sign those. A replay of an old
 * answer (stale_answer, wrong_epoch) is not counted, so nobody can lock a provider out by replaying what it sent.
 */
const COUNTED: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['bad_proof', 'wrong_proof_count', 'wrong_index']);

export class BadAnswerLimit {
  /** contract id → the row's updated_seq when counting began (a new challenge moves it) and the count. */
  readonly #seen = new Map<string, { seq: number; count: number }>();

  /** Refuses before any check when this challenge already had its allowance of bad answers. */
  check(contract_id: string, updated_seq: number): void {
    const seen = this.#seen.get(contract_id);
    if (seen && seen.seq === updated_seq && seen.count >= MAX_BAD_ANSWERS_PER_CHALLENGE) {
      throw new ApiError('too_many_bad_answers',
        `${MAX_BAD_ANSWERS_PER_CHALLENGE} refused answers to this challenge: the next answer is checked after the next challenge`);
    }
  }

  /** Counts a refusal of a provider-signed answer (others are not counted). */
  record(contract_id: string, updated_seq: number, error: unknown): void {
    if (!(error instanceof ApiError) || !COUNTED.has(error.code)) return;
    const seen = this.#seen.get(contract_id);
    const count = seen && seen.seq === updated_seq ? seen.count + 1 : 1;
    this.#seen.delete(contract_id);
    this.#seen.set(contract_id, { seq: updated_seq, count });
    if (this.#seen.size > MAX_TRACKED_CONTRACTS) this.#seen.delete(this.#seen.keys().next().value as string);
  }
}

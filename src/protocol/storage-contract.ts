// Paid storage's contract machine, the rule the ledger runs per contract: a pure `crankContract(state, event, now_ms)`
// → { state, effects } or a rejection that changes nothing. Each epoch: a challenge from the committed beacon, an
// answer (leaves + Merkle paths against the root) before the deadline pays that epoch; a miss pays nothing and is
// graded: a warning, then slashes, then the end (see storage-contract-state.ts for the policy and the invariants).
import { type Units } from './money.ts';
import { answerIndexes, challengeIndexes, revealMatches } from './storage-challenge.ts';
import {
  assertContractInvariants, checkTerms, END_AFTER_MISSES, escrowAtOpen, invariant, isHash, MISS_WINDOW_EPOCHS,
  slashStep, type ContractEffect, type ContractEvent, type ContractState, type ContractStep, type ContractTerms,
  type TermsError,
} from './storage-contract-state.ts';
import { leafCount, nobleSha256, verifyLeaf, type Sha256 } from './storage-merkle.ts';

export * from './storage-contract-state.ts';

/** Opens a contract: the requester's escrow (price × epochs) and the provider's collateral are locked by the shell. */
export function openContract(terms: ContractTerms, first_commit: Uint8Array):
  { readonly ok: true; readonly state: ContractState; readonly escrow_units: Units } | { readonly ok: false; readonly reason: TermsError } {
  const error = checkTerms(terms);
  if (error) return { ok: false, reason: error };
  if (!isHash(first_commit)) return { ok: false, reason: 'bad_commit' };
  const state: ContractState = {
    terms, phase: 'WaitingForEpoch', epoch: 0, commit: first_commit, challenge: null, escrow_units: escrowAtOpen(terms),
    collateral_units: terms.collateral_units, paid_units: 0n, refunded_units: 0n, slashed_units: 0n, returned_units: 0n,
    passed_epochs: 0, missed_epochs: 0, recent_misses: [], end_reason: null,
  };
  assertContractInvariants(state);
  return { ok: true, state, escrow_units: state.escrow_units };
}

/** When epoch `epoch` may be challenged at the earliest. */
export function epochStartMs(terms: ContractTerms, epoch: number): number {
  return terms.start_ms + epoch * terms.epoch_ms;
}

/** `hash` computes SHA-256 for the proofs' check (noble by default; the ledger may pass a native one). */
export function crankContract(state: ContractState, event: ContractEvent, now_ms: number, hash: Sha256 = nobleSha256): ContractStep {
  invariant(Number.isSafeInteger(now_ms) && now_ms >= 0, 'now_ms is a non-negative integer');
  if (typeof event !== 'object' || event === null) return { ok: false, rejection: 'bad_event' };
  const step = apply(state, event, now_ms, hash);
  if (step.ok) {
    assertContractInvariants(step.state);
    invariant(step.state.paid_units >= state.paid_units && step.state.epoch >= state.epoch, 'payments and epochs only grow');
  }
  return step;
}

function apply(s: ContractState, event: ContractEvent, now_ms: number, hash: Sha256): ContractStep {
  if (s.phase === 'Ended') return { ok: false, rejection: 'contract_ended' };
  switch (event.type) {
    case 'challenge': return challenge(s, event, now_ms);
    case 'answer': return answer(s, event, now_ms, hash);
    case 'tick': return s.challenge && now_ms > s.challenge.deadline_ms ? miss(s) : { ok: true, state: s, effects: [] };
    case 'verifier_restarted': return restarted(s, event.down_since_ms, now_ms);
    default: return { ok: false, rejection: 'bad_event' };
  }
}

function challenge(s: ContractState, e: Extract<ContractEvent, { type: 'challenge' }>, now_ms: number): ContractStep {
  if (s.phase !== 'WaitingForEpoch') return { ok: false, rejection: 'not_waiting_for_epoch' };
  if (e.epoch !== s.epoch) return { ok: false, rejection: 'wrong_epoch' };
  if (now_ms < epochStartMs(s.terms, s.epoch)) return { ok: false, rejection: 'too_early' };
  if (!revealMatches(s.commit, e.beacon_secret)) return { ok: false, rejection: 'bad_reveal' };
  if (!isHash(e.next_commit)) return { ok: false, rejection: 'bad_commit' };
  const t = s.terms;
  const indexes = answerIndexes(challengeIndexes(e.beacon_secret, t.contract_id, s.epoch, leafCount(t), t.leaves_per_challenge));
  // A late start (the verifier was down) still gives the full window: the provider is never short-changed.
  const deadline_ms = now_ms + t.answer_window_ms;
  return {
    ok: true,
    state: { ...s, phase: 'WaitingForAnswer', commit: e.next_commit, challenge: { epoch: s.epoch, indexes, deadline_ms } },
    effects: [{ type: 'challenge_issued', epoch: s.epoch, indexes, deadline_ms }],
  };
}

function answer(s: ContractState, e: Extract<ContractEvent, { type: 'answer' }>, now_ms: number, hash: Sha256): ContractStep {
  const c = s.challenge;
  if (s.phase !== 'WaitingForAnswer' || !c) return { ok: false, rejection: 'not_waiting_for_answer' };
  // A proof for an earlier epoch (stale) or a later one is refused before any hashing.
  if (e.epoch !== c.epoch) return { ok: false, rejection: 'wrong_epoch' };
  if (now_ms > c.deadline_ms) return { ok: false, rejection: 'late_answer' };
  if (!Array.isArray(e.proofs) || e.proofs.length !== c.indexes.length) return { ok: false, rejection: 'wrong_proof_count' };
  for (let k = 0; k < c.indexes.length; k++) {
    const proof = e.proofs[k];
    if (typeof proof !== 'object' || proof === null || proof.index !== c.indexes[k]) return { ok: false, rejection: 'wrong_index', detail: `proof ${k}` };
    const verdict = verifyLeaf(s.terms.root, s.terms, proof, hash);
    if (verdict !== 'ok') return { ok: false, rejection: 'bad_proof', detail: `leaf ${proof.index}: ${verdict}` };
  }
  const price = s.terms.price_units_per_epoch;
  const paid: ContractState = {
    ...s, phase: 'WaitingForEpoch', epoch: s.epoch + 1, challenge: null, escrow_units: s.escrow_units - price,
    paid_units: s.paid_units + price, passed_epochs: s.passed_epochs + 1,
  };
  const effects: ContractEffect[] = [{ type: 'pay_provider', epoch: c.epoch, units: price, reason: 'proof_accepted' }];
  return finishIfLast(paid, effects);
}

/** The deadline passed without a valid answer: the epoch pays nothing, its price goes back, and the miss is graded. */
function miss(s: ContractState): ContractStep {
  const t = s.terms;
  const epoch = s.epoch;
  const price = t.price_units_per_epoch;
  const recent_misses = [...s.recent_misses.filter((m) => m > epoch - MISS_WINDOW_EPOCHS), epoch];
  const n = recent_misses.length;
  let next: ContractState = {
    ...s, phase: 'WaitingForEpoch', epoch: epoch + 1, challenge: null, escrow_units: s.escrow_units - price,
    refunded_units: s.refunded_units + price, missed_epochs: s.missed_epochs + 1, recent_misses,
  };
  const effects: ContractEffect[] = [{ type: 'refund_requester', epoch, units: price, reason: 'epoch_missed' }];
  if (n >= END_AFTER_MISSES) {
    const slashed = next.collateral_units;
    const rest = next.escrow_units;
    next = {
      ...next, phase: 'Ended', end_reason: 'too_many_misses', collateral_units: 0n, slashed_units: next.slashed_units + slashed,
      escrow_units: 0n, refunded_units: next.refunded_units + rest,
    };
    effects.push({ type: 'slash_collateral', epoch, units: slashed, reason: 'too_many_misses', misses_in_window: n });
    if (rest > 0n) effects.push({ type: 'refund_requester', epoch, units: rest, reason: 'ended_early' });
    effects.push({ type: 'contract_ended', reason: 'too_many_misses' });
    return { ok: true, state: next, effects };
  }
  if (n === 1) {
    effects.push({ type: 'warn_provider', epoch, reason: 'missed_epoch', misses_in_window: n });
  } else {
    const units = slashStep(t) < next.collateral_units ? slashStep(t) : next.collateral_units;
    next = { ...next, collateral_units: next.collateral_units - units, slashed_units: next.slashed_units + units };
    effects.push({ type: 'slash_collateral', epoch, units, reason: 'repeated_misses', misses_in_window: n });
  }
  return finishIfLast(next, effects);
}

/** After the last epoch is settled the contract ends and the provider gets back what collateral is left. */
function finishIfLast(s: ContractState, effects: ContractEffect[]): ContractStep {
  if (s.epoch < s.terms.epochs) return { ok: true, state: s, effects };
  const units = s.collateral_units;
  effects.push({ type: 'return_collateral', units, reason: 'completed' }, { type: 'contract_ended', reason: 'completed' });
  return {
    ok: true,
    state: { ...s, phase: 'Ended', end_reason: 'completed', collateral_units: 0n, returned_units: s.returned_units + units },
    effects,
  };
}

/** A window that was still open when the verifier went down is given again in full from now: nobody could answer. */
function restarted(s: ContractState, down_since_ms: number, now_ms: number): ContractStep {
  if (!Number.isSafeInteger(down_since_ms) || down_since_ms < 0 || down_since_ms > now_ms) return { ok: false, rejection: 'bad_event' };
  const c = s.challenge;
  if (!c || c.deadline_ms < down_since_ms) return { ok: true, state: s, effects: [] };
  const deadline_ms = Math.max(c.deadline_ms, now_ms + s.terms.answer_window_ms);
  if (deadline_ms === c.deadline_ms) return { ok: true, state: s, effects: [] };
  return {
    ok: true,
    state: { ...s, challenge: { ...c, deadline_ms } },
    effects: [{ type: 'deadline_extended', epoch: c.epoch, deadline_ms, reason: 'verifier_outage' }],
  };
}

// The storage contract machine, scenario by scenario: proven epochs are paid, a miss pays nothing and is graded
// (warning, slashes, end), old misses are forgiven, stale, forged, foreign and late answers are refused with their
// code and change nothing, a verifier outage never costs the provider an epoch, and records reload exactly.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  crankContract, END_AFTER_MISSES, epochStartMs, MISS_WINDOW_EPOCHS, openContract, slashStep, type ContractEffect,
  type ContractState, type ContractStep,
} from '../../src/protocol/storage-contract.ts';
import { contractFromJSON, contractToJSON } from '../../src/protocol/storage-contract-json.ts';
import { leavesPerChallenge } from '../../src/protocol/storage-challenge.ts';
import { Beacon, EPOCH_MS, open, Provider, replica, START_MS, terms, WINDOW_MS } from './storage-fixture.ts';

function ok(step: ContractStep): { state: ContractState; effects: readonly ContractEffect[] } {
  if (!step.ok) throw new Error(`rejected: ${step.rejection} ${step.detail ?? ''}`);
  return step;
}

const r = replica();
const beacon = new Beacon();

/** Challenges the current epoch at its start; answers honestly (or not) and settles it. */
function epoch(s: ContractState, provider: Provider | null): { state: ContractState; effects: ContractEffect[] } {
  const at = epochStartMs(s.terms, s.epoch);
  const challenged = ok(crankContract(s, beacon.challenge(s.epoch), at)).state;
  const indexes = challenged.challenge!.indexes;
  const step = provider
    ? crankContract(challenged, { type: 'answer', epoch: s.epoch, proofs: provider.proofs(indexes) }, at + 1)
    : crankContract(challenged, { type: 'tick' }, at + WINDOW_MS + 1);
  const { state, effects } = ok(step);
  return { state, effects: [...effects] };
}

describe('storage contract machine', () => {
  it('pays each proven epoch once and returns the collateral at the end', () => {
    let s = open(terms(r, { epochs: 3 }));
    const all: ContractEffect[] = [];
    for (let e = 0; e < 3; e++) {
      const step = epoch(s, new Provider(r));
      all.push(...step.effects);
      s = step.state;
    }
    expect(all).toEqual([
      { type: 'pay_provider', epoch: 0, units: 1_000n, reason: 'proof_accepted' },
      { type: 'pay_provider', epoch: 1, units: 1_000n, reason: 'proof_accepted' },
      { type: 'pay_provider', epoch: 2, units: 1_000n, reason: 'proof_accepted' },
      { type: 'return_collateral', units: 5_000n, reason: 'completed' },
      { type: 'contract_ended', reason: 'completed' },
    ]);
    expect(s).toMatchObject({ phase: 'Ended', end_reason: 'completed', paid_units: 3_000n, returned_units: 5_000n, escrow_units: 0n });
  });

  it('grades misses: a warning, then 10 % slashes, then the end with the rest slashed and the escrow refunded', () => {
    let s = open(terms(r, { epochs: 10 }));
    const kinds: string[][] = [];
    for (let e = 0; e < END_AFTER_MISSES; e++) {
      const step = epoch(s, null);
      kinds.push(step.effects.map((x) => `${x.type}${'reason' in x ? `:${x.reason}` : ''}${'units' in x ? `:${x.units}` : ''}`));
      s = step.state;
    }
    expect(slashStep(s.terms)).toBe(500n);
    expect(kinds).toEqual([
      ['refund_requester:epoch_missed:1000', 'warn_provider:missed_epoch'],
      ['refund_requester:epoch_missed:1000', 'slash_collateral:repeated_misses:500'],
      ['refund_requester:epoch_missed:1000', 'slash_collateral:repeated_misses:500'],
      ['refund_requester:epoch_missed:1000', 'slash_collateral:too_many_misses:4000', 'refund_requester:ended_early:6000', 'contract_ended:too_many_misses'],
    ]);
    expect(s).toMatchObject({ phase: 'Ended', end_reason: 'too_many_misses', paid_units: 0n, slashed_units: 5_000n, refunded_units: 10_000n });
    expect(crankContract(s, beacon.challenge(s.epoch), epochStartMs(s.terms, s.epoch))).toEqual({ ok: false, rejection: 'contract_ended' });
  });

  it('forgives misses older than the window: one outage per window is only ever a warning', () => {
    let s = open(terms(r, { epochs: 3 * MISS_WINDOW_EPOCHS }));
    const honest = new Provider(r);
    const effects: ContractEffect[] = [];
    while (s.phase !== 'Ended') {
      const step = epoch(s, s.epoch % MISS_WINDOW_EPOCHS === 0 ? null : honest);
      effects.push(...step.effects);
      s = step.state;
    }
    expect(effects.filter((e) => e.type === 'warn_provider')).toHaveLength(3);
    expect(effects.filter((e) => e.type === 'slash_collateral')).toHaveLength(0);
    expect(s).toMatchObject({ end_reason: 'completed', missed_epochs: 3, returned_units: 5_000n });
  });

  it('refuses early, forged-beacon, stale, late, foreign, forged and mis-sized answers without changing anything', () => {
    const t = terms(r);
    const s0 = open(t);
    expect(crankContract(s0, beacon.challenge(0), START_MS - 1)).toEqual({ ok: false, rejection: 'too_early' });
    expect(crankContract(s0, new Beacon('other').challenge(0), START_MS)).toEqual({ ok: false, rejection: 'bad_reveal' });
    expect(crankContract(s0, beacon.challenge(1), START_MS)).toEqual({ ok: false, rejection: 'wrong_epoch' });
    expect(crankContract(s0, { ...beacon.challenge(0), next_commit: new Uint8Array(3) } as never, START_MS)).toEqual({ ok: false, rejection: 'bad_commit' });
    expect(crankContract(s0, { type: 'answer', epoch: 0, proofs: [] }, START_MS)).toEqual({ ok: false, rejection: 'not_waiting_for_answer' });
    const c0 = ok(crankContract(s0, beacon.challenge(0), START_MS)).state;
    const stale = new Provider(r).proofs(c0.challenge!.indexes);
    const s1 = ok(crankContract(c0, { type: 'answer', epoch: 0, proofs: stale }, START_MS + 1)).state;
    const c = ok(crankContract(s1, beacon.challenge(1), epochStartMs(t, 1))).state;
    const indexes = c.challenge!.indexes;
    const honest = new Provider(r).proofs(indexes);
    const at = epochStartMs(t, 1) + 5;
    // Epoch 0's (valid, paid) answer replayed in epoch 1: stale, whether labelled epoch 0 or 1.
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: stale }, at).ok).toBe(false);
    expect(crankContract(c, { type: 'answer', epoch: 0, proofs: stale }, at)).toEqual({ ok: false, rejection: 'wrong_epoch' });
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: honest }, epochStartMs(t, 1) + WINDOW_MS + 1)).toEqual({ ok: false, rejection: 'late_answer' });
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: honest.slice(1) }, at)).toEqual({ ok: false, rejection: 'wrong_proof_count' });
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: [...honest].reverse() }, at)).toMatchObject({ ok: false, rejection: 'wrong_index' });
    const forged = honest.map((p, k) => (k === 0 ? { ...p, leaf: p.leaf.map((b) => b ^ 1) } : p));
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: forged }, at)).toEqual({ ok: false, rejection: 'bad_proof', detail: `leaf ${indexes[0]}: root_mismatch` });
    const short = honest.map((p, k) => (k === 0 ? { ...p, leaf: p.leaf.subarray(1) } : p));
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: short }, at)).toMatchObject({ ok: false, rejection: 'bad_proof', detail: `leaf ${indexes[0]}: bad_leaf_length` });
    // The same provider's proofs for another contract's file (another root): refused.
    const other = replica('another file');
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: new Provider(other).proofs(indexes) }, at)).toMatchObject({ ok: false, rejection: 'bad_proof' });
    // The check gives the same verdicts whichever SHA-256 the shell passes in (here node:crypto's).
    const native = (parts: readonly Uint8Array[]) => new Uint8Array(parts.reduce((h, p) => h.update(p), createHash('sha256')).digest());
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: forged }, at, native)).toEqual(crankContract(c, { type: 'answer', epoch: 1, proofs: forged }, at));
    expect(crankContract(c, { type: 'answer', epoch: 1, proofs: honest }, at, native)).toEqual(crankContract(c, { type: 'answer', epoch: 1, proofs: honest }, at));
    // The honest answer is paid once; replaying it changes nothing.
    const paid = ok(crankContract(c, { type: 'answer', epoch: 1, proofs: honest }, at)).state;
    expect(paid.paid_units).toBe(2_000n);
    expect(crankContract(paid, { type: 'answer', epoch: 1, proofs: honest }, at)).toEqual({ ok: false, rejection: 'not_waiting_for_answer' });
  });

  it('gives a window that fell in a verifier outage again in full, and only that one', () => {
    const t = terms(r);
    const c = ok(crankContract(open(t), beacon.challenge(0), START_MS)).state;
    const back = START_MS + 3 * WINDOW_MS;
    const step = ok(crankContract(c, { type: 'verifier_restarted', down_since_ms: START_MS + 10 }, back));
    expect(step.effects).toEqual([{ type: 'deadline_extended', epoch: 0, deadline_ms: back + WINDOW_MS, reason: 'verifier_outage' }]);
    expect(ok(crankContract(step.state, { type: 'tick' }, back + 1)).effects).toEqual([]);
    // Down only after the deadline had passed: the miss stands.
    const late = ok(crankContract(c, { type: 'verifier_restarted', down_since_ms: START_MS + WINDOW_MS + 1 }, back));
    expect(late.effects).toEqual([]);
    expect(ok(crankContract(late.state, { type: 'tick' }, back + 1)).effects[0]).toMatchObject({ type: 'refund_requester', reason: 'epoch_missed' });
    expect(crankContract(c, { type: 'verifier_restarted', down_since_ms: back + 1 }, back)).toEqual({ ok: false, rejection: 'bad_event' });
  });

  it('catches a provider missing 10 % of its leaves in about 99 % of epochs at 44 leaves per challenge', () => {
    const big = replica('big', 2_000 * 64);
    const lossy = new Provider(big);
    lossy.loseFraction(0.1, 3);
    const epochs = 400;
    let s = open(terms(big, { epochs, leaves_per_challenge: leavesPerChallenge(), collateral_units: 0n }));
    let paid = 0;
    for (let e = 0; e < epochs && s.phase !== 'Ended'; e++) {
      const at = epochStartMs(s.terms, e);
      const c = ok(crankContract(s, beacon.challenge(e), at)).state;
      const answered = crankContract(c, { type: 'answer', epoch: e, proofs: lossy.proofs(c.challenge!.indexes) }, at + 1);
      expect(answered.ok).toBe(lossy.canAnswer(c.challenge!.indexes));
      if (answered.ok) paid++;
      s = answered.ok ? answered.state : ok(crankContract(c, { type: 'tick' }, at + WINDOW_MS + 1)).state;
    }
    // Passing one epoch has probability 0.9^44 ≈ 0.97 %; the contract ends at its 4th miss in a window of 8.
    expect(s.end_reason).toBe('too_many_misses');
    expect(s.epoch).toBeLessThanOrEqual(12);
    expect(paid).toBeLessThanOrEqual(2);
  });

  it('refuses bad terms at open', () => {
    const t = terms(r);
    const c = beacon.commit(0);
    expect(openContract({ ...t, price_units_per_epoch: 0n }, c)).toEqual({ ok: false, reason: 'bad_price' });
    expect(openContract({ ...t, epochs: 0 }, c)).toEqual({ ok: false, reason: 'bad_epochs' });
    expect(openContract({ ...t, provider_key: t.requester_key }, c)).toEqual({ ok: false, reason: 'same_party' });
    expect(openContract({ ...t, size_bytes: 0 }, c)).toEqual({ ok: false, reason: 'bad_shape' });
    expect(openContract({ ...t, root: new Uint8Array(31) }, c)).toEqual({ ok: false, reason: 'bad_root' });
    expect(openContract({ ...t, collateral_units: -1n }, c)).toEqual({ ok: false, reason: 'bad_collateral' });
    expect(openContract({ ...t, answer_window_ms: EPOCH_MS + 1 }, c)).toEqual({ ok: false, reason: 'bad_timing' });
    expect(openContract({ ...t, leaves_per_challenge: 0 }, c)).toEqual({ ok: false, reason: 'bad_challenge_size' });
    expect(openContract({ ...t, price_units_per_epoch: 1n << 62n }, c)).toEqual({ ok: false, reason: 'escrow_too_large' });
    expect(openContract({ ...t, contract_id: 'has space' }, c)).toEqual({ ok: false, reason: 'bad_contract_id' });
    expect(openContract(t, new Uint8Array(5))).toEqual({ ok: false, reason: 'bad_commit' });
  });

  it('reloads a stored record exactly, and refuses one that was tampered with', () => {
    const c = ok(crankContract(epoch(open(terms(r)), null).state, beacon.challenge(1), epochStartMs(terms(r), 1))).state;
    const text = contractToJSON(c);
    expect(contractFromJSON(text)).toEqual({ ok: true, state: c });
    const record = JSON.parse(text) as Record<string, unknown>;
    for (const [field, value] of Object.entries({ paid_units: '1000', escrow_units: '999', passed_epochs: 1, phase: 'Ended', commit: 'zz', recent_misses: [5] })) {
      expect(contractFromJSON(JSON.stringify({ ...record, [field]: value })), field).toEqual({ ok: false, reason: 'bad_record' });
    }
    expect(contractFromJSON('{')).toEqual({ ok: false, reason: 'bad_record' });
    expect(contractFromJSON('x'.repeat(70_000))).toEqual({ ok: false, reason: 'bad_record' });
  });
});

// The storage contract machine under random runs: epochs challenged early, late or with a forged beacon; answers
// honest, tampered, stale, foreign, short or replayed; clock jumps; data loss; verifier crashes with the state
// stored and reloaded between steps. A model alongside checks that no missed epoch is ever paid, no epoch is paid
// twice, every valid on-time answer is paid, and escrow + collateral + payouts are conserved exactly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crankContract, epochStartMs, type ContractEvent, type ContractState } from '../../src/protocol/storage-contract.ts';
import { contractFromJSON, contractToJSON } from '../../src/protocol/storage-contract-json.ts';
import { Beacon, EPOCH_MS, open, Provider, replica, terms, WINDOW_MS } from './storage-fixture.ts';

type Action =
  | { kind: 'advance'; ms: number }
  | { kind: 'to_deadline'; offset_ms: number }
  | { kind: 'challenge'; forged: boolean; next_epoch: boolean }
  | { kind: 'answer'; mode: 'honest' | 'tamper' | 'stale' | 'short' | 'foreign' | 'replay' }
  | { kind: 'tick' }
  | { kind: 'crash'; down_ms: number }
  | { kind: 'lose'; fraction: number; seed: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: WINDOW_MS }), fc.integer({ min: 0, max: 2 * EPOCH_MS })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('to_deadline' as const), offset_ms: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('challenge' as const), forged: fc.boolean(), next_epoch: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('answer' as const), mode: fc.constantFrom('honest', 'honest', 'tamper', 'stale', 'short', 'foreign', 'replay') }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'tick' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), down_ms: fc.integer({ min: 0, max: 3 * WINDOW_MS }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lose' as const), fraction: fc.constantFrom(0.02, 0.1, 0.5), seed: fc.nat(100) }) },
);

/** What the runs exercised, summed over all of them: the property is only as good as what it reaches. */
const seen = { paid: 0, missed: 0, late_refused: 0, forged_refused: 0, extended: 0, reloaded: 0, slashed: 0, ended_early: 0 };

const r = replica();
const foreign = replica('someone else');

/** Drives one contract through `actions`, then to its end, checking the model after every step. */
function run(actions: Action[], epochs: number, collateral_units: bigint): void {
  const t = terms(r, { epochs, collateral_units });
  const beacon = new Beacon();
  const provider = new Provider(r);
  let s: ContractState = open(t, beacon);
  let now = t.start_ms;
  const held0 = s.escrow_units + s.collateral_units;
  let toRequester = 0n;
  let toProvider = 0n;
  const paid = new Set<number>();
  const missed = new Set<number>();
  let lastAccepted: ContractEvent | null = null;

  const step = (event: ContractEvent, expectOk: boolean | null): boolean => {
    const before = s;
    const result = crankContract(s, event, now);
    if (expectOk !== null) expect(result.ok, `${event.type} at ${now}: ${result.ok ? 'ok' : result.rejection}`).toBe(expectOk);
    if (!result.ok) return false;
    for (const e of result.effects) {
      if (e.type === 'deadline_extended') seen.extended++;
      if (e.type === 'slash_collateral') seen.slashed++;
      if (e.type === 'contract_ended' && e.reason === 'too_many_misses') seen.ended_early++;
      if (e.type === 'pay_provider') {
        seen.paid++;
        expect(event.type).toBe('answer');
        expect(paid.has(e.epoch) || missed.has(e.epoch), `epoch ${e.epoch} settled twice`).toBe(false);
        paid.add(e.epoch);
        toProvider += e.units;
      } else if (e.type === 'refund_requester') {
        if (e.reason === 'epoch_missed') {
          expect(paid.has(e.epoch) || missed.has(e.epoch), `epoch ${e.epoch} settled twice`).toBe(false);
          expect(before.challenge && now > before.challenge.deadline_ms).toBe(true);
          missed.add(e.epoch);
          seen.missed++;
        }
        toRequester += e.units;
      } else if (e.type === 'slash_collateral') toRequester += e.units;
      else if (e.type === 'return_collateral') toProvider += e.units;
    }
    s = result.state;
    expect(toRequester + toProvider + s.escrow_units + s.collateral_units).toBe(held0);
    expect(toProvider).toBe(s.paid_units + s.returned_units);
    expect(s.paid_units).toBe(t.price_units_per_epoch * BigInt(paid.size));
    return true;
  };

  const answerFor = (mode: Action & { kind: 'answer' }): { event: ContractEvent; valid: boolean } | null => {
    const c = s.challenge;
    if (mode.mode === 'replay') return lastAccepted ? { event: lastAccepted, valid: false } : null;
    if (!c) return { event: { type: 'answer', epoch: s.epoch, proofs: provider.proofs([0]) }, valid: false };
    const proofs = (mode.mode === 'foreign' ? new Provider(foreign) : provider).proofs(c.indexes);
    const onTime = now <= c.deadline_ms;
    switch (mode.mode) {
      case 'honest': return { event: { type: 'answer', epoch: c.epoch, proofs }, valid: onTime && provider.canAnswer(c.indexes) };
      case 'tamper': return { event: { type: 'answer', epoch: c.epoch, proofs: proofs.map((p, k) => (k === proofs.length - 1 ? { ...p, leaf: p.leaf.map((b) => b ^ 0x40) } : p)) }, valid: false };
      case 'stale': return { event: { type: 'answer', epoch: c.epoch - 1, proofs }, valid: false };
      case 'short': return { event: { type: 'answer', epoch: c.epoch, proofs: proofs.slice(1) }, valid: false };
      case 'foreign': return { event: { type: 'answer', epoch: c.epoch, proofs }, valid: false };
    }
  };

  for (const a of actions) {
    if (s.phase === 'Ended') break;
    if (a.kind === 'advance') now += a.ms;
    else if (a.kind === 'to_deadline') now = Math.max(now, (s.challenge?.deadline_ms ?? now) + a.offset_ms);
    else if (a.kind === 'tick') step({ type: 'tick' }, true);
    else if (a.kind === 'lose') provider.loseFraction(a.fraction, a.seed);
    else if (a.kind === 'challenge') {
      const epoch = s.epoch + (a.next_epoch ? 1 : 0);
      const event = a.forged ? new Beacon('forged').challenge(epoch) : beacon.challenge(epoch);
      step(event, !a.forged && !a.next_epoch && s.phase === 'WaitingForEpoch' && now >= epochStartMs(t, s.epoch));
    } else if (a.kind === 'answer') {
      const made = answerFor(a);
      if (made && step(made.event, made.valid)) lastAccepted = made.event;
      else if (made && s.challenge && now > s.challenge.deadline_ms && a.mode === 'honest') seen.late_refused++;
      else if (made && s.challenge && now <= s.challenge.deadline_ms && a.mode !== 'honest' && a.mode !== 'replay') seen.forged_refused++;
    } else {
      // Crash: the verifier stores its state, is down for a while, reloads it and says since when it was down.
      const reloaded = contractFromJSON(contractToJSON(s));
      expect(reloaded).toEqual({ ok: true, state: s });
      if (reloaded.ok) s = reloaded.state;
      seen.reloaded++;
      const down_since_ms = now;
      now += a.down_ms;
      const open_before = s.challenge;
      step({ type: 'verifier_restarted', down_since_ms }, true);
      // A window still open when the verifier went down is given again in full from its return.
      if (open_before && open_before.deadline_ms >= down_since_ms) expect(s.challenge!.deadline_ms).toBeGreaterThanOrEqual(now + WINDOW_MS);
      else expect(s.challenge).toEqual(open_before);
    }
  }
  // Then run every remaining epoch to the end: challenge at its start, answer honestly or time out.
  while (s.phase !== 'Ended') {
    now = Math.max(now, epochStartMs(t, s.epoch));
    if (s.phase === 'WaitingForEpoch') step(beacon.challenge(s.epoch), true);
    const c = s.challenge!;
    if (now <= c.deadline_ms && provider.canAnswer(c.indexes)) step({ type: 'answer', epoch: c.epoch, proofs: provider.proofs(c.indexes) }, true);
    else {
      now = Math.max(now, c.deadline_ms + 1);
      step({ type: 'tick' }, true);
    }
  }
  expect(s.escrow_units + s.collateral_units).toBe(0n);
  expect(toRequester + toProvider).toBe(held0);
  if (s.end_reason === 'completed') expect(paid.size + missed.size).toBe(epochs);
  for (const e of paid) expect(missed.has(e)).toBe(false);
}

describe('storage contract machine, random runs', () => {
  it('never pays a missed epoch, never pays twice, pays every valid on-time answer, conserves every unit', () => {
    fc.assert(fc.property(fc.array(action, { minLength: 5, maxLength: 80, size: 'max' }), fc.integer({ min: 1, max: 12 }), fc.bigInt({ min: 0n, max: 1n << 40n }),
      (actions, epochs, collateral) => run(actions, epochs, collateral)), { numRuns: 150 });
    // Every kind of outcome happened in some run (a property that never reaches a case proves nothing about it).
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0);
  });
});

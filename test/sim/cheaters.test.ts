// The cheater scenario through the real channel machines: a provider never has more than one piece unpaid per
// requester, a requester takes at most one corrupt piece from a provider, bans happen, and no money is made or lost.
import { describe, expect, it } from 'vitest';
import { runOne } from '../../src/sim/run.ts';
import { scenarioByName } from '../../src/sim/scenarios.ts';
import { Swarm } from '../../src/sim/swarm.ts';

describe('cheater scenario', () => {
  const config = scenarioByName('cheaters').config('test');

  it('bounds every provider’s unpaid exposure to one piece per requester', () => {
    const { summary } = runOne(config, 'cheaters');
    expect(summary.withheld_payments).toBeGreaterThan(0);
    expect(summary.payment_chokes).toBeGreaterThan(0);
    expect(summary.max_unpaid_pieces).toBe(1);
    for (const peer of summary.outcomes) expect(peer.max_unpaid_pieces).toBeLessThanOrEqual(1);
  });

  it('has requesters ban a provider after its first corrupt piece', () => {
    const { summary } = runOne(config, 'cheaters');
    expect(summary.bad_pieces).toBeGreaterThan(0);
    expect(summary.bans).toBeGreaterThan(0);
    expect(summary.max_bad_pieces_per_pair).toBe(1);
  });

  it('conserves money: every unit ends in a balance, nothing stays locked, earned equals spent', () => {
    const swarm = new Swarm(config).run();
    let initial = 0n;
    let final = 0n;
    let earned = 0n;
    let spent = 0n;
    for (const peer of swarm.peers) {
      initial += peer.spec.balance_units;
      final += peer.free_units;
      expect(peer.locked_units).toBe(0n);
      earned += peer.earned_units;
      spent += peer.spent_units;
    }
    expect(swarm.ledger.escrowUnits()).toBe(0n);
    expect(final).toBe(initial);
    expect(earned).toBe(spent);
    expect(spent).toBeGreaterThan(0n);
  });

  it('holds with real Ed25519 signatures on every payment', () => {
    const small = { ...config, signatures: 'real' as const, piece_count: 12, arrivals: { kind: 'flash' as const, count: 14, decay_ms: 600_000 } };
    const { summary } = runOne(small, 'real');
    expect(summary.paid_pieces).toBeGreaterThan(0);
    expect(summary.max_unpaid_pieces).toBeLessThanOrEqual(1);
  });
});

// The transfer timelines and the exchange forms' checks: no step is done before its source says so, a refusal and
// an expiry say nothing left, a queue shows its position and time; bad addresses and amounts are named.
import { TronWeb } from 'tronweb';
import { describe, expect, it } from 'vitest';
import type { DepositView, ExchangeInfo, WithdrawalView } from '../../../src/ui/exchange/exchange-api.ts';
import { depositTimeline, withdrawalTimeline, type LocalDeposit } from '../../../src/ui/exchange/timeline.ts';
import { checkDeposit, checkWithdrawal } from '../../../src/ui/exchange/validate.ts';

const BTT = 1_000_000n;
const TX = 'ab'.repeat(32);
const local = (over: Partial<LocalDeposit> = {}): LocalDeposit => ({ tx_id: TX, amount_units: 50n * BTT, broadcast: 'accepted', refusal: null, view: null, expires_at_ms: 1_000, ...over });
const view = (state: DepositView['state'], confirmations: number): DepositView => ({ tx_id: TX, amount_units: 50n * BTT, state, confirmations });
const w = (over: Partial<WithdrawalView>): WithdrawalView => ({
  id: 'cd'.repeat(32), to_address: 'T…', amount_units: 20n * BTT, state: 'queued', position: null, eta_ms: null, tx_id: null, confirmations: 0, reason: null, ...over,
});
const statuses = (steps: readonly { label: string; status: string }[]) => steps.map((s) => `${s.label}:${s.status}`);

describe('deposit timeline', () => {
  it('walks signed → broadcast → k/19 → credited, and says credited only when the exchange does', () => {
    expect(depositTimeline(local({ broadcast: 'sending' }), 19, 0).outcome).toBe('in_progress');
    const pool = depositTimeline(local({ view: view('broadcast', 0) }), 19, 0);
    expect(statuses(pool.steps)).toEqual(['Signed:done', 'Broadcast:done', 'Confirmations:current', 'Credited:waiting']);
    const seven = depositTimeline(local({ view: view('confirming', 7) }), 19, 0);
    expect(seven.steps[2]?.detail).toBe('7 of 19 confirmations');
    expect(seven.outcome).toBe('in_progress');
    // Even at 19 confirmations the deposit is not credited until the exchange says "credited".
    expect(depositTimeline(local({ view: view('confirming', 19) }), 19, 0).outcome).toBe('in_progress');
    const credited = depositTimeline(local({ view: view('credited', 19) }), 19, 0);
    expect(credited.outcome).toBe('credited');
    expect(statuses(credited.steps).every((s) => s.endsWith(':done'))).toBe(true);
  });

  it('a refused broadcast or an expired transaction fails and says nothing left the address', () => {
    const refused = depositTimeline(local({ broadcast: 'refused', refusal: 'SIGERROR' }), 19, 0);
    expect(refused.outcome).toBe('failed');
    expect(refused.steps[1]?.detail).toMatch(/SIGERROR.*Nothing left/);
    expect(depositTimeline(local({ view: null }), 19, 999).outcome).toBe('in_progress');
    const expired = depositTimeline(local({ view: null }), 19, 1_001);
    expect(expired.outcome).toBe('failed');
    expect(expired.steps.at(-1)?.detail).toMatch(/nothing left/);
  });
});

describe('withdrawal timeline', () => {
  const at = (ms: number) => `t=${ms}`;
  it('queued shows position and time; paying shows k/19; paid and refunded are final', () => {
    const queued = withdrawalTimeline(w({ state: 'queued', position: 2, eta_ms: 5_000 }), 19, at);
    expect(queued.outcome).toBe('queued');
    expect(queued.steps.find((s) => s.label === 'Queued')?.detail).toMatch(/^position 2 under the exchange's daily limit, paid from t=5000\./);
    const paying = withdrawalTimeline(w({ state: 'paying', tx_id: TX, confirmations: 4 }), 19, at);
    expect(paying.outcome).toBe('in_progress');
    expect(paying.steps.find((s) => s.label === 'Confirmations')?.detail).toBe('4 of 19 confirmations');
    expect(withdrawalTimeline(w({ state: 'completed', tx_id: TX }), 19, at).outcome).toBe('paid');
    const refunded = withdrawalTimeline(w({ state: 'refunded', reason: 'not paid on TRON before expiry' }), 19, at);
    expect(refunded.outcome).toBe('refunded');
    expect(refunded.steps.some((s) => s.label === 'Paid')).toBe(false);
    expect(withdrawalTimeline(w({ state: 'requested' }), 19, at).steps[1]?.status).toBe('current');
  });
});

describe('form checks', () => {
  const to = TronWeb.address.fromPrivateKey('44'.repeat(32)) as string;
  const hot = TronWeb.address.fromPrivateKey('55'.repeat(32)) as string;
  const info: ExchangeInfo = {
    hot_wallet: hot, token_id: '1002000', local_test_chain: true, required_confirmations: 19,
    daily_limit_units: 30n * BTT, limit_window_ms: 86_400_000, min_withdrawal_units: BTT, max_withdrawal_units: 30n * BTT,
  };
  it('deposit: a positive exact amount within the on-chain balance', () => {
    expect(checkDeposit('50', 1000n * BTT)).toEqual({ ok: true, amount_units: 50n * BTT });
    expect(checkDeposit('2.5', null)).toEqual({ ok: true, amount_units: 2_500_000n });
    for (const bad of ['', '0', '-1', 'abc', '1.0000001', '1e3']) expect(checkDeposit(bad, 1000n * BTT).ok).toBe(false);
    expect(checkDeposit('1001', 1000n * BTT)).toMatchObject({ ok: false, message: /holds 1,000 BTT/ });
  });
  it('withdrawal: checksum-verified address, not the exchange, amount within min, max and balance', () => {
    expect(checkWithdrawal(to, '20', 50n * BTT, info)).toEqual({ ok: true, amount_units: 20n * BTT });
    const typo = `${to.slice(0, 10)}${to[10] === 'a' ? 'b' : 'a'}${to.slice(11)}`;
    for (const bad of [typo, to.slice(1), `${to}1`, TronWeb.address.toHex(to), '', 'T'.repeat(34)]) expect(checkWithdrawal(bad, '20', 50n * BTT, info)).toMatchObject({ ok: false, field: 'address' });
    expect(checkWithdrawal(hot, '20', 50n * BTT, info)).toMatchObject({ ok: false, field: 'address' });
    expect(checkWithdrawal(to, '0.5', 50n * BTT, info)).toMatchObject({ ok: false, message: /smallest/ });
    expect(checkWithdrawal(to, '31', 50n * BTT, info)).toMatchObject({ ok: false, message: /largest.*daily limit/ });
    expect(checkWithdrawal(to, '20', 10n * BTT, info)).toMatchObject({ ok: false, message: /balance is 10 BTT/ });
  });
});

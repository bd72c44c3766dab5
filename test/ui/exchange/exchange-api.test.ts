// The app's reading of exchange answers: well-formed views pass through with exact bigint amounts; a malformed
// field (wrong state, id, amount, count) is refused as malformed_response instead of reaching the screens.
import { describe, expect, it } from 'vitest';
import { depositView, ExchangeApiError, withdrawalView } from '../../../src/ui/exchange/exchange-api.ts';

const W = {
  id: 'cd'.repeat(32), account: 'ef'.repeat(32), to_address_hex: `41${'00'.repeat(20)}`, to_address: 'TLsV52sRDL79HXGGm9yzwKibb6BeruhUzy', amount_units: '20000000',
  state: 'queued', position: 1, eta_ms: 1_700_000_000_000, tx_id: null, block_number: null, confirmations: 0, reason: null, required_confirmations: 19,
};
const D = { tx_id: 'ab'.repeat(32), account: 'ef'.repeat(32), amount_units: '50000000', state: 'confirming', block_number: 7, confirmations: 5, required_confirmations: 19 };

describe('exchange answers', () => {
  it('reads views with exact amounts', () => {
    expect(withdrawalView(W)).toMatchObject({ id: W.id, amount_units: 20_000_000n, state: 'queued', position: 1, eta_ms: W.eta_ms, tx_id: null });
    expect(depositView(D, 'confirmations')).toEqual({ tx_id: D.tx_id, amount_units: 50_000_000n, state: 'confirming', confirmations: 5 });
    expect(depositView({ ...D, state: 'credited', confirmations: undefined }, 'stored').confirmations).toBe(19);
  });

  it('refuses malformed fields', () => {
    const bad: Array<[Record<string, unknown>, 'w' | 'd']> = [
      [{ ...W, state: 'done' }, 'w'],
      [{ ...W, id: 'xyz' }, 'w'],
      [{ ...W, amount_units: '-5' }, 'w'],
      [{ ...W, amount_units: '1e9' }, 'w'],
      [{ ...W, position: -1 }, 'w'],
      [{ ...W, tx_id: 'short' }, 'w'],
      [{ ...W, reason: 'x'.repeat(1000) }, 'w'],
      [{ ...D, state: 'paid' }, 'd'],
      [{ ...D, tx_id: 'AB'.repeat(32) }, 'd'],
      [{ ...D, confirmations: 1.5 }, 'd'],
      [{ ...D, amount_units: 12.5 }, 'd'],
    ];
    for (const [json, kind] of bad) {
      const read = () => (kind === 'w' ? withdrawalView(json) : depositView(json, 'confirmations'));
      expect(read).toThrow(ExchangeApiError);
    }
  });
});

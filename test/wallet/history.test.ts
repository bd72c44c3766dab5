// The account history as a person reads it, from journal entries: signs, sentences, earned and spent totals.
import { describe, expect, it } from 'vitest';
import { earnedAndSpent, historyEntry } from '../../src/ui/ledger/history.ts';
import type { JournalEntryView } from '../../src/wallet/ledger-client.ts';

const ME = 'a'.repeat(64);
const PEER = 'b'.repeat(64);

function entry(seq: number, kind: string, fields: Record<string, string | number>): JournalEntryView {
  return { seq, at_ms: 1_700_000_000_000 + seq, kind, body: '', fields, prev_hash: '', hash: '', signature: '' };
}

describe('history', () => {
  it('reads airdrops, channel opens and closes from either side', () => {
    expect(historyEntry(ME, entry(1, 'airdrop', { account: ME, amount_units: '100000000' }))).toMatchObject({ kind: 'airdrop', amount_units: 100_000_000n });
    expect(historyEntry(ME, entry(2, 'channel_open', { payer: ME, payee: PEER, escrow_units: '5000000' }))).toMatchObject({ amount_units: -5_000_000n, counterparty: PEER });
    expect(historyEntry(ME, entry(3, 'channel_close', { payer: ME, payee: PEER, paid_units: '1500000', refund_units: '3500000' }))).toMatchObject({
      kind: 'channel_paid',
      amount_units: 3_500_000n,
      description: 'Paid 1.5 BTT for pieces; rest returned',
    });
    expect(historyEntry(PEER, entry(3, 'channel_close', { payer: ME, payee: PEER, paid_units: '1500000', refund_units: '3500000' }))).toMatchObject({ kind: 'channel_earned', amount_units: 1_500_000n });
    expect(historyEntry(ME, entry(4, 'transfer', { from: PEER, to: 'c'.repeat(64), amount_units: '1' }))).toBeNull();
    expect(historyEntry(ME, entry(5, 'channel_close', { payer: ME, payee: PEER, paid_units: 'garbage', refund_units: '1' }))).toMatchObject({ amount_units: 1n });
  });

  it('reads the exchange\'s entries: deposit, withdrawal held, paid, refunded', () => {
    const TX = 'ab'.repeat(32);
    expect(historyEntry(ME, entry(6, 'bridge_deposit', { account: ME, amount_units: '50000000', tx_id: TX }))).toMatchObject({ kind: 'deposit', amount_units: 50_000_000n, description: 'Deposited from TRON (tx ababababab…)' });
    expect(historyEntry(PEER, entry(6, 'bridge_deposit', { account: ME, amount_units: '50000000', tx_id: TX }))).toBeNull();
    expect(historyEntry(ME, entry(7, 'bridge_hold', { account: ME, amount_units: '20000000' }))).toMatchObject({ kind: 'withdrawal_hold', amount_units: -20_000_000n });
    expect(historyEntry(ME, entry(8, 'bridge_finalize', { account: ME, amount_units: '20000000', tx_id: TX }))).toMatchObject({ kind: 'withdrawal_paid', amount_units: 0n, description: 'Withdrawal of 20 BTT paid on TRON (tx ababababab…)' });
    expect(historyEntry(ME, entry(9, 'bridge_release', { account: ME, amount_units: '20000000', reason: 'not paid on TRON before expiry' }))).toMatchObject({
      kind: 'withdrawal_refund',
      amount_units: 20_000_000n,
      description: 'Withdrawal refunded: not paid on TRON before expiry',
    });
  });

  it('sums earned and spent over channel closes', () => {
    const entries = [
      entry(1, 'channel_close', { payer: ME, payee: PEER, paid_units: '2000000', refund_units: '0' }),
      entry(2, 'channel_close', { payer: PEER, payee: ME, paid_units: '750000', refund_units: '0' }),
      entry(3, 'airdrop', { account: ME, amount_units: '100000000' }),
    ];
    expect(earnedAndSpent(ME, entries)).toEqual({ earned_units: 750_000n, spent_units: 2_000_000n });
  });
});

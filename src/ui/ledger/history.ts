// Turns the ledger's journal entries for one account into what a person reads: a signed amount, a sentence, and
// the earned/spent totals (channel closes paid to or by this account). Pure, so it is tested without a ledger.
import { formatBtt, parseUnits, type Units } from '../../protocol/money.ts';
import type { JournalEntryView } from '../../wallet/ledger-client.ts';
import type { HistoryEntry } from './ledger-api.ts';

function amount(fields: Record<string, string | number>, name: string): Units {
  const value = fields[name];
  try {
    return typeof value === 'string' ? parseUnits(value) : 0n;
  } catch {
    return 0n;
  }
}

function text(fields: Record<string, string | number>, name: string): string | null {
  const value = fields[name];
  return typeof value === 'string' ? value : null;
}

/** A TRON txID shortened for a sentence. */
const tx = (fields: Record<string, string | number>) => `${(text(fields, 'tx_id') ?? '?').slice(0, 10)}…`;

/** One journal entry as seen by `me`; null for entries that do not concern it. */
export function historyEntry(me: string, entry: JournalEntryView): HistoryEntry | null {
  const f = entry.fields;
  const base = { seq: entry.seq, at_ms: entry.at_ms };
  switch (entry.kind) {
    case 'airdrop':
      return text(f, 'account') === me ? { ...base, kind: 'airdrop', amount_units: amount(f, 'amount_units'), counterparty: null, description: 'Airdrop' } : null;
    case 'transfer':
      if (text(f, 'from') === me) return { ...base, kind: 'transfer_out', amount_units: -amount(f, 'amount_units'), counterparty: text(f, 'to'), description: 'Sent' };
      if (text(f, 'to') === me) return { ...base, kind: 'transfer_in', amount_units: amount(f, 'amount_units'), counterparty: text(f, 'from'), description: 'Received' };
      return null;
    case 'channel_open':
      if (text(f, 'payer') === me) return { ...base, kind: 'channel_open', amount_units: -amount(f, 'escrow_units'), counterparty: text(f, 'payee'), description: 'Set aside for a peer (channel opened)' };
      if (text(f, 'payee') === me) return { ...base, kind: 'other', amount_units: 0n, counterparty: text(f, 'payer'), description: 'A peer opened a channel to pay you' };
      return null;
    case 'channel_close':
      if (text(f, 'payee') === me) return { ...base, kind: 'channel_earned', amount_units: amount(f, 'paid_units'), counterparty: text(f, 'payer'), description: 'Earned for seeding' };
      if (text(f, 'payer') === me) {
        return { ...base, kind: 'channel_paid', amount_units: amount(f, 'refund_units'), counterparty: text(f, 'payee'), description: `Paid ${formatBtt(amount(f, 'paid_units'))} BTT for pieces; rest returned` };
      }
      return null;
    // The exchange (docs/exchange.md): a deposit credited from TRON, a withdrawal held, then paid or refunded.
    case 'bridge_deposit':
      return text(f, 'account') === me ? { ...base, kind: 'deposit', amount_units: amount(f, 'amount_units'), counterparty: null, description: `Deposited from TRON (tx ${tx(f)})` } : null;
    case 'bridge_hold':
      return text(f, 'account') === me ? { ...base, kind: 'withdrawal_hold', amount_units: -amount(f, 'amount_units'), counterparty: null, description: 'Held for a withdrawal to TRON' } : null;
    case 'bridge_finalize':
      return text(f, 'account') === me ? { ...base, kind: 'withdrawal_paid', amount_units: 0n, counterparty: null, description: `Withdrawal of ${formatBtt(amount(f, 'amount_units'))} BTT paid on TRON (tx ${tx(f)})` } : null;
    case 'bridge_release':
      return text(f, 'account') === me ? { ...base, kind: 'withdrawal_refund', amount_units: amount(f, 'amount_units'), counterparty: null, description: `Withdrawal refunded: ${text(f, 'reason') ?? 'not paid'}` } : null;
    case 'channel_expire':
      return text(f, 'payer') === me ? { ...base, kind: 'channel_refund', amount_units: amount(f, 'refund_units'), counterparty: null, description: 'Channel expired; returned in full' } : null;
    default:
      return null;
  }
}

/** Earned = paid to `me` by channel closes; spent = paid by `me`. */
export function earnedAndSpent(me: string, entries: readonly JournalEntryView[]): { earned_units: Units; spent_units: Units } {
  let earned_units = 0n;
  let spent_units = 0n;
  for (const entry of entries) {
    if (entry.kind !== 'channel_close') continue;
    if (entry.fields.payee === me) earned_units += amount(entry.fields, 'paid_units');
    if (entry.fields.payer === me) spent_units += amount(entry.fields, 'paid_units');
  }
  return { earned_units, spent_units };
}

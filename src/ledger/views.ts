// The JSON shapes the API returns: 64-bit numbers as decimal strings, times in ms, a channel's time left derived.
// One place, so the HTTP routes, the OpenAPI document and the typed client agree.
import { parseBody } from './journal.ts';
import type { AccountRow, ChannelRow, JournalEntry } from './store.ts';

export interface AccountView {
  account_id: string;
  balance_units: string;
  escrow_units: string;
  nonce: string;
  airdropped: boolean;
  created_at_ms: number;
}

export interface ChannelView {
  channel_id: string;
  payer: string;
  payee: string;
  escrow_units: string;
  timeout_ms: number;
  /** The session the channel pays (every payment state on it is signed over this). */
  context: string;
  opened_at_ms: number;
  expires_at_ms: number;
  /** Time the payee has left to close; 0 once closed or expired. */
  remaining_ms: number;
  state: ChannelRow['state'];
  paid_units: string;
  refund_units: string;
  payment_seq: string | null;
  closed_at_ms: number | null;
}

export interface EntryView {
  seq: number;
  at_ms: number;
  kind: JournalEntry['kind'];
  /** The exact canonical JSON that was hashed (journal.ts), and the same parsed for convenience. */
  body: string;
  fields: Record<string, string | number>;
  prev_hash: string;
  hash: string;
  signature: string;
}

export function accountView(row: AccountRow): AccountView {
  return {
    account_id: row.id,
    balance_units: String(row.balance_units),
    escrow_units: String(row.escrow_units),
    nonce: String(row.nonce),
    airdropped: row.airdropped,
    created_at_ms: row.created_at_ms,
  };
}

export function channelView(row: ChannelRow, now_ms: number): ChannelView {
  return {
    channel_id: row.id,
    payer: row.payer,
    payee: row.payee,
    escrow_units: String(row.escrow_units),
    timeout_ms: row.timeout_ms,
    context: row.context,
    opened_at_ms: row.opened_at_ms,
    expires_at_ms: row.expires_at_ms,
    remaining_ms: row.state === 'open' ? Math.max(0, row.expires_at_ms - now_ms) : 0,
    state: row.state,
    paid_units: String(row.paid_units),
    refund_units: String(row.refund_units),
    payment_seq: row.payment_seq === null ? null : String(row.payment_seq),
    closed_at_ms: row.closed_at_ms,
  };
}

export function entryView(entry: JournalEntry): EntryView {
  const { kind: _kind, ...fields } = parseBody(entry);
  return {
    seq: entry.seq,
    at_ms: entry.at_ms,
    kind: entry.kind,
    body: entry.body,
    fields,
    prev_hash: entry.prev_hash,
    hash: entry.hash,
    signature: entry.signature,
  };
}

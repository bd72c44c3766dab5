// Rows of both ledger stores as the store's types. 64-bit columns arrive as text (pg) or bigint (better-sqlite3 in
// safe-integers mode) and become bigint here; booleans arrive as boolean (pg) or 0/1 (SQLite). Nothing passes
// through a float.
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { NO_CONTEXT, type ChannelId, type SessionContext } from '../protocol/payment-state.ts';
import type { AccountId, AccountRow, ChannelRow, JournalEntry } from './store.ts';

export type Raw = Record<string, unknown>;
export const int = (value: unknown): number => Number(value);
export const big = (value: unknown): bigint => BigInt(value as string | bigint);
export const intOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : int(value));

export function toAccount(r: Raw): AccountRow {
  return {
    id: r.id as AccountId,
    balance_units: big(r.balance_units),
    escrow_units: big(r.escrow_units),
    nonce: big(r.nonce),
    airdropped: r.airdropped === true || (typeof r.airdropped !== 'boolean' && int(r.airdropped) === 1),
    created_at_ms: int(r.created_at_ms),
  };
}

export function toChannel(r: Raw): ChannelRow {
  return {
    id: r.id as ChannelId,
    payer: r.payer as PublicKeyHex,
    payee: r.payee as PublicKeyHex,
    escrow_units: big(r.escrow_units),
    timeout_ms: int(r.timeout_ms),
    context: (r.context ?? NO_CONTEXT) as SessionContext,
    opened_at_ms: int(r.opened_at_ms),
    expires_at_ms: int(r.expires_at_ms),
    state: r.state as ChannelRow['state'],
    paid_units: big(r.paid_units),
    refund_units: big(r.refund_units),
    payment_seq: r.payment_seq === null || r.payment_seq === undefined ? null : big(r.payment_seq),
    closed_at_ms: intOrNull(r.closed_at_ms),
    open_seq: int(r.open_seq),
    close_seq: intOrNull(r.close_seq),
  };
}

export function toEntry(r: Raw): JournalEntry {
  return { ...(r as unknown as JournalEntry), seq: int(r.seq), at_ms: int(r.at_ms) };
}

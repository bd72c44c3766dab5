// The journal: every ledger change as an entry chained by SHA-256 to the previous one; the ledger key signs the chain
// head at every commit (the last entry of each transaction), which vouches for every entry before it. One signature
// per commit, not per entry: under load a transaction holds many entries and signing was a third of the CPU.
import { createHash } from 'node:crypto';
import type { LedgerKey } from './ledger-key.ts';
import type { AccountId, JournalEntry, JournalHead, JournalKind } from './store.ts';
import type { ChannelId } from '../protocol/payment-state.ts';

export const JOURNAL_DOMAIN = 'seedpay/journal/v1';
export const GENESIS_PREV_HASH = '0'.repeat(64);
export const EMPTY_HEAD: JournalHead = { seq: 0, hash: GENESIS_PREV_HASH };
const DOMAIN_BYTES = Buffer.from(`${JOURNAL_DOMAIN}\0`, 'utf8');

export type FieldValue = string | number;

/** Entries one signature may cover: a transaction holds at most this many (engine.ts MAX_BATCH_COMMANDS). */
export const MAX_UNSIGNED_RUN = 256;

/** What the domain decides to record; the journal adds seq, time, chain and (at commit) signature. */
export interface JournalEvent {
  readonly kind: JournalKind;
  readonly account_a: AccountId | null;
  readonly account_b: AccountId | null;
  readonly channel_id: ChannelId | null;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/** JSON with sorted keys and only strings and safe integers: one byte sequence per entry. */
export function canonicalJson(fields: Readonly<Record<string, FieldValue>>): string {
  const keys = Object.keys(fields).sort();
  const parts = keys.map((key) => {
    const value = fields[key];
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`journal field ${key}: not a safe integer`);
    if (typeof value !== 'number' && typeof value !== 'string') throw new TypeError(`journal field ${key}: not a string or number`);
    return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  });
  return `{${parts.join(',')}}`;
}

/** sha256(domain || prev_hash (32) || seq (u64 BE) || at_ms (u64 BE) || body utf8) */
export function entryHash(prev_hash: string, seq: number, at_ms: number, body: string): string {
  const numbers = Buffer.alloc(16);
  numbers.writeBigUInt64BE(BigInt(seq), 0);
  numbers.writeBigUInt64BE(BigInt(at_ms), 8);
  return createHash('sha256')
    .update(DOMAIN_BYTES)
    .update(Buffer.from(prev_hash, 'hex'))
    .update(numbers)
    .update(body, 'utf8')
    .digest('hex');
}

/** The next entry after `head`, unsigned (signature ''): `seal` signs the last one of a transaction. */
export function appendEntry(head: JournalHead, event: JournalEvent, at_ms: number): JournalEntry {
  if (!Number.isSafeInteger(at_ms) || at_ms < 0) throw new RangeError('at_ms: expected a non-negative safe integer');
  const seq = head.seq + 1;
  const body = canonicalJson({ ...event.fields, kind: event.kind });
  const hash = entryHash(head.hash, seq, at_ms, body);
  return {
    seq,
    at_ms,
    kind: event.kind,
    account_a: event.account_a,
    account_b: event.account_b,
    channel_id: event.channel_id,
    body,
    prev_hash: head.hash,
    hash,
    signature: '',
  };
}

/** Signs an entry's hash; through the chain the signature vouches for every entry before it too. */
export function seal(entry: JournalEntry, key: LedgerKey): JournalEntry {
  return { ...entry, signature: Buffer.from(key.sign(Buffer.from(entry.hash, 'hex'))).toString('hex') };
}

export type Verify = (signature: Uint8Array, message: Uint8Array) => boolean;

/**
 * Checks one entry against its predecessor: continuity, hash, and its signature if it carries one (the caller
 * checks that the head is signed). Returns a problem, or null if sound.
 */
export function checkEntry(entry: JournalEntry, previous: JournalHead, verify: Verify): string | null {
  if (entry.seq !== previous.seq + 1) return `entry ${entry.seq}: expected seq ${previous.seq + 1}`;
  if (entry.prev_hash !== previous.hash) return `entry ${entry.seq}: prev_hash does not match entry ${previous.seq}`;
  if (entryHash(entry.prev_hash, entry.seq, entry.at_ms, entry.body) !== entry.hash) return `entry ${entry.seq}: hash mismatch`;
  if (entry.signature === '') return null;
  if (!verify(Buffer.from(entry.signature, 'hex'), Buffer.from(entry.hash, 'hex'))) return `entry ${entry.seq}: bad ledger signature`;
  return null;
}

/** Parses an entry body back into its fields (for the audit replay and the history API). */
export function parseBody(entry: JournalEntry): Record<string, FieldValue> {
  const parsed: unknown = JSON.parse(entry.body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`entry ${entry.seq}: body is not an object`);
  return parsed as Record<string, FieldValue>;
}

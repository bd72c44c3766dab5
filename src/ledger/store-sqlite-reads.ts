// Reads for the embedded store: schema, row mapping and the read statements, usable on any connection, so the
// audit can read one consistent snapshot on its own connection while the writer goes on (WAL allows both).
import type Database from 'better-sqlite3';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { EMPTY_HEAD } from './journal.ts';
import type { AccountId, AccountRow, ChannelRow, JournalEntry, JournalHead, StoreReader, Totals } from './store.ts';
import { toContract, type ContractRow } from './storage-rows.ts';
import { CONTRACTS_HELD_SQL, SQLITE_STORAGE_SQL } from './storage-sql.ts';
export const SQLITE_FILE = 'ledger.sqlite';

export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  balance_units INTEGER NOT NULL CHECK (balance_units >= 0),
  escrow_units INTEGER NOT NULL CHECK (escrow_units >= 0),
  nonce INTEGER NOT NULL CHECK (nonce >= 0),
  airdropped INTEGER NOT NULL CHECK (airdropped IN (0, 1)),
  created_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS channels (
  id TEXT PRIMARY KEY,
  payer TEXT NOT NULL,
  payee TEXT NOT NULL,
  escrow_units INTEGER NOT NULL CHECK (escrow_units > 0),
  timeout_ms INTEGER NOT NULL,
  context TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
  opened_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'expired')),
  paid_units INTEGER NOT NULL CHECK (paid_units >= 0),
  refund_units INTEGER NOT NULL CHECK (refund_units >= 0),
  payment_seq TEXT,
  closed_at_ms INTEGER,
  open_seq INTEGER NOT NULL,
  close_seq INTEGER,
  CHECK (state = 'open' OR paid_units + refund_units = escrow_units)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS channels_open_by_expiry ON channels (expires_at_ms) WHERE state = 'open';
CREATE TABLE IF NOT EXISTS journal (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  account_a TEXT,
  account_b TEXT,
  channel_id TEXT,
  body TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  signature TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_by_account_a ON journal (account_a, seq) WHERE account_a IS NOT NULL;
CREATE INDEX IF NOT EXISTS journal_by_account_b ON journal (account_b, seq) WHERE account_b IS NOT NULL;
`;

import { big, int, toAccount, toChannel, toEntry, type Raw } from './store-rows.ts';

export type { Raw } from './store-rows.ts';

export const READ_SQL = {
  head: 'SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1',
  account: 'SELECT * FROM accounts WHERE id = ?',
  channel: 'SELECT * FROM channels WHERE id = ?',
  history: `SELECT * FROM journal WHERE seq IN (
      SELECT seq FROM journal WHERE account_a = @id AND seq < @before ORDER BY seq DESC LIMIT @limit)
    OR seq IN (SELECT seq FROM journal WHERE account_b = @id AND seq < @before ORDER BY seq DESC LIMIT @limit)
    ORDER BY seq DESC LIMIT @limit`,
  journal: 'SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?',
  accountsPage: 'SELECT * FROM accounts WHERE id > ? ORDER BY id LIMIT ?',
  channelsPage: 'SELECT * FROM channels WHERE id > ? ORDER BY id LIMIT ?',
  totals: `SELECT (SELECT coalesce(sum(balance_units), 0) FROM accounts) AS balance_units,
      (SELECT coalesce(sum(escrow_units), 0) FROM accounts) AS escrow_units,
      (SELECT count(*) FROM accounts) AS accounts,
      (SELECT count(*) FROM channels WHERE state = 'open') AS open_channels,
      (SELECT coalesce(sum(escrow_units), 0) FROM channels WHERE state = 'open') + (${CONTRACTS_HELD_SQL}) AS open_escrow_units`,
  expired: `SELECT id, payer FROM channels WHERE state = 'open' AND expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?`,
} as const;

export const WRITE_SQL = {
  putAccount: `INSERT INTO accounts (id, balance_units, escrow_units, nonce, airdropped, created_at_ms)
    VALUES (@id, @balance_units, @escrow_units, @nonce, @airdropped, @created_at_ms)
    ON CONFLICT (id) DO UPDATE SET balance_units = excluded.balance_units, escrow_units = excluded.escrow_units,
      nonce = excluded.nonce, airdropped = excluded.airdropped`,
  putChannel: `INSERT INTO channels (id, payer, payee, escrow_units, timeout_ms, context, opened_at_ms, expires_at_ms, state,
      paid_units, refund_units, payment_seq, closed_at_ms, open_seq, close_seq)
    VALUES (@id, @payer, @payee, @escrow_units, @timeout_ms, @context, @opened_at_ms, @expires_at_ms, @state,
      @paid_units, @refund_units, @payment_seq, @closed_at_ms, @open_seq, @close_seq)
    ON CONFLICT (id) DO UPDATE SET state = excluded.state, paid_units = excluded.paid_units,
      refund_units = excluded.refund_units, payment_seq = excluded.payment_seq,
      closed_at_ms = excluded.closed_at_ms, close_seq = excluded.close_seq`,
  putEntry: `INSERT INTO journal (seq, at_ms, kind, account_a, account_b, channel_id, body, prev_hash, hash, signature)
    VALUES (@seq, @at_ms, @kind, @account_a, @account_b, @channel_id, @body, @prev_hash, @hash, @signature)`,
} as const;

export class SqliteReads implements StoreReader {
  readonly #s;

  constructor(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      head: p(READ_SQL.head),
      account: p(READ_SQL.account),
      channel: p(READ_SQL.channel),
      history: p(READ_SQL.history),
      journal: p(READ_SQL.journal),
      accountsPage: p(READ_SQL.accountsPage),
      channelsPage: p(READ_SQL.channelsPage),
      totals: p(READ_SQL.totals),
      expired: p(READ_SQL.expired),
      contract: p(SQLITE_STORAGE_SQL.contract),
      contractsPage: p(SQLITE_STORAGE_SQL.page),
      dueContracts: p(SQLITE_STORAGE_SQL.due),
      partyContracts: p(SQLITE_STORAGE_SQL.party),
    };
  }

  headSync(): JournalHead {
    const row = this.#s.head.get() as Raw | undefined;
    return row ? { seq: int(row.seq), hash: row.hash as string } : EMPTY_HEAD;
  }

  accountSync(id: AccountId): AccountRow | null {
    const row = this.#s.account.get(id) as Raw | undefined;
    return row ? toAccount(row) : null;
  }

  channelSync(id: ChannelId): ChannelRow | null {
    const row = this.#s.channel.get(id) as Raw | undefined;
    return row ? toChannel(row) : null;
  }

  async account(id: AccountId): Promise<AccountRow | null> {
    return this.accountSync(id);
  }

  async channel(id: ChannelId): Promise<ChannelRow | null> {
    return this.channelSync(id);
  }

  async history(account: AccountId, before_seq: number, limit: number): Promise<JournalEntry[]> {
    return (this.#s.history.all({ id: account, before: before_seq, limit }) as Raw[]).map(toEntry);
  }

  async journal(after_seq: number, limit: number): Promise<JournalEntry[]> {
    return (this.#s.journal.all(after_seq, limit) as Raw[]).map(toEntry);
  }

  async accountsPage(after_id: string, limit: number): Promise<AccountRow[]> {
    return (this.#s.accountsPage.all(after_id, limit) as Raw[]).map(toAccount);
  }

  async channelsPage(after_id: string, limit: number): Promise<ChannelRow[]> {
    return (this.#s.channelsPage.all(after_id, limit) as Raw[]).map(toChannel);
  }

  async totals(): Promise<Totals> {
    const r = this.#s.totals.get() as Raw;
    return {
      balance_units: big(r.balance_units),
      escrow_units: big(r.escrow_units),
      accounts: int(r.accounts),
      open_channels: int(r.open_channels),
      open_escrow_units: big(r.open_escrow_units),
    };
  }

  async expiredChannels(now_ms: number, limit: number): Promise<Array<{ id: ChannelId; payer: PublicKeyHex }>> {
    return (this.#s.expired.all(now_ms, limit) as Raw[]).map((r) => ({ id: r.id as ChannelId, payer: r.payer as PublicKeyHex }));
  }

  async head(): Promise<JournalHead> {
    return this.headSync();
  }

  contractSync(id: string): ContractRow | null {
    const row = this.#s.contract.get(id) as Raw | undefined;
    return row ? toContract(row) : null;
  }

  async storageContract(id: string): Promise<ContractRow | null> {
    return this.contractSync(id);
  }

  async storageContractsPage(after_id: string, limit: number): Promise<ContractRow[]> {
    return (this.#s.contractsPage.all(after_id, limit) as Raw[]).map(toContract);
  }

  async partyStorageContracts(party: PublicKeyHex, after_id: string, limit: number): Promise<ContractRow[]> {
    return (this.#s.partyContracts.all({ party, after: after_id, limit }) as Raw[]).map(toContract);
  }

  async dueStorageContracts(now_ms: number, limit: number): Promise<ContractRow[]> {
    return (this.#s.dueContracts.all(now_ms, limit) as Raw[]).map(toContract);
  }
}

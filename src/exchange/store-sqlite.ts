// The exchange's tables on SQLite: exchange.sqlite beside the ledger's file, WAL with synchronous=FULL (durable on
// commit). The methods are synchronous underneath; the interface is async so PostgreSQL fits the same shape.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { toAttempt, toDeposit, toWithdrawal, type AttemptRow, type DepositRow, type ExchangeStore, type NewWithdrawal, type WithdrawalRow, type WithdrawalState, type WithdrawalUpdate } from './store.ts';

export const EXCHANGE_SQLITE_FILE = 'exchange.sqlite';
const BUSY_TIMEOUT_MS = 5_000;
type Raw = Record<string, unknown>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ex_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ex_deposits (
  tx_id TEXT PRIMARY KEY, account TEXT, tron_from TEXT NOT NULL, amount_units INTEGER NOT NULL CHECK (amount_units > 0),
  block_number INTEGER NOT NULL, state TEXT NOT NULL CHECK (state IN ('credited', 'unattributed')), at_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ex_deposits_by_account ON ex_deposits (account, at_ms);
CREATE TABLE IF NOT EXISTS ex_withdrawals (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, account TEXT NOT NULL, to_address_hex TEXT NOT NULL,
  amount_units INTEGER NOT NULL CHECK (amount_units > 0), nonce INTEGER NOT NULL, signature TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('requested', 'queued', 'paying', 'completed', 'refunded')),
  created_at_ms INTEGER NOT NULL, paid_window INTEGER, paid_tx_id TEXT, reason TEXT, settled_at_ms INTEGER
);
CREATE INDEX IF NOT EXISTS ex_withdrawals_by_state ON ex_withdrawals (state, seq);
CREATE INDEX IF NOT EXISTS ex_withdrawals_by_account ON ex_withdrawals (account, seq);
CREATE TABLE IF NOT EXISTS ex_attempts (
  tx_id TEXT PRIMARY KEY, withdrawal_id TEXT NOT NULL REFERENCES ex_withdrawals (id), signed_json TEXT NOT NULL,
  expiration_ms INTEGER NOT NULL, signed_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ex_attempts_by_withdrawal ON ex_attempts (withdrawal_id);
`;

/** Each method is one durable SQLite statement or transaction (WAL, synchronous=FULL). */
export class SqliteExchangeStore implements ExchangeStore {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;

  static open(dataDir: string): SqliteExchangeStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, EXCHANGE_SQLITE_FILE));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.defaultSafeIntegers(true);
    db.exec(SCHEMA);
    return new SqliteExchangeStore(db);
  }

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  async meta(key: string): Promise<string | null> {
    const row = this.#db.prepare('SELECT value FROM ex_meta WHERE key = ?').get(key) as Raw | undefined;
    return row ? String(row.value) : null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#db.prepare('INSERT INTO ex_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async deposit(tx_id: string): Promise<DepositRow | null> {
    const row = this.#db.prepare('SELECT * FROM ex_deposits WHERE tx_id = ?').get(tx_id) as Raw | undefined;
    return row ? toDeposit(row) : null;
  }

  async putDeposit(d: DepositRow): Promise<void> {
    this.#db
      .prepare(
        `INSERT INTO ex_deposits (tx_id, account, tron_from, amount_units, block_number, state, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tx_id) DO UPDATE SET state = excluded.state`,
      )
      .run(d.tx_id, d.account, d.tron_from, d.amount_units, d.block_number, d.state, d.at_ms);
  }

  async depositsOf(account: string, limit: number): Promise<DepositRow[]> {
    return (this.#db.prepare('SELECT * FROM ex_deposits WHERE account = ? ORDER BY at_ms DESC LIMIT ?').all(account, limit) as Raw[]).map(toDeposit);
  }

  async withdrawal(id: string): Promise<WithdrawalRow | null> {
    const row = this.#db.prepare('SELECT * FROM ex_withdrawals WHERE id = ?').get(id) as Raw | undefined;
    return row ? toWithdrawal(row) : null;
  }

  async insertWithdrawal(w: NewWithdrawal): Promise<boolean> {
    const result = this.#db
      .prepare(
        `INSERT INTO ex_withdrawals (id, account, to_address_hex, amount_units, nonce, signature, state, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, 'requested', ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(w.id, w.account, w.to_address_hex, w.amount_units, w.nonce, w.signature, w.created_at_ms);
    return result.changes === 1;
  }

  async deleteRequested(id: string): Promise<void> {
    this.#db.prepare("DELETE FROM ex_withdrawals WHERE id = ? AND state = 'requested'").run(id);
  }

  async setWithdrawal(id: string, state: WithdrawalState, extra: WithdrawalUpdate = {}): Promise<void> {
    this.#setWithdrawal(id, state, extra);
  }

  #setWithdrawal(id: string, state: WithdrawalState, extra: WithdrawalUpdate): void {
    this.#db
      .prepare(
        `UPDATE ex_withdrawals SET state = ?, paid_window = COALESCE(?, paid_window), paid_tx_id = COALESCE(?, paid_tx_id),
         reason = COALESCE(?, reason), settled_at_ms = COALESCE(?, settled_at_ms) WHERE id = ?`,
      )
      .run(state, extra.paid_window ?? null, extra.paid_tx_id ?? null, extra.reason ?? null, extra.settled_at_ms ?? null, id);
  }

  async withdrawalsIn(state: WithdrawalState, limit: number): Promise<WithdrawalRow[]> {
    return (this.#db.prepare('SELECT * FROM ex_withdrawals WHERE state = ? ORDER BY seq LIMIT ?').all(state, limit) as Raw[]).map(toWithdrawal);
  }

  async withdrawalsOf(account: string, limit: number): Promise<WithdrawalRow[]> {
    return (this.#db.prepare('SELECT * FROM ex_withdrawals WHERE account = ? ORDER BY seq DESC LIMIT ?').all(account, limit) as Raw[]).map(toWithdrawal);
  }

  async spentIn(window: number): Promise<bigint> {
    const row = this.#db.prepare('SELECT COALESCE(SUM(amount_units), 0) AS total FROM ex_withdrawals WHERE paid_window = ?').get(window) as Raw;
    return BigInt(row.total as bigint);
  }

  async addAttempt(a: AttemptRow, window: number | null): Promise<void> {
    this.#db.transaction(() => {
      this.#db
        .prepare('INSERT INTO ex_attempts (tx_id, withdrawal_id, signed_json, expiration_ms, signed_at_ms) VALUES (?, ?, ?, ?, ?)')
        .run(a.tx_id, a.withdrawal_id, a.signed_json, a.expiration_ms, a.signed_at_ms);
      if (window !== null) this.#setWithdrawal(a.withdrawal_id, 'paying', { paid_window: window });
    })();
  }

  async attemptsOf(withdrawal_id: string): Promise<AttemptRow[]> {
    return (this.#db.prepare('SELECT * FROM ex_attempts WHERE withdrawal_id = ? ORDER BY rowid').all(withdrawal_id) as Raw[]).map(toAttempt);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

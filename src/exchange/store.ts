// The exchange's own tables (exchange.sqlite beside the ledger's file): deposits seen on TRON, withdrawals with their
// queue order and limit window, and every signed payment attempt, written BEFORE it is broadcast (write-ahead), so a
// restart finds each transaction it may have sent. No ledger value lives here: the ledger is the truth for money.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const EXCHANGE_SQLITE_FILE = 'exchange.sqlite';
const BUSY_TIMEOUT_MS = 5_000;

export type DepositState = 'credited' | 'unattributed';
export type WithdrawalState = 'requested' | 'queued' | 'paying' | 'completed' | 'refunded';

export interface DepositRow {
  readonly tx_id: string;
  /** The ledger account named in the transfer's memo, or null when the memo names none (kept, never credited). */
  readonly account: string | null;
  readonly tron_from: string;
  readonly amount_units: bigint;
  readonly block_number: number;
  readonly state: DepositState;
  readonly at_ms: number;
}

export interface WithdrawalRow {
  readonly id: string;
  readonly account: string;
  readonly to_address_hex: string;
  readonly amount_units: bigint;
  readonly nonce: bigint;
  readonly signature: string;
  readonly state: WithdrawalState;
  /** Queue order: FIFO among queued withdrawals. */
  readonly seq: number;
  readonly created_at_ms: number;
  /** The limit window its payment counted against (set when first signed), or null before. */
  readonly paid_window: number | null;
  readonly paid_tx_id: string | null;
  readonly reason: string | null;
  readonly settled_at_ms: number | null;
}

export interface AttemptRow {
  readonly tx_id: string;
  readonly withdrawal_id: string;
  /** The signed transaction JSON, exactly as broadcast (and re-broadcast after a restart). */
  readonly signed_json: string;
  readonly expiration_ms: number;
  readonly signed_at_ms: number;
}

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

type Raw = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toWithdrawal(r: Raw): WithdrawalRow {
  return {
    id: String(r.id),
    account: String(r.account),
    to_address_hex: String(r.to_address_hex),
    amount_units: BigInt(r.amount_units as bigint),
    nonce: BigInt(r.nonce as bigint),
    signature: String(r.signature),
    state: r.state as WithdrawalState,
    seq: Number(r.seq),
    created_at_ms: Number(r.created_at_ms),
    paid_window: num(r.paid_window),
    paid_tx_id: r.paid_tx_id === null ? null : String(r.paid_tx_id),
    reason: r.reason === null ? null : String(r.reason),
    settled_at_ms: num(r.settled_at_ms),
  };
}

function toDeposit(r: Raw): DepositRow {
  return {
    tx_id: String(r.tx_id),
    account: r.account === null ? null : String(r.account),
    tron_from: String(r.tron_from),
    amount_units: BigInt(r.amount_units as bigint),
    block_number: Number(r.block_number),
    state: r.state as DepositState,
    at_ms: Number(r.at_ms),
  };
}

function toAttempt(r: Raw): AttemptRow {
  return { tx_id: String(r.tx_id), withdrawal_id: String(r.withdrawal_id), signed_json: String(r.signed_json), expiration_ms: Number(r.expiration_ms), signed_at_ms: Number(r.signed_at_ms) };
}

/** Each method is one durable SQLite statement or transaction (WAL, synchronous=FULL). */
export class ExchangeStore {
  readonly #db: Database.Database;

  static open(dataDir: string): ExchangeStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, EXCHANGE_SQLITE_FILE));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.defaultSafeIntegers(true);
    db.exec(SCHEMA);
    return new ExchangeStore(db);
  }

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  meta(key: string): string | null {
    const row = this.#db.prepare('SELECT value FROM ex_meta WHERE key = ?').get(key) as Raw | undefined;
    return row ? String(row.value) : null;
  }

  setMeta(key: string, value: string): void {
    this.#db.prepare('INSERT INTO ex_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  deposit(tx_id: string): DepositRow | null {
    const row = this.#db.prepare('SELECT * FROM ex_deposits WHERE tx_id = ?').get(tx_id) as Raw | undefined;
    return row ? toDeposit(row) : null;
  }

  putDeposit(d: DepositRow): void {
    this.#db
      .prepare(
        `INSERT INTO ex_deposits (tx_id, account, tron_from, amount_units, block_number, state, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tx_id) DO UPDATE SET state = excluded.state`,
      )
      .run(d.tx_id, d.account, d.tron_from, d.amount_units, d.block_number, d.state, d.at_ms);
  }

  depositsOf(account: string, limit: number): DepositRow[] {
    return (this.#db.prepare('SELECT * FROM ex_deposits WHERE account = ? ORDER BY at_ms DESC LIMIT ?').all(account, limit) as Raw[]).map(toDeposit);
  }

  withdrawal(id: string): WithdrawalRow | null {
    const row = this.#db.prepare('SELECT * FROM ex_withdrawals WHERE id = ?').get(id) as Raw | undefined;
    return row ? toWithdrawal(row) : null;
  }

  /** Inserts a new request; false if the id (account, nonce) is already known. */
  insertWithdrawal(w: Pick<WithdrawalRow, 'id' | 'account' | 'to_address_hex' | 'amount_units' | 'nonce' | 'signature' | 'created_at_ms'>): boolean {
    const result = this.#db
      .prepare(
        `INSERT INTO ex_withdrawals (id, account, to_address_hex, amount_units, nonce, signature, state, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, 'requested', ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(w.id, w.account, w.to_address_hex, w.amount_units, w.nonce, w.signature, w.created_at_ms);
    return result.changes === 1;
  }

  deleteRequested(id: string): void {
    this.#db.prepare("DELETE FROM ex_withdrawals WHERE id = ? AND state = 'requested'").run(id);
  }

  setWithdrawal(id: string, state: WithdrawalState, extra: { paid_window?: number; paid_tx_id?: string; reason?: string; settled_at_ms?: number } = {}): void {
    this.#db
      .prepare(
        `UPDATE ex_withdrawals SET state = ?, paid_window = COALESCE(?, paid_window), paid_tx_id = COALESCE(?, paid_tx_id),
         reason = COALESCE(?, reason), settled_at_ms = COALESCE(?, settled_at_ms) WHERE id = ?`,
      )
      .run(state, extra.paid_window ?? null, extra.paid_tx_id ?? null, extra.reason ?? null, extra.settled_at_ms ?? null, id);
  }

  withdrawalsIn(state: WithdrawalState, limit: number): WithdrawalRow[] {
    return (this.#db.prepare('SELECT * FROM ex_withdrawals WHERE state = ? ORDER BY seq LIMIT ?').all(state, limit) as Raw[]).map(toWithdrawal);
  }

  withdrawalsOf(account: string, limit: number): WithdrawalRow[] {
    return (this.#db.prepare('SELECT * FROM ex_withdrawals WHERE account = ? ORDER BY seq DESC LIMIT ?').all(account, limit) as Raw[]).map(toWithdrawal);
  }

  /** Units whose payment counted against limit window `window`. */
  spentIn(window: number): bigint {
    const row = this.#db.prepare('SELECT COALESCE(SUM(amount_units), 0) AS total FROM ex_withdrawals WHERE paid_window = ?').get(window) as Raw;
    return BigInt(row.total as bigint);
  }

  /** The first signed attempt also fixes the limit window: one transaction, so neither exists without the other. */
  addAttempt(a: AttemptRow, window: number | null): void {
    this.#db.transaction(() => {
      this.#db
        .prepare('INSERT INTO ex_attempts (tx_id, withdrawal_id, signed_json, expiration_ms, signed_at_ms) VALUES (?, ?, ?, ?, ?)')
        .run(a.tx_id, a.withdrawal_id, a.signed_json, a.expiration_ms, a.signed_at_ms);
      if (window !== null) this.setWithdrawal(a.withdrawal_id, 'paying', { paid_window: window });
    })();
  }

  attemptsOf(withdrawal_id: string): AttemptRow[] {
    return (this.#db.prepare('SELECT * FROM ex_attempts WHERE withdrawal_id = ? ORDER BY rowid').all(withdrawal_id) as Raw[]).map(toAttempt);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

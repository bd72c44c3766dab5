// The exchange's tables on PostgreSQL (exchange_* beside the ledger's tables when both share a database). One
// exchange process writes them (it holds the hot wallet's key); each method is one statement or one transaction.
import pg from 'pg';
import { toAttempt, toDeposit, toWithdrawal, type AttemptRow, type DepositRow, type ExchangeStore, type NewWithdrawal, type WithdrawalRow, type WithdrawalState, type WithdrawalUpdate } from './store.ts';

/** Connections: the exchange runs one tick or request at a time, so two cover a read beside a write. */
const POOL_SIZE = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS exchange_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS exchange_deposits (
  tx_id text PRIMARY KEY, account text, tron_from text NOT NULL, amount_units bigint NOT NULL CHECK (amount_units > 0),
  block_number bigint NOT NULL, state text NOT NULL CHECK (state IN ('credited', 'unattributed')), at_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS exchange_deposits_by_account ON exchange_deposits (account, at_ms);
CREATE TABLE IF NOT EXISTS exchange_withdrawals (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE, account text NOT NULL,
  to_address_hex text NOT NULL, amount_units bigint NOT NULL CHECK (amount_units > 0), nonce bigint NOT NULL,
  signature text NOT NULL, state text NOT NULL CHECK (state IN ('requested', 'queued', 'paying', 'completed', 'refunded')),
  created_at_ms bigint NOT NULL, paid_window bigint, paid_tx_id text, reason text, settled_at_ms bigint
);
CREATE INDEX IF NOT EXISTS exchange_withdrawals_by_state ON exchange_withdrawals (state, seq);
CREATE INDEX IF NOT EXISTS exchange_withdrawals_by_account ON exchange_withdrawals (account, seq);
CREATE TABLE IF NOT EXISTS exchange_attempts (
  n bigint GENERATED ALWAYS AS IDENTITY, tx_id text PRIMARY KEY, withdrawal_id text NOT NULL REFERENCES exchange_withdrawals (id),
  signed_json text NOT NULL, expiration_ms bigint NOT NULL, signed_at_ms bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS exchange_attempts_by_withdrawal ON exchange_attempts (withdrawal_id, n);
`;

const SET_WITHDRAWAL = `UPDATE exchange_withdrawals SET state = $1, paid_window = COALESCE($2, paid_window),
  paid_tx_id = COALESCE($3, paid_tx_id), reason = COALESCE($4, reason), settled_at_ms = COALESCE($5, settled_at_ms) WHERE id = $6`;

type Raw = Record<string, unknown>;

export class PostgresExchangeStore implements ExchangeStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #ready: Promise<void>;

  constructor(databaseUrl: string) {
    this.#pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
    this.#pool.on('error', () => {});
    this.#ready = this.#pool.query(SCHEMA).then(() => undefined);
    this.#ready.catch(() => undefined);
  }

  async #q(sql: string, params: unknown[] = []): Promise<Raw[]> {
    await this.#ready;
    return (await this.#pool.query(sql, params)).rows as Raw[];
  }

  async meta(key: string): Promise<string | null> {
    const [row] = await this.#q('SELECT value FROM exchange_meta WHERE key = $1', [key]);
    return row ? String(row.value) : null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#q('INSERT INTO exchange_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  async deposit(tx_id: string): Promise<DepositRow | null> {
    const [row] = await this.#q('SELECT * FROM exchange_deposits WHERE tx_id = $1', [tx_id]);
    return row ? toDeposit(row) : null;
  }

  async putDeposit(d: DepositRow): Promise<void> {
    await this.#q(
      `INSERT INTO exchange_deposits (tx_id, account, tron_from, amount_units, block_number, state, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tx_id) DO UPDATE SET state = excluded.state`,
      [d.tx_id, d.account, d.tron_from, String(d.amount_units), d.block_number, d.state, d.at_ms],
    );
  }

  async depositsOf(account: string, limit: number): Promise<DepositRow[]> {
    return (await this.#q('SELECT * FROM exchange_deposits WHERE account = $1 ORDER BY at_ms DESC LIMIT $2', [account, limit])).map(toDeposit);
  }

  async withdrawal(id: string): Promise<WithdrawalRow | null> {
    const [row] = await this.#q('SELECT * FROM exchange_withdrawals WHERE id = $1', [id]);
    return row ? toWithdrawal(row) : null;
  }

  async insertWithdrawal(w: NewWithdrawal): Promise<boolean> {
    const rows = await this.#q(
      `INSERT INTO exchange_withdrawals (id, account, to_address_hex, amount_units, nonce, signature, state, created_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, 'requested', $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [w.id, w.account, w.to_address_hex, String(w.amount_units), String(w.nonce), w.signature, w.created_at_ms],
    );
    return rows.length === 1;
  }

  async deleteRequested(id: string): Promise<void> {
    await this.#q("DELETE FROM exchange_withdrawals WHERE id = $1 AND state = 'requested'", [id]);
  }

  async setWithdrawal(id: string, state: WithdrawalState, extra: WithdrawalUpdate = {}): Promise<void> {
    await this.#q(SET_WITHDRAWAL, [state, extra.paid_window ?? null, extra.paid_tx_id ?? null, extra.reason ?? null, extra.settled_at_ms ?? null, id]);
  }

  async withdrawalsIn(state: WithdrawalState, limit: number): Promise<WithdrawalRow[]> {
    return (await this.#q('SELECT * FROM exchange_withdrawals WHERE state = $1 ORDER BY seq LIMIT $2', [state, limit])).map(toWithdrawal);
  }

  async withdrawalsOf(account: string, limit: number): Promise<WithdrawalRow[]> {
    return (await this.#q('SELECT * FROM exchange_withdrawals WHERE account = $1 ORDER BY seq DESC LIMIT $2', [account, limit])).map(toWithdrawal);
  }

  async spentIn(window: number): Promise<bigint> {
    const [row] = await this.#q('SELECT COALESCE(SUM(amount_units), 0)::text AS total FROM exchange_withdrawals WHERE paid_window = $1', [window]);
    return BigInt(String(row?.total ?? '0'));
  }

  async addAttempt(a: AttemptRow, window: number | null): Promise<void> {
    await this.#ready;
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO exchange_attempts (tx_id, withdrawal_id, signed_json, expiration_ms, signed_at_ms) VALUES ($1, $2, $3, $4, $5)', [
        a.tx_id,
        a.withdrawal_id,
        a.signed_json,
        a.expiration_ms,
        a.signed_at_ms,
      ]);
      if (window !== null) await client.query(SET_WITHDRAWAL, ['paying', window, null, null, null, a.withdrawal_id]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async attemptsOf(withdrawal_id: string): Promise<AttemptRow[]> {
    return (await this.#q('SELECT * FROM exchange_attempts WHERE withdrawal_id = $1 ORDER BY n', [withdrawal_id])).map(toAttempt);
  }

  async close(): Promise<void> {
    await this.#ready.catch(() => undefined);
    await this.#pool.end();
  }
}

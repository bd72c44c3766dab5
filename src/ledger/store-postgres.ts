// The PostgreSQL store (`pg`, used when DATABASE_URL is set): same rows and semantics as the SQLite store.
// Isolation: SERIALIZABLE plus explicit locks. Every write transaction first takes a table lock on ledger_head
// (before its snapshot) and locks the single head row FOR UPDATE (the journal must be appended serially for its hash
// chain), then loads the rows it decides on, so it sees every earlier commit; writers are serial even across processes. SERIALIZABLE and the retry on 40001/40P01
// (pg-retry.ts: the whole transaction, decision included, runs again) keep it correct on PostgreSQL-wire clusters
// such as CockroachDB and YugabyteDB, which may abort any transaction with 40001. CHECK constraints
// (balance >= 0, escrow >= 0, paid + refund = escrow) back the domain's checks. A batch costs 4 round trips:
// BEGIN, ledger_lock_load() (lock + load in one call), one combined upsert statement, COMMIT (durable: fsync on).
import pg from 'pg';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { EMPTY_HEAD } from './journal.ts';
import { backoffMs, isRetryable, MAX_TX_ATTEMPTS } from './pg-retry.ts';
import { int, PostgresReads, toAccount, toChannel, type Raw } from './store-postgres-reads.ts';
import { SCHEMA_SQL, WRITE_SQL } from './store-postgres-sql.ts';
import { toContract } from './storage-rows.ts';
import { POSTGRES_STORAGE_SCHEMA, POSTGRES_STORAGE_SQL } from './storage-sql.ts';
import type { AccountId, BatchKeys, BatchWrites, JournalHead, LoadedRows, Store, StoreReader } from './store.ts';

/** Read connections; writes use one dedicated connection because they are serial anyway. */
const READ_POOL_SIZE = 4;
/** Arbitrary constant naming the advisory lock that serializes schema creation and genesis across processes. */
const INIT_LOCK_KEY = 0x5eed_1ed6;

/** JSON-safe rows for the combined write: every 64-bit number travels as text. */
function writeParams(writes: BatchWrites): unknown[] {
  const text = (value: bigint | number | null) => (value === null ? null : String(value));
  const accounts = writes.accounts.map((a) => ({
    ...a,
    balance_units: text(a.balance_units),
    escrow_units: text(a.escrow_units),
    nonce: text(a.nonce),
    created_at_ms: text(a.created_at_ms),
  }));
  const channels = writes.channels.map((c) => ({
    ...c,
    escrow_units: text(c.escrow_units),
    paid_units: text(c.paid_units),
    refund_units: text(c.refund_units),
    payment_seq: text(c.payment_seq),
    timeout_ms: text(c.timeout_ms),
    opened_at_ms: text(c.opened_at_ms),
    expires_at_ms: text(c.expires_at_ms),
    closed_at_ms: text(c.closed_at_ms),
    open_seq: text(c.open_seq),
    close_seq: text(c.close_seq),
  }));
  const entries = writes.entries.map((e) => ({ ...e, seq: text(e.seq), at_ms: text(e.at_ms) }));
  const last = writes.entries.at(-1);
  return [JSON.stringify(accounts), JSON.stringify(channels), JSON.stringify(entries), last ? String(last.seq) : null, last?.hash ?? null];
}

export interface PostgresStoreOptions {
  /** Runs inside every write transaction just before COMMIT: tests inject serialization failures here. */
  beforeCommit?: (client: pg.PoolClient) => Promise<void>;
  /**
   * Writers queue on a table lock taken before their snapshot (default). False for PostgreSQL-wire clusters without
   * LOCK TABLE (CockroachDB): writers then meet at the head row and the 40001 retry orders them.
   */
  lockTable?: boolean;
}

const BEGIN_SQL = 'BEGIN ISOLATION LEVEL SERIALIZABLE';
/** Self-conflicting, and no conflict with the plain reads (ACCESS SHARE) of the read pool. */
const LOCK_WRITERS_SQL = 'LOCK TABLE ledger_head IN SHARE ROW EXCLUSIVE MODE';

export class PostgresStore extends PostgresReads implements Store {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #options: PostgresStoreOptions;
  #writer: Promise<pg.PoolClient> | null = null;
  /** Transactions run again after a 40001/40P01, since this store opened (for tests and diagnostics). */
  retries = 0;

  constructor(databaseUrl: string, options: PostgresStoreOptions = {}) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: READ_POOL_SIZE + 2 });
    super(pool);
    this.#pool = pool;
    this.#options = options;
    // An idle client losing its server must not crash the process; the next query reconnects.
    this.#pool.on('error', () => {});
  }

  #connectWriter(): Promise<pg.PoolClient> {
    this.#writer ??= this.#pool.connect().then((client) => {
      client.on('error', () => {
        this.#writer = null;
      });
      return client;
    });
    return this.#writer;
  }

  /** Runs `body` in one SERIALIZABLE transaction, again (bounded, with jitter) when the database asks for a retry. */
  async #inTransaction(body: (client: pg.PoolClient) => Promise<void>, lockWriters = this.#options.lockTable !== false): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(body, lockWriters);
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_TX_ATTEMPTS) throw error;
        this.retries++;
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      }
    }
  }

  /** One attempt on the writer connection; any error rolls back and drops a broken connection. */
  async #once(body: (client: pg.PoolClient) => Promise<void>, lockWriters: boolean): Promise<void> {
    const client = await this.#connectWriter();
    try {
      // The table lock comes before the transaction's first snapshot (LOCK is not a query): a writer that waited
      // for another process's writer then sees its commit, instead of failing 40001 at the head row's FOR UPDATE —
      // with two busy ledger processes, ten such failures in a row ended requests in a 500. Readers take no conflicting
      // lock. In the same round trip as BEGIN.
      await client.query(lockWriters ? `${BEGIN_SQL}; ${LOCK_WRITERS_SQL}` : BEGIN_SQL);
      await body(client);
      if (this.#options.beforeCommit) await this.#options.beforeCommit(client);
      await client.query('COMMIT');
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        this.#writer = null;
        client.release(true);
      }
      throw error;
    }
  }

  async #write(client: pg.PoolClient, writes: BatchWrites): Promise<void> {
    if (writes.accounts.length === 0 && writes.channels.length === 0 && writes.entries.length === 0) return;
    const result = await client.query(WRITE_SQL, writeParams(writes));
    const counts = result.rows[0] as Raw;
    const expected = [writes.accounts.length, writes.channels.length, writes.entries.length, writes.entries.length > 0 ? 1 : 0];
    const actual = [counts.accounts, counts.channels, counts.entries, counts.head].map(int);
    if (actual.join() !== expected.join()) throw new Error(`ledger write touched ${actual.join()} rows, expected ${expected.join()}`);
    const contracts = writes.contracts ?? [];
    if (contracts.length === 0) return;
    // A storage batch costs one more round trip; 64-bit numbers travel as text, as above.
    const rows = contracts.map((c) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, typeof v === 'bigint' || typeof v === 'number' ? String(v) : v])));
    const put = await client.query(POSTGRES_STORAGE_SQL.put, [JSON.stringify(rows)]);
    if (put.rowCount !== contracts.length) throw new Error(`storage write touched ${put.rowCount} rows, expected ${contracts.length}`);
  }

  async init(ledger_id: PublicKeyHex, genesis: () => BatchWrites): Promise<{ created: boolean }> {
    let created = false;
    await this.#inTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [INIT_LOCK_KEY]);
      await client.query(SCHEMA_SQL);
      await client.query(POSTGRES_STORAGE_SCHEMA);
      const stored = await client.query("SELECT value FROM ledger_meta WHERE key = 'ledger_id'");
      if (stored.rowCount) {
        const value = (stored.rows[0] as Raw).value;
        if (value !== ledger_id) throw new Error(`this database belongs to ledger ${String(value)}, not ${ledger_id}`);
        return;
      }
      await client.query("INSERT INTO ledger_meta (key, value) VALUES ('ledger_id', $1)", [ledger_id]);
      await client.query('INSERT INTO ledger_head (id, seq, hash) VALUES (1, $1, $2)', [EMPTY_HEAD.seq, EMPTY_HEAD.hash]);
      await this.#write(client, genesis());
      created = true;
    }, false); // the table may not exist yet: the init's own advisory lock serializes it
    return { created };
  }

  async transact(keys: BatchKeys, decide: (loaded: LoadedRows) => BatchWrites): Promise<void> {
    await this.#inTransaction(async (client) => {
      const result = await client.query('SELECT ledger_lock_load($1::text[], $2::text[]) AS x', [keys.account_ids, keys.channel_ids]);
      const x = (result.rows[0] as Raw).x as { head: Raw; accounts: Raw[]; channels: Raw[] };
      const accounts = new Map(x.accounts.map((r) => [r.id as AccountId, toAccount(r)]));
      const channels = new Map(x.channels.map((r) => [r.id as ChannelId, toChannel(r)]));
      const head: JournalHead = { seq: int(x.head.seq), hash: x.head.hash as string };
      const ids = keys.contract_ids ?? [];
      const loaded = ids.length > 0 ? ((await client.query(POSTGRES_STORAGE_SQL.load, [ids])).rows as Raw[]).map(toContract) : [];
      const contracts = new Map(loaded.map((r) => [r.id, r]));
      await this.#write(client, decide({ head, accounts, channels, contracts }));
    });
  }

  readSnapshot<T>(read: (reader: StoreReader) => Promise<T>): Promise<T> {
    return this.#pool.connect().then(async (client) => {
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const result = await read(new PostgresReads(client));
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        client.release(true);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    const writer = this.#writer;
    this.#writer = null;
    if (writer) (await writer.catch(() => null))?.release();
    await this.#pool.end();
  }
}

// The embedded store: better-sqlite3 on one file under dataDir, WAL with synchronous=FULL (durable on commit).
// Isolation: every write is one BEGIN IMMEDIATE transaction run synchronously from load to commit, so writes are
// serial (SERIALIZABLE in effect) and no read on this connection sees half a batch; the audit reads one snapshot on
// a second connection. Other processes on the same file wait for SQLite's write lock (busy_timeout). A writer
// thread for the commit was tried and measured slower on 2 cores: message passing cost more than the fsync it hid.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { SQLITE_FILE, SQLITE_SCHEMA, SqliteReads, WRITE_SQL, type Raw } from './store-sqlite-reads.ts';
import type { ContractRow } from './storage-rows.ts';
import { SQLITE_STORAGE_SCHEMA, SQLITE_STORAGE_SQL } from './storage-sql.ts';
import type { AccountId, AccountRow, BatchKeys, BatchWrites, ChannelRow, LoadedRows, Store, StoreReader } from './store.ts';

/** Waits this long for SQLite's file lock before failing a transaction. */
const BUSY_TIMEOUT_MS = 5_000;
/** Page cache: 32 MiB keeps the hot accounts, open channels and index pages in memory. */
const CACHE_KIB = 32 * 1024;
/** Checkpoint the WAL every 4,000 pages (16 MiB) rather than 1,000: fewer fsyncs of the main file under load. */
const WAL_AUTOCHECKPOINT_PAGES = 4_000;

function open(path: string, queryOnly: boolean): Database.Database {
  const db = new Database(path);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  if (queryOnly) db.pragma('query_only = ON');
  db.defaultSafeIntegers(true);
  return db;
}

export class SqliteStore extends SqliteReads implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #snapshotDb: Database.Database;
  readonly #snapshotReads: SqliteReads;
  #snapshotQueue: Promise<unknown> = Promise.resolve();
  readonly #s;

  static open(dataDir: string): SqliteStore {
    mkdirSync(dataDir, { recursive: true });
    const path = join(dataDir, SQLITE_FILE);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SQLITE_SCHEMA);
    db.exec(SQLITE_STORAGE_SCHEMA);
    // v2 payment states: a store from before the session context gains the column (old channels keep zeros).
    const columns = db.pragma('table_info(channels)') as Array<{ name: string }>;
    if (!columns.some((c) => c.name === 'context')) db.exec(`ALTER TABLE channels ADD COLUMN context TEXT NOT NULL DEFAULT '${'0'.repeat(64)}'`);
    db.close();
    return new SqliteStore(open(path, false), open(path, true));
  }

  private constructor(db: Database.Database, snapshotDb: Database.Database) {
    super(db);
    db.pragma('synchronous = FULL');
    db.pragma(`cache_size = -${CACHE_KIB}`);
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    this.#db = db;
    this.#snapshotDb = snapshotDb;
    this.#snapshotReads = new SqliteReads(snapshotDb);
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      meta: p('SELECT value FROM meta WHERE key = ?'),
      setMeta: p('INSERT INTO meta (key, value) VALUES (?, ?)'),
      putAccount: p(WRITE_SQL.putAccount),
      putChannel: p(WRITE_SQL.putChannel),
      putEntry: p(WRITE_SQL.putEntry),
      putContract: p(SQLITE_STORAGE_SQL.put),
    };
  }

  #write(writes: BatchWrites): void {
    for (const a of writes.accounts) this.#s.putAccount.run({ ...a, airdropped: a.airdropped ? 1 : 0 });
    for (const c of writes.channels) this.#s.putChannel.run({ ...c, payment_seq: c.payment_seq === null ? null : String(c.payment_seq) });
    for (const e of writes.entries) this.#s.putEntry.run(e);
    for (const c of writes.contracts ?? []) this.#s.putContract.run(c);
  }

  async init(ledger_id: PublicKeyHex, genesis: () => BatchWrites): Promise<{ created: boolean }> {
    const run = this.#db.transaction((): boolean => {
      const stored = this.#s.meta.get('ledger_id') as Raw | undefined;
      if (stored) {
        if (stored.value !== ledger_id) throw new Error(`this database belongs to ledger ${String(stored.value)}, not ${ledger_id}`);
        return false;
      }
      this.#s.setMeta.run('ledger_id', ledger_id);
      this.#write(genesis());
      return true;
    });
    return { created: run.immediate() };
  }

  async transact(keys: BatchKeys, decide: (loaded: LoadedRows) => BatchWrites): Promise<void> {
    const run = this.#db.transaction(() => {
      const accounts = new Map<AccountId, AccountRow>();
      const channels = new Map<ChannelId, ChannelRow>();
      const contracts = new Map<string, ContractRow>();
      for (const id of keys.account_ids) {
        const row = this.accountSync(id);
        if (row) accounts.set(id, row);
      }
      for (const id of keys.channel_ids) {
        const row = this.channelSync(id);
        if (row) channels.set(id, row);
      }
      for (const id of keys.contract_ids ?? []) {
        const row = this.contractSync(id);
        if (row) contracts.set(id, row);
      }
      this.#write(decide({ head: this.headSync(), accounts, channels, contracts }));
    });
    run.immediate();
  }

  /** Snapshots queue one behind another: the snapshot connection holds one read transaction at a time. */
  readSnapshot<T>(read: (reader: StoreReader) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.#snapshotDb.exec('BEGIN');
      try {
        this.#snapshotReads.headSync(); // the first read fixes the snapshot
        return await read(this.#snapshotReads);
      } finally {
        this.#snapshotDb.exec('COMMIT');
      }
    };
    const result = this.#snapshotQueue.then(run, run);
    this.#snapshotQueue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.#snapshotQueue;
    if (this.#snapshotDb.open) this.#snapshotDb.close();
    if (this.#db.open) this.#db.close();
  }
}

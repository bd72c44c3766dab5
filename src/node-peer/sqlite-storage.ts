// What a Node peer keeps across restarts, in one SQLite file in its profile (better-sqlite3): the same records the
// browser peer keeps in IndexedDB (persist.ts) — torrents with their verified bitfields, channel states of both roles.
// Writes are synchronous and committed before they return (WAL, synchronous=FULL), so a payer state is on disk
// before the payment leaves. The database is opened in exclusive locking mode: a second process on the same
// profile fails at start instead of fighting over channels.
import { deserialize, serialize } from 'node:v8';
import Database from 'better-sqlite3';
import { MAX_TORRENTS, isTorrentRecord, parseChannelRecord, type PeerStore, type TorrentRecord } from '../peer/host.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS torrents (info_hash TEXT PRIMARY KEY, record BLOB NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS channels (key TEXT PRIMARY KEY, json TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS data_dirs (info_hash TEXT PRIMARY KEY, dir TEXT NOT NULL) STRICT;
`;

export class SqlitePeerStore implements PeerStore {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating) the store; throws `busy` text if another process holds this profile. */
  static open(file: string): SqlitePeerStore {
    const db = new Database(file);
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA); // a write: takes the exclusive lock now, or fails if another process holds it
    } catch (error) {
      db.close();
      const busy = error instanceof Error && /locked|busy/i.test(error.message);
      throw new Error(busy ? `another Seedpay peer already runs on ${file}` : String(error));
    }
    return new SqlitePeerStore(db);
  }

  close(): void {
    this.#db.close();
  }

  loadTorrents(): Promise<TorrentRecord[]> {
    const valid: TorrentRecord[] = [];
    const rows = this.#db.prepare('SELECT info_hash, record FROM torrents').all() as Array<{ info_hash: string; record: Buffer }>;
    for (const row of rows) {
      const value = decode(row.record);
      if (isTorrentRecord(value) && value.info_hash === row.info_hash) valid.push(value);
      else this.#db.prepare('DELETE FROM torrents WHERE info_hash = ?').run(row.info_hash);
    }
    return Promise.resolve(valid.sort((a, b) => a.added_at_ms - b.added_at_ms).slice(0, MAX_TORRENTS));
  }

  saveTorrent(record: TorrentRecord): Promise<void> {
    this.#db.prepare('INSERT OR REPLACE INTO torrents (info_hash, record) VALUES (?, ?)').run(record.info_hash, serialize(record));
    return Promise.resolve();
  }

  updateTorrent(info_hash: string, patch: Partial<Pick<TorrentRecord, 'bitfield' | 'speed' | 'money'>>): Promise<void> {
    this.#db.transaction(() => {
      const row = this.#db.prepare('SELECT record FROM torrents WHERE info_hash = ?').get(info_hash) as { record: Buffer } | undefined;
      const value = row ? decode(row.record) : undefined;
      if (!isTorrentRecord(value)) return;
      this.#db.prepare('UPDATE torrents SET record = ? WHERE info_hash = ?').run(serialize({ ...value, ...patch }), info_hash);
    })();
    return Promise.resolve();
  }

  deleteTorrent(info_hash: string): Promise<void> {
    this.#db.prepare('DELETE FROM torrents WHERE info_hash = ?').run(info_hash);
    return Promise.resolve();
  }

  /** Where a torrent seeded in place keeps its files (null: downloaded into the profile). */
  dataDir(info_hash: string): string | null {
    const row = this.#db.prepare('SELECT dir FROM data_dirs WHERE info_hash = ?').get(info_hash) as { dir: string } | undefined;
    return row?.dir ?? null;
  }

  setDataDir(info_hash: string, dir: string | null): void {
    if (dir === null) this.#db.prepare('DELETE FROM data_dirs WHERE info_hash = ?').run(info_hash);
    else this.#db.prepare('INSERT OR REPLACE INTO data_dirs (info_hash, dir) VALUES (?, ?)').run(info_hash, dir);
  }

  loadChannel(key: string): Promise<unknown> {
    const row = this.#db.prepare('SELECT json FROM channels WHERE key = ?').get(key) as { json: string } | undefined;
    return Promise.resolve(parseChannelRecord(row?.json));
  }

  loadChannels(prefix: string): Promise<Array<[string, unknown]>> {
    const rows = this.#db
      .prepare("SELECT key, json FROM channels WHERE substr(key, 1, length(?)) = ? ORDER BY key")
      .all(prefix, prefix) as Array<{ key: string; json: string }>;
    const out: Array<[string, unknown]> = [];
    for (const row of rows) {
      const json = parseChannelRecord(row.json);
      if (json !== undefined) out.push([row.key, json]);
    }
    return Promise.resolve(out);
  }

  saveChannel(key: string, json: unknown): Promise<void> {
    this.#db.prepare('INSERT OR REPLACE INTO channels (key, json) VALUES (?, ?)').run(key, JSON.stringify(json));
    return Promise.resolve();
  }

  deleteChannel(key: string): Promise<void> {
    this.#db.prepare('DELETE FROM channels WHERE key = ?').run(key);
    return Promise.resolve();
  }
}

/** A stored torrent record, or undefined when its bytes do not deserialize (validated by the caller). */
function decode(bytes: Buffer): unknown {
  try {
    const value = deserialize(bytes) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    // v8 gives Node Buffers back for Uint8Arrays written from Buffers; the records hold plain Uint8Arrays.
    const r = value as Record<string, unknown>;
    for (const field of ['torrent_file', 'bitfield'] as const) {
      const v = r[field];
      if (v instanceof Uint8Array && v.constructor !== Uint8Array) r[field] = Uint8Array.from(v);
    }
    return r;
  } catch {
    return undefined;
  }
}

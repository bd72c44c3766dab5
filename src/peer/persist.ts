// What the peer keeps across reloads, in IndexedDB (idb-keyval): each torrent's metainfo, which pieces it has
// verified (so resume needs no rehash) and the payment channel states of both roles — the latter in the OPFS
// channel journal where the worker has sync access handles (channel-journal.ts), else in IndexedDB. Pieces live in
// OPFS (opfs-store.ts). Every record is validated when loaded: a record that fails is dropped, never trusted.
import { clear, createStore, del, entries, get, set, update, type UseStore } from 'idb-keyval';
import { ChannelJournal } from './channel-journal.ts';
import { MAX_TORRENT_FILE_BYTES, type PieceOrder } from './rpc-schema.ts';
import { RpcError } from './rpc.ts';

export interface TorrentRecord {
  readonly info_hash: string;
  readonly torrent_file: Uint8Array;
  /** webtorrent's verified-pieces bitfield, BEP 3 order; null until a piece verified. */
  readonly bitfield: Uint8Array | null;
  readonly speed: boolean;
  readonly added_at_ms: number;
  /** Bytes and money of this torrent (torrent-money.ts); absent in records from before it existed. */
  readonly money?: unknown;
  /** Which pieces it fetches first; absent (in order) in records from before it existed. */
  readonly order?: PieceOrder;
}

/** Most torrents one peer runs and keeps (the engine refuses more; a store holding more loads the oldest). */
export const MAX_TORRENTS = 200;
/** Channel records are small JSON objects (channel-*-json.ts); anything larger is corrupt. */
const MAX_CHANNEL_RECORD_CHARS = 2_000_000;

const INFO_HASH = /^[0-9a-f]{40}$/;

export function isTorrentRecord(value: unknown): value is TorrentRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.info_hash === 'string' && INFO_HASH.test(r.info_hash) &&
    r.torrent_file instanceof Uint8Array && r.torrent_file.length > 0 && r.torrent_file.length <= MAX_TORRENT_FILE_BYTES &&
    (r.bitfield === null || r.bitfield instanceof Uint8Array) &&
    typeof r.speed === 'boolean' &&
    typeof r.added_at_ms === 'number' && Number.isSafeInteger(r.added_at_ms) &&
    (r.money === undefined || (typeof r.money === 'object' && r.money !== null)) &&
    (r.order === undefined || r.order === 'in_order' || r.order === 'rarest_first')
  );
}

/** The peer's records wherever it runs: PeerStorage here (IndexedDB + OPFS journal), SQLite in a Node peer. */
export interface PeerStore {
  loadTorrents(): Promise<TorrentRecord[]>;
  saveTorrent(record: TorrentRecord): Promise<void>;
  updateTorrent(info_hash: string, patch: Partial<Pick<TorrentRecord, 'bitfield' | 'speed' | 'money'>>): Promise<void>;
  deleteTorrent(info_hash: string): Promise<void>;
  /** Channel states, as the JSON forms channel-payer-json.ts / channel-payee-json.ts define; undefined if absent or corrupt. */
  loadChannel(key: string): Promise<unknown>;
  loadChannels(prefix: string): Promise<Array<[string, unknown]>>;
  /** Resolves once the record is durable: a payer state is saved before its payment leaves. */
  saveChannel(key: string, json: unknown): Promise<void>;
  deleteChannel(key: string): Promise<void>;
}

export class PeerStorage implements PeerStore {
  readonly #torrents: UseStore;
  readonly #channels: UseStore;
  #journal: ChannelJournal | null = null;

  constructor(namespace: string) {
    this.#torrents = createStore(`seedpay-peer-${namespace}`, 'torrents');
    this.#channels = createStore(`seedpay-peer-${namespace}-channels`, 'channels');
  }

  async loadTorrents(): Promise<TorrentRecord[]> {
    const all = await entries<string, unknown>(this.#torrents);
    const valid: TorrentRecord[] = [];
    for (const [key, value] of all) {
      if (isTorrentRecord(value) && value.info_hash === key) valid.push(value);
      else await del(key, this.#torrents);
    }
    return valid.sort((a, b) => a.added_at_ms - b.added_at_ms).slice(0, MAX_TORRENTS);
  }

  saveTorrent(record: TorrentRecord): Promise<void> {
    if (!isTorrentRecord(record)) throw new Error('persist: invalid torrent record');
    return set(record.info_hash, record, this.#torrents);
  }

  /** Changes fields of a stored torrent in one IndexedDB transaction (bitfield saves and Speed toggles may race). */
  updateTorrent(info_hash: string, patch: Partial<Pick<TorrentRecord, 'bitfield' | 'speed' | 'money'>>): Promise<void> {
    return update<unknown>(info_hash, (record) => {
      if (!isTorrentRecord(record)) return record;
      return { ...record, ...patch, ...(patch.bitfield ? { bitfield: Uint8Array.from(patch.bitfield) } : {}) };
    }, this.#torrents);
  }

  deleteTorrent(info_hash: string): Promise<void> {
    return del(info_hash, this.#torrents);
  }

  /**
   * Moves channel records to the OPFS journal if this worker can open it (call once, before any channel record is
   * used). Records still in IndexedDB were written after the journal's last save (before it existed, or in a run
   * without it), so they replace the journal's and leave IndexedDB. Returns where channel records now live.
   */
  async openJournal(dir: FileSystemDirectoryHandle): Promise<'opfs-journal' | 'indexeddb'> {
    const journal = await ChannelJournal.openOpfs(dir);
    if (!journal) return 'indexeddb';
    try {
      const stale = await entries<string, unknown>(this.#channels);
      for (const [key, text] of stale) if (typeof text === 'string') journal.put(key, text);
      if (stale.length > 0) await clear(this.#channels);
    } catch (error) {
      journal.close();
      throw error;
    }
    this.#journal = journal;
    return 'opfs-journal';
  }

  closeJournal(): void {
    this.#journal?.close();
    this.#journal = null;
  }

  /** Channel states are stored as the JSON forms channel-payer-json.ts / channel-payee-json.ts define. */
  async loadChannel(key: string): Promise<unknown> {
    return parseChannelRecord(this.#journal ? this.#journal.get(key) : await get<unknown>(key, this.#channels));
  }

  async loadChannels(prefix: string): Promise<Array<[string, unknown]>> {
    const out: Array<[string, unknown]> = [];
    const all = this.#journal ? this.#journal.entries(prefix) : await entries<string, unknown>(this.#channels);
    for (const [key, text] of all) {
      const json = key.startsWith(prefix) ? parseChannelRecord(text) : undefined;
      if (json !== undefined) out.push([key, json]);
    }
    return out;
  }

  /** Resolves once the record is saved: in the journal, written before this returns (fsync follows within a second). */
  saveChannel(key: string, json: unknown): Promise<void> {
    if (!this.#journal) return set(key, JSON.stringify(json), this.#channels);
    try {
      this.#journal.put(key, JSON.stringify(json));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  deleteChannel(key: string): Promise<void> {
    if (!this.#journal) return del(key, this.#channels);
    this.#journal.delete(key);
    return Promise.resolve();
  }
}

/** A stored channel record's JSON, or undefined when it is missing, too large or corrupt. */
export function parseChannelRecord(text: unknown): unknown {
  if (typeof text !== 'string' || text.length > MAX_CHANNEL_RECORD_CHARS) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** One peer per namespace: a second tab would fight over the same OPFS files and channels. */
export async function lockNamespace(namespace: string): Promise<void> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return;
  const held = await new Promise<boolean>((resolve) => {
    void locks.request(`seedpay-peer-${namespace}`, { ifAvailable: true }, (lock) => {
      resolve(lock !== null);
      // Held for the worker's lifetime: the promise never settles while we run.
      return lock ? new Promise<void>(() => {}) : undefined;
    });
  });
  if (!held) throw new RpcError('busy', `another tab already runs the Seedpay peer (namespace "${namespace}")`);
}


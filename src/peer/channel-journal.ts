// The peer's channel records in an append-only journal of two OPFS files written through synchronous access handles
// (dedicated workers only): a save is one write into the file, well under a millisecond, so a payment is in the file
// (it survives the page's or the browser's death) before it leaves, without waiting for IndexedDB. Compaction copies
// the live records to the other file, then empties this one; replay (journal-frame.ts) takes the latest entry per key
// over both, so a crash at any point loses nothing. fsync (flush) follows within FLUSH_DELAY_MS, see there.
import { encodeEntry, replay, type JournalEntry } from './journal-frame.ts';

/** The subset of FileSystemSyncAccessHandle the journal uses (an in-memory one stands in for it in unit tests). */
export interface JournalFile {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

/** The journal's two files in a namespace's OPFS folder. */
export const JOURNAL_FILE_NAMES = ['channels.0.journal', 'channels.1.journal'] as const;
/** Compact once the active file is larger than this and than COMPACT_FACTOR × the live records. */
export const COMPACT_MIN_BYTES = 1024 * 1024;
const COMPACT_FACTOR = 4;
/**
 * A save's flush (fsync: what survives an OS crash or power loss too) comes at most this long after it, one per
 * interval: under load an fsync per save took 0.5–3.4 ms median, 8–21 ms p99 (npm run bench journal). IndexedDB's
 * default (relaxed) durability does not fsync each commit either. 0 flushes inside every save.
 */
export const FLUSH_DELAY_MS = 1000;
/** Most bytes of one journal file read at startup: compaction keeps files near their live size, far below this. */
const MAX_JOURNAL_FILE_BYTES = 256 * 1024 * 1024;

interface Live {
  readonly entry: JournalEntry;
  readonly bytes: number;
}

function readAll(file: JournalFile): Uint8Array {
  const out = new Uint8Array(Math.min(file.getSize(), MAX_JOURNAL_FILE_BYTES));
  const read = file.read(out, { at: 0 });
  return out.subarray(0, read);
}

export class ChannelJournal {
  readonly #files: readonly [JournalFile, JournalFile];
  #active: 0 | 1 = 0;
  #size = 0;
  #live = new Map<string, Live>();
  #live_bytes = 0;
  #next_seq: number;
  #closed = false;
  readonly #compact_min_bytes: number;
  readonly #flush_delay_ms: number;
  #flush_timer: ReturnType<typeof setTimeout> | null = null;

  /** Replays both files, then compacts into the smaller one (which holds a subset of the larger, see compact). */
  constructor(files: readonly [JournalFile, JournalFile], options: { compact_min_bytes?: number; flush_delay_ms?: number } = {}) {
    this.#files = files;
    this.#compact_min_bytes = options.compact_min_bytes ?? COMPACT_MIN_BYTES;
    this.#flush_delay_ms = options.flush_delay_ms ?? FLUSH_DELAY_MS;
    const contents = [readAll(files[0]), readAll(files[1])];
    const replayed = replay(contents);
    this.#next_seq = replayed.next_seq;
    for (const [key, entry] of replayed.live) this.#setLive(key, entry);
    const [v0 = 0, v1 = 0] = replayed.valid_bytes;
    this.#active = v0 < v1 ? 1 : 0;
    this.#compact();
  }

  /** Opens the journal of one OPFS folder, or null where sync access handles are missing (not a worker, old browser). */
  static async openOpfs(dir: FileSystemDirectoryHandle): Promise<ChannelJournal | null> {
    const handles: JournalFile[] = [];
    try {
      for (const name of JOURNAL_FILE_NAMES) {
        const file = (await dir.getFileHandle(name, { create: true })) as FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<JournalFile> };
        if (typeof file.createSyncAccessHandle !== 'function') break;
        handles.push(await file.createSyncAccessHandle());
      }
      const [a, b] = handles;
      if (a && b) return new ChannelJournal([a, b]);
    } catch {
      // no sync handles here (or the files are held elsewhere): the caller falls back to IndexedDB
    }
    for (const handle of handles) handle.close();
    return null;
  }

  get(key: string): string | undefined {
    return this.#live.get(key)?.entry.text ?? undefined;
  }

  entries(prefix: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [key, { entry }] of this.#live) if (key.startsWith(prefix) && entry.text !== null) out.push([key, entry.text]);
    return out;
  }

  /** Appends one record; when this returns it survives a crash of the page or the browser. Throws if it cannot. */
  put(key: string, text: string): void {
    this.#append({ seq: this.#next_seq, key, text });
  }

  delete(key: string): void {
    if (this.#live.has(key)) this.#append({ seq: this.#next_seq, key, text: null });
  }

  /** Bytes in the active file, and of the live records in it. */
  get sizes(): { file_bytes: number; live_bytes: number } {
    return { file_bytes: this.#size, live_bytes: this.#live_bytes };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#flush_timer !== null) clearTimeout(this.#flush_timer);
    for (const file of this.#files) {
      try {
        file.flush();
        file.close();
      } catch {
        // already closed by the browser (the worker is terminating)
      }
    }
  }

  #append(entry: JournalEntry): void {
    if (this.#closed) throw new Error('journal closed');
    const bytes = encodeEntry(entry);
    const file = this.#files[this.#active];
    const written = file.write(bytes, { at: this.#size });
    if (written !== bytes.length) {
      file.truncate(this.#size);
      throw new Error('journal: short write');
    }
    this.#size += bytes.length;
    this.#scheduleFlush();
    this.#next_seq = entry.seq + 1;
    if (entry.text === null) this.#deleteLive(entry.key);
    else this.#setLive(entry.key, entry, bytes.length);
    if (this.#size > this.#compact_min_bytes && this.#size > COMPACT_FACTOR * this.#live_bytes) this.#compact();
  }

  #scheduleFlush(): void {
    if (this.#flush_delay_ms <= 0) return this.#files[this.#active].flush();
    this.#flush_timer ??= setTimeout(() => {
      this.#flush_timer = null;
      if (this.#closed) return;
      try {
        this.#files[this.#active].flush();
      } catch {
        // the worker is going away; the bytes are in the file already
      }
    }, this.#flush_delay_ms);
  }

  /**
   * Writes the live records (their seqs unchanged) into the other file and flushes it, then empties this one. A
   * crash before the end leaves this file whole, and the other a subset of it; replay of both gives the same state.
   */
  #compact(): void {
    const target: 0 | 1 = this.#active === 0 ? 1 : 0;
    const to = this.#files[target];
    to.truncate(0);
    let at = 0;
    for (const { entry } of this.#live.values()) {
      const bytes = encodeEntry(entry);
      if (to.write(bytes, { at }) !== bytes.length) throw new Error('journal: short write while compacting');
      at += bytes.length;
    }
    to.flush();
    const from = this.#files[this.#active];
    from.truncate(0);
    from.flush();
    this.#active = target;
    this.#size = at;
  }

  #setLive(key: string, entry: JournalEntry, bytes = encodeEntry(entry).length): void {
    this.#deleteLive(key);
    this.#live.set(key, { entry, bytes });
    this.#live_bytes += bytes;
  }

  #deleteLive(key: string): void {
    const old = this.#live.get(key);
    if (!old) return;
    this.#live_bytes -= old.bytes;
    this.#live.delete(key);
  }
}

// Chunk store on the Origin Private File System through synchronous access handles (dedicated workers only): one
// file per torrent, piece i at i × pieceLength. Pieces go to disk as they verify, so a torrent of any size costs no
// memory beyond the piece in flight, and a reload finds them where they were (resume).
import type { ChunkCallback, ChunkStore, ChunkStoreConstructor, ChunkStoreOptions } from './webtorrent.ts';

/** OPFS folder of one peer namespace: `seedpay/<namespace>/<info hash>.pieces`. */
export const OPFS_ROOT_DIR = 'seedpay';
/** Largest read webtorrent asks for (a block) is 16 KiB; a whole piece is read for hashing; cap at 64 MiB. */
const MAX_READ_BYTES = 64 * 1024 * 1024;

interface SyncHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/** The OPFS folder of one peer namespace (created if missing). */
export async function namespaceDir(namespace: string): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  const app = await root.getDirectoryHandle(OPFS_ROOT_DIR, { create: true });
  return app.getDirectoryHandle(namespace, { create: true });
}

function fileName(infoHash: string): string {
  if (!/^[0-9a-f]{40}$/.test(infoHash)) throw new Error('chunk store: bad info hash');
  return `${infoHash}.pieces`;
}

/** Deletes a torrent's stored pieces (used when a torrent is removed with its data). */
export async function deleteStoredPieces(namespace: string, infoHash: string): Promise<void> {
  const dir = await namespaceDir(namespace);
  await dir.removeEntry(fileName(infoHash)).catch(() => {});
}

/** A store class bound to one namespace, in the shape webtorrent constructs: `new Store(pieceLength, opts)`. */
export function opfsChunkStore(namespace: string): ChunkStoreConstructor {
  return class OpfsChunkStore implements ChunkStore {
    readonly chunkLength: number;
    readonly #length: number;
    readonly #lastIndex: number;
    readonly #infoHash: string;
    readonly #ready: Promise<SyncHandle>;
    #handle: SyncHandle | null = null;
    #closed = false;

    constructor(chunkLength: number, options: ChunkStoreOptions) {
      if (!Number.isSafeInteger(chunkLength) || chunkLength <= 0) throw new Error('chunk store: bad chunk length');
      this.chunkLength = chunkLength;
      this.#length = options.length;
      this.#lastIndex = Math.ceil(options.length / chunkLength) - 1;
      this.#infoHash = options.torrent.infoHash;
      this.#ready = this.#open();
      this.#ready.catch(() => {});
    }

    async #open(): Promise<SyncHandle> {
      const dir = await namespaceDir(namespace);
      const file = await dir.getFileHandle(fileName(this.#infoHash), { create: true });
      const handle = (await (file as unknown as { createSyncAccessHandle(): Promise<SyncHandle> }).createSyncAccessHandle());
      if (this.#closed) {
        handle.close();
        throw new Error('chunk store closed');
      }
      this.#handle = handle;
      return handle;
    }

    #pieceLength(index: number): number {
      return index === this.#lastIndex ? this.#length - index * this.chunkLength : this.chunkLength;
    }

    #with(callback: (error: Error | null) => void, work: (handle: SyncHandle) => void): void {
      if (this.#closed) return queueMicrotask(() => callback(new Error('chunk store closed')));
      const run = (handle: SyncHandle) => {
        try {
          work(handle);
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)));
        }
      };
      if (this.#handle) run(this.#handle);
      else this.#ready.then(run, (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    }

    put(index: number, buffer: Uint8Array, callback: (error: Error | null) => void = () => {}): void {
      if (!Number.isSafeInteger(index) || index < 0 || index > this.#lastIndex || buffer.length !== this.#pieceLength(index)) {
        return queueMicrotask(() => callback(new Error(`chunk store: bad put of piece ${index}`)));
      }
      this.#with(callback, (handle) => {
        const written = handle.write(buffer, { at: index * this.chunkLength });
        if (written !== buffer.length) throw new Error('chunk store: short write');
        queueMicrotask(() => callback(null));
      });
    }

    get(index: number, options: { offset?: number; length?: number } | null | undefined, callback: ChunkCallback): void {
      if (typeof options === 'function') return this.get(index, null, options as ChunkCallback);
      const pieceLength = this.#pieceLength(index);
      const offset = options?.offset ?? 0;
      const length = options?.length ?? pieceLength - offset;
      if (!Number.isSafeInteger(index) || index < 0 || index > this.#lastIndex || offset < 0 || length < 0 ||
          offset + length > pieceLength || length > MAX_READ_BYTES) {
        return queueMicrotask(() => callback(new Error(`chunk store: bad get of piece ${index}`)));
      }
      this.#with(callback, (handle) => {
        const out = new Uint8Array(length);
        const read = handle.read(out, { at: index * this.chunkLength + offset });
        // Reading past the end of the file means the piece was never stored.
        if (read !== length) {
          const missing = Object.assign(new Error('chunk not found'), { notFound: true });
          return queueMicrotask(() => callback(missing));
        }
        queueMicrotask(() => callback(null, out));
      });
    }

    close(callback: (error: Error | null) => void = () => {}): void {
      if (this.#closed) return queueMicrotask(() => callback(null));
      this.#closed = true;
      const done = () => {
        try {
          this.#handle?.flush();
          this.#handle?.close();
        } catch {
          // already closed by the browser (e.g. the worker is terminating)
        }
        this.#handle = null;
        callback(null);
      };
      this.#ready.then(done, done);
    }

    destroy(callback: (error: Error | null) => void = () => {}): void {
      this.close(() => {
        deleteStoredPieces(namespace, this.#infoHash).then(() => callback(null), (error: unknown) =>
          callback(error instanceof Error ? error : new Error(String(error))));
      });
    }
  };
}

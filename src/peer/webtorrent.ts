// Typed face of webtorrent's browser build (dist/webtorrent.min.js ships no types): only what the worker uses.
// @ts-expect-error -- untyped ESM bundle; the interfaces below are its contract for this code base.
import WebTorrentBuild from 'webtorrent/dist/webtorrent.min.js';
import type { Wire } from './wire.ts';

export interface ChunkStoreOptions {
  torrent: { infoHash: string };
  length: number;
  name: string;
}

export type ChunkCallback = (error: Error | null, buffer?: Uint8Array) => void;

/** abstract-chunk-store, as webtorrent drives it. */
export interface ChunkStore {
  readonly chunkLength: number;
  put(index: number, buffer: Uint8Array, callback?: (error: Error | null) => void): void;
  get(index: number, options: { offset?: number; length?: number } | null | undefined, callback: ChunkCallback): void;
  close(callback?: (error: Error | null) => void): void;
  destroy(callback?: (error: Error | null) => void): void;
}

export type ChunkStoreConstructor = new (chunkLength: number, options: ChunkStoreOptions) => ChunkStore;

export interface TorrentFile {
  readonly name: string;
  readonly path: string;
  readonly length: number;
  readonly offset: number;
  readonly progress: number;
  arrayBuffer(options?: { start?: number; end?: number }): Promise<ArrayBuffer>;
  stream(options?: { start?: number; end?: number }): ReadableStream<Uint8Array>;
}

export interface Torrent {
  readonly infoHash: string;
  /** Piece selection: 'sequential' (webtorrent's default) or 'rarest'. */
  readonly strategy?: 'sequential' | 'rarest';
  readonly magnetURI: string;
  readonly torrentFile: Uint8Array;
  readonly name: string;
  readonly length: number;
  readonly pieceLength: number;
  readonly lastPieceLength: number;
  readonly pieces: ReadonlyArray<unknown>;
  readonly announce: string[];
  readonly files: TorrentFile[];
  readonly wires: Wire[];
  readonly bitfield: { buffer: Uint8Array; get(index: number): boolean };
  readonly ready: boolean;
  readonly done: boolean;
  readonly progress: number;
  readonly downloaded: number;
  readonly uploaded: number;
  readonly received: number;
  readonly downloadSpeed: number;
  readonly uploadSpeed: number;
  readonly numPeers: number;
  readonly destroyed: boolean;
  readonly paused: boolean;
  _rechoke(): void;
  /** Runs the piece picker over every wire (webtorrent runs it on wire events only). */
  _update(): void;
  _rechokeNumSlots: number;
  addPeer(peer: unknown): boolean;
  destroy(options?: { destroyStore?: boolean }, callback?: (error: Error | null) => void): void;
  on(event: 'wire', listener: (wire: Wire) => void): void;
  on(event: 'verified', listener: (index: number) => void): void;
  on(event: 'warning' | 'error', listener: (error: Error | string) => void): void;
  on(event: 'done' | 'ready' | 'metadata' | 'close' | 'infoHash', listener: () => void): void;
  once(event: 'done' | 'ready' | 'metadata' | 'close' | 'infoHash' | 'seed', listener: () => void): void;
  once(event: 'error', listener: (error: Error | string) => void): void;
  removeListener(event: string, listener: (...args: never[]) => void): void;
}

export interface AddOptions {
  announce?: string[];
  /** Node build: the folder its file-system store reads and writes under. */
  path?: string;
  store?: ChunkStoreConstructor;
  storeCacheSlots?: number;
  bitfield?: Uint8Array;
  skipVerify?: boolean;
  strategy?: 'sequential' | 'rarest';
  uploads?: number;
  private?: boolean;
  name?: string;
  pieceLength?: number;
  createdBy?: string;
  comment?: string;
}

export interface WebTorrentOptions {
  peerId?: string;
  tracker?: false | Record<string, unknown>;
  dht?: boolean;
  lsd?: boolean;
  utPex?: boolean;
  natUpnp?: boolean;
  natPmp?: boolean;
  webSeeds?: boolean;
  maxConns?: number;
}

export interface WebTorrentClient {
  readonly peerId: string;
  readonly torrents: Torrent[];
  add(torrentId: string | Uint8Array, options: AddOptions, onTorrent?: (torrent: Torrent) => void): Torrent;
  /** Files or blobs; in webtorrent's Node build also a file or folder path, seeded in place. */
  seed(input: File[] | Blob[] | string, options: AddOptions, onSeed?: (torrent: Torrent) => void): Torrent;
  get(torrentId: string): Promise<Torrent | null>;
  remove(torrentId: string | Torrent, options?: { destroyStore?: boolean }, callback?: (error: Error | null) => void): Promise<void>;
  destroy(callback?: (error: Error | null) => void): void;
  /** Bytes per second over every wire of every torrent; -1 removes the limit. */
  throttleUpload(rate: number): void;
  on(event: 'error' | 'warning', listener: (error: Error | string) => void): void;
}

export const WebTorrent = WebTorrentBuild as new (options?: WebTorrentOptions) => WebTorrentClient;

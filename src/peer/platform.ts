// What the peer engine needs from where it runs, so one engine (and Speed on it) serves both: the browser worker
// (platform-browser.ts: OPFS pieces, IndexedDB records, the UI thread signalling) and a Node process
// (src/node-peer/platform.ts: files, SQLite, webtorrent's Node build signalling for itself over WebRTC and TCP).
import type { PeerStore } from './persist.ts';
import type { AddOptions, WebTorrentClient } from './webtorrent.ts';

export interface PeerPlatform {
  /** Claims the namespace for this process (a second peer on it fails: `busy`) and opens its records. */
  open(namespace: string): Promise<{ readonly storage: PeerStore; readonly note: string }>;
  /** Where a torrent's pieces live: store options for webtorrent's add/seed (null: not known yet, e.g. a magnet). */
  addOptions(info_hash: string | null): AddOptions;
  createClient(): WebTorrentClient;
  deletePieces(namespace: string, info_hash: string): Promise<void>;
}

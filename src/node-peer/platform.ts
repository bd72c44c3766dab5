// The Node side of the peer engine (engine.ts's PeerPlatform): webtorrent's Node build, which speaks TCP and uTP to
// ordinary BitTorrent clients and WebRTC to browsers (@roamhq/wrtc, through its own tracker client: a Node peer
// signals for itself, there is no UI thread), pieces in plain files under the profile, records in SQLite.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import wrtc from '@roamhq/wrtc';
import type { PeerPlatform } from '../peer/host.ts';
import { SqlitePeerStore } from './sqlite-storage.ts';
import { NodeWebTorrent, type NodeWebTorrentClient } from './webtorrent-node.ts';

export interface NodePlatformOptions {
  /** Folder holding the peer's records (peer.sqlite) and pieces (pieces/<info hash>/). */
  readonly profile: string;
  /** TCP/uTP port for ordinary peers; 0 picks a free one. */
  readonly torrent_port: number;
  /** Browsers over WebRTC (through the WebSocket trackers); false leaves ws trackers unused. */
  readonly webrtc: boolean;
  /** uTP beside TCP for ordinary clients. */
  readonly utp: boolean;
}

export interface NodePlatform extends PeerPlatform {
  /** The webtorrent client, once the engine created it. */
  readonly client: () => NodeWebTorrentClient | null;
  /** A torrent seeded in place: its files are read from `dir` now and after every restart. */
  rememberDataDir(info_hash: string, dir: string): void;
  /** Whether a torrent's files are downloads in the profile (not files seeded in place, which are never deleted). */
  downloadedHere(info_hash: string): boolean;
  close(): void;
}

export function nodePlatform(options: NodePlatformOptions): NodePlatform {
  let store: SqlitePeerStore | null = null;
  let client: NodeWebTorrentClient | null = null;
  let namespace_ = '';
  const piecesDir = (namespace: string) => join(options.profile, 'pieces', namespace);
  return {
    client: () => client,
    open(namespace) {
      namespace_ = namespace;
      mkdirSync(piecesDir(namespace), { recursive: true });
      store = SqlitePeerStore.open(join(options.profile, `peer-${namespace}.sqlite`));
      return Promise.resolve({ storage: store, note: `records in ${options.profile}/peer-${namespace}.sqlite, downloads in ${piecesDir(namespace)}` });
    },
    addOptions(info_hash) {
      // Downloads go to the profile's folder, like any BitTorrent client's download folder; seeded files stay put.
      return { path: (info_hash ? store?.dataDir(info_hash) : null) ?? piecesDir(namespace_) };
    },
    rememberDataDir(info_hash, dir) {
      store?.setDataDir(info_hash, dir);
    },
    downloadedHere(info_hash) {
      return store !== null && store.dataDir(info_hash) === null;
    },
    createClient() {
      // The tracker client does the signalling (WebSocket trackers with wrtc; HTTP/UDP ones for TCP peers); DHT,
      // LSD and port mapping stay off: a provider announces where it is told to, on loopback in tests.
      client = new NodeWebTorrent({
        // wrtc false: bittorrent-tracker skips ws trackers, so no WebRTC peer is ever signalled.
        tracker: { wrtc: options.webrtc ? wrtc : false },
        utp: options.utp,
        dht: false,
        lsd: false,
        utPex: false,
        natUpnp: false,
        natPmp: false,
        torrentPort: options.torrent_port,
      });
      return client;
    },
    deletePieces() {
      // Nothing left to do: webtorrent's file store deletes what it downloaded when the torrent is destroyed with
      // its store. A Node peer never offers that for a torrent seeded in place (those are the user's own files).
      return Promise.resolve();
    },
    close() {
      store?.close();
      store = null;
    },
  };
}

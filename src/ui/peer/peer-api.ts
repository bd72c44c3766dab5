// The app's view of the peer (the WebTorrent worker): what the screens read and the commands they send. The peer's
// own RPC client is adapted to this in peer-adapter.ts, so views never depend on worker message shapes.
import type { Units } from '../../protocol/money.ts';
import type { PeerClient, TorrentInfo } from '../../peer/client.ts';

export type InfoHash = string & { readonly __brand: 'InfoHash' };

export type TorrentPhase = 'metadata' | 'downloading' | 'seeding' | 'paused' | 'error';

export interface TorrentSummary {
  readonly info_hash: InfoHash;
  readonly name: string;
  readonly magnet_uri: string;
  readonly phase: TorrentPhase;
  readonly error: string | null;
  readonly length_bytes: number;
  readonly downloaded_bytes: number;
  readonly uploaded_bytes: number;
  /** 0..1. */
  readonly progress: number;
  readonly down_bytes_per_s: number;
  readonly up_bytes_per_s: number;
  /** Seconds to completion at the current rate; null when unknown or done. */
  readonly eta_s: number | null;
  readonly peers: number;
  readonly speed_peers: number;
  /** Speed for this torrent (the global switch can still hold it off). */
  readonly speed_enabled: boolean;
  readonly paid_units: Units;
  readonly earned_units: Units;
  /** Downloaded bytes that were paid for, and those received free (legacy peers, optimistic slot). */
  readonly paid_bytes: number;
  readonly free_bytes: number;
}

export interface PeerSummary {
  readonly id: string;
  /** "ip:port" where the connection knows it; null for relayed WebRTC peers whose address stays on the UI side. */
  readonly address: string | null;
  /** A short tag from the peer id's random tail ("#3fa9c1"): tells apart peers of the same client. */
  readonly tag: string;
  /** The client named by the peer id ("WebTorrent 2.8"). */
  readonly client: string;
  /** The payment key's fingerprint ("ab12…cd34") for Speed peers that sent one. */
  readonly fingerprint: string | null;
  /** True when the peer negotiated the Speed extension; false for a legacy peer. */
  readonly speed: boolean;
  /** Its bid to us (as provider) in units per KiB. */
  readonly bid_units_per_kib: Units | null;
  /** Clearing price in force between us (what the payer pays per KiB). */
  readonly price_units_per_kib: Units | null;
  /** What we paid this peer, and what it paid us. */
  readonly paid_units: Units;
  readonly earned_units: Units;
  /** We are choking it / it is choking us. */
  readonly am_choking: boolean;
  readonly peer_choking: boolean;
  readonly banned: boolean;
  readonly down_bytes_per_s: number;
  readonly up_bytes_per_s: number;
  /** Bytes this connection has carried each way (a re-formed connection starts again from 0). */
  readonly downloaded_bytes: number;
  readonly uploaded_bytes: number;
}

export interface TorrentFile {
  readonly index: number;
  readonly path: string;
  readonly length_bytes: number;
  /** null when the peer does not report per-file progress. */
  readonly downloaded_bytes: number | null;
}

export interface TorrentDetail extends TorrentSummary {
  readonly peer_list: readonly PeerSummary[];
  /** One entry per piece: 0 missing, 1 have; null when the peer does not report pieces. */
  readonly pieces: Uint8Array | null;
  readonly files: readonly TorrentFile[];
}

/** Settings the peer applies live. Money in bigint units; rates as parts per million like the bidder. */
export interface PeerSettings {
  readonly speed_enabled: boolean;
  readonly spending_rate_ppm: bigint;
  /** null = no cap of the user's own. */
  readonly torrent_cap_units: Units | null;
  readonly day_cap_units: Units | null;
  readonly reserve_units_per_kib: Units;
  readonly upload_limit_bytes_per_s: number | null;
  /** False opts out of providing entirely: no uploads sold, no bids accepted. */
  readonly providing: boolean;
}

export interface PeerSnapshot {
  readonly torrents: readonly TorrentSummary[];
  readonly down_bytes_per_s: number;
  readonly up_bytes_per_s: number;
}

export type PeerStatus = { readonly state: 'starting' } | { readonly state: 'ready' } | { readonly state: 'unavailable'; readonly reason: string };

export interface PaymentKeyHandle {
  /** Non-extractable Ed25519 signing key. */
  readonly key: CryptoKey;
  readonly publicKey: Uint8Array;
}

export interface PeerApi {
  start(onSnapshot: (snapshot: PeerSnapshot) => void, onStatus: (status: PeerStatus) => void): Promise<void>;
  addMagnet(uri: string): Promise<InfoHash>;
  /**
   * Joins a magnet to serve others (earn mode): Speed on, pieces rarest first, the magnet's web seeds used; resolves
   * once it has the metadata, rejects after `timeout_ms` without it (the caller removes what is left).
   */
  joinServing(uri: string, timeout_ms: number): Promise<InfoHash>;
  addTorrentFile(bytes: Uint8Array): Promise<InfoHash>;
  seedFiles(files: readonly File[]): Promise<InfoHash>;
  remove(info_hash: InfoHash, options: { readonly deleteData: boolean }): Promise<void>;
  setTorrentSpeed(info_hash: InfoHash, enabled: boolean): Promise<void>;
  detail(info_hash: InfoHash): Promise<TorrentDetail | null>;
  /** What the streaming player (src/stream/Player.svelte) mounts with: the peer's client and the torrent's info. */
  streamSource(info_hash: InfoHash): { readonly client: PeerClient; readonly torrent: TorrentInfo } | null;
  fileBlob(info_hash: InfoHash, file_index: number): Promise<Blob>;
  /** The .torrent file, to share the torrent or add it elsewhere. */
  metainfo(info_hash: InfoHash): Promise<Uint8Array>;
  applySettings(settings: PeerSettings): Promise<void>;
  /** The wallet's key after unlock, or null on lock: the peer stops paying and bidding when it has none. */
  setPaymentKey(handle: PaymentKeyHandle | null): Promise<void>;
}

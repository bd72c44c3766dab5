// The typed RPC between the UI thread and the peer worker: every command with its params and result, and every event
// (validators in rpc-checks.ts, limits in rpc-limits.ts). Structured clone carries bigint, Uint8Array, File and
// CryptoKey as they are. Amounts are bigint base units; info hashes and peer ids are lowercase hex.
import type { DemandBidField } from '../protocol/demand-bid.ts';
import type { Units } from '../protocol/money.ts';
import type { FilePieces } from '../stream/serve/worker-stream.ts';

export type { FilePieces } from '../stream/serve/worker-stream.ts';
// The limits and the validators live in their own files; this one stays the single place importers name.
export * from './rpc-limits.ts';
export { EVENT, PARAMS, RESULTS } from './rpc-checks.ts';

export type InfoHash = string;
export type Misbehaviour = 'none' | 'no_pay' | 'corrupt';

export interface SpeedSettings {
  /** Requester: bid and pay on torrents with Speed on. */
  readonly bidding: boolean;
  /** 0..1,000,000 ppm of the balance (the paper's spending rate 0.0–1.0). */
  readonly spending_rate_ppm: bigint;
  readonly max_price_units_per_kib: Units | null;
  /** Provider: the lowest price it sells at. */
  readonly reserve_units_per_kib: Units;
  readonly regular_slots: number;
  readonly tit_for_tat_slots: number;
  readonly choke_round_ms: number;
  /** Requester caps on spending. */
  readonly torrent_cap_units: Units;
  readonly day_cap_units: Units;
  /** Provider: false opts out of selling entirely (bids are refused, no channel is accepted, nobody pays us). */
  readonly providing: boolean;
  /** Upload rate cap over every torrent, bytes per second; null: unlimited. */
  readonly upload_limit_bytes_per_s: number | null;
}

export interface InitParams {
  /** Separates peers sharing one origin (tests run several in one profile); storage and locks are per namespace. */
  readonly namespace: string;
  readonly tracker_urls: readonly string[];
  /** Base URL of the ledger API (…/ledger); null runs without payments (legacy behaviour only). */
  readonly ledger_url: string | null;
  readonly speed: SpeedSettings;
  /** The wallet's non-extractable signing key, when unlocked at start (else set later with wallet.set). */
  readonly wallet: { readonly key: CryptoKey; readonly public_key: Uint8Array } | null;
}

export interface TorrentInfo {
  readonly info_hash: InfoHash;
  readonly name: string;
  readonly length: number;
  readonly piece_length: number;
  readonly piece_count: number;
  readonly files: readonly { readonly name: string; readonly path: string; readonly length: number }[];
  readonly announce: readonly string[];
  readonly magnet_uri: string;
  readonly speed: boolean;
}

export interface TorrentStatus {
  readonly info_hash: InfoHash;
  readonly progress: number;
  readonly downloaded: number;
  readonly uploaded: number;
  readonly left: number;
  readonly download_speed: number;
  readonly upload_speed: number;
  readonly num_peers: number;
  readonly done: boolean;
  /** Totals over every peer of this torrent, in units: sums of signed payment states (torrent-money.ts). */
  readonly paid_units: Units;
  readonly earned_units: Units;
  /** Downloaded, verified bytes we paid for, and the rest (legacy peers, free slots); kept across reloads. */
  readonly paid_bytes: number;
  readonly free_bytes: number;
  /** The signed demand bid the UI thread adds to this torrent's announces (docs/cdn-board.md), or null. */
  readonly demand_bid: DemandBidField | null;
}

export type SpeedRole = 'legacy' | 'speed' | 'pending';

export interface PeerStatus {
  /** Remote peer id, hex. */
  readonly peer_id: string;
  readonly speed: SpeedRole;
  readonly am_choking: boolean;
  readonly peer_choking: boolean;
  readonly am_interested: boolean;
  readonly peer_interested: boolean;
  readonly downloaded: number;
  readonly uploaded: number;
  readonly download_speed: number;
  readonly upload_speed: number;
  /** What this peer bid to us (we provide), per KiB. */
  readonly their_bid_units_per_kib: Units | null;
  /** What we last bid to this peer (we request). */
  readonly our_bid_units_per_kib: Units | null;
  /** Price this provider charges us / we charge this requester. */
  readonly price_units_per_kib: Units | null;
  /** Signed over to this peer (we request) / accepted from it (we provide), in this session. */
  readonly paid_units: Units;
  readonly earned_units: Units;
  readonly payer_phase: string | null;
  readonly payee_phase: string | null;
  readonly banned: boolean;
  /** "ip:port" where the wire knows it; null for WebRTC peers relayed from the UI thread (their address stays there). */
  readonly remote_address: string | null;
  /** The Speed peer's payment public key (hex) from its extended handshake; null for legacy peers. */
  readonly payment_pk: string | null;
}

export type WalletEvent =
  | { readonly kind: 'channel_opened'; readonly info_hash: InfoHash; readonly channel_id: string; readonly payee: string; readonly escrow_units: Units }
  | { readonly kind: 'channel_open_failed'; readonly info_hash: InfoHash; readonly payee: string; readonly message: string }
  | { readonly kind: 'payment_sent'; readonly info_hash: InfoHash; readonly channel_id: string; readonly piece: number; readonly delta_units: Units; readonly amount_units: Units; readonly seq: bigint }
  | { readonly kind: 'payment_received'; readonly info_hash: InfoHash; readonly channel_id: string; readonly amount_units: Units; readonly seq: bigint }
  | { readonly kind: 'channel_closed'; readonly info_hash: InfoHash; readonly channel_id: string; readonly paid_units: Units }
  | { readonly kind: 'channel_close_failed'; readonly info_hash: InfoHash; readonly channel_id: string; readonly message: string }
  | { readonly kind: 'peer_banned'; readonly info_hash: InfoHash; readonly peer_id: string; readonly role: 'provider' | 'requester'; readonly reason: string; readonly until_ms: number }
  | { readonly kind: 'peer_choked'; readonly info_hash: InfoHash; readonly peer_id: string; readonly reason: string };

export type TorrentSource =
  | { readonly kind: 'magnet'; readonly uri: string }
  | { readonly kind: 'torrent_file'; readonly bytes: Uint8Array };

/**
 * Which pieces a torrent fetches first: in order (what a player reads next; webtorrent's default) or rarest first
 * (BitTorrent's classic rule: what the fewest connected peers and web seeds hold, so what this peer fetches is what
 * others lack: an earn-mode provider fetching beside its requesters then has pieces to sell them).
 */
export type PieceOrder = 'in_order' | 'rarest_first';

/** Every command: its params and its result. */
export interface Commands {
  init: { params: InitParams; result: { peer_id: string } };
  'wallet.set': { params: { key: CryptoKey; public_key: Uint8Array }; result: { payment_pk: string } };
  'wallet.clear': { params: Record<string, never>; result: Record<string, never> };
  'settings.set': { params: { speed: SpeedSettings }; result: Record<string, never> };
  'torrent.add': { params: { source: TorrentSource; speed: boolean; order: PieceOrder }; result: TorrentInfo };
  'torrent.seed': { params: { files: File[]; name: string | null; speed: boolean; piece_length: number | null }; result: TorrentInfo };
  'torrent.remove': { params: { info_hash: InfoHash; delete_data: boolean }; result: Record<string, never> };
  /**
   * Speed on or off for one running torrent (persisted). The torrent's connections are dropped and re-form with or
   * without the extension: open channels close as for a vanished peer, and the UI re-announces at once.
   */
  'torrent.set_speed': { params: { info_hash: InfoHash; speed: boolean }; result: TorrentInfo };
  'torrent.list': { params: Record<string, never>; result: TorrentInfo[] };
  'torrent.status': { params: { info_hash: InfoHash }; result: TorrentDetail };
  /** The torrent's metainfo (.torrent bytes), to share or to add elsewhere. */
  'torrent.metainfo': { params: { info_hash: InfoHash }; result: Uint8Array };
  'torrent.file_digest': { params: { info_hash: InfoHash; file_index: number }; result: { sha256_hex: string } };
  'torrent.read': { params: { info_hash: InfoHash; file_index: number; offset: number; length: number }; result: Uint8Array };
  /** Diagnostics for end-to-end tests of the misbehaviour rules: stop paying, or send corrupt blocks. */
  'test.misbehave': { params: { mode: Misbehaviour }; result: Record<string, never> };
  /** Hands the worker one connected datachannel's relay port (transferred). */
  'peer.attach': { params: { info_hash: InfoHash; peer_id: string; port: MessagePort; address: string | null }; result: { accepted: boolean } };
  /** Hands the worker a datachannel at its creation (transferred with its control port), held until peer.attach_channel. */
  'peer.channel': { params: { token: string; channel: RTCDataChannel; port: MessagePort }; result: { held: boolean } };
  /** Makes a held datachannel the wire of `peer_id` once its connection is up. */
  'peer.attach_channel': { params: { info_hash: InfoHash; peer_id: string; token: string; address: string | null }; result: { accepted: boolean } };
  // -- streaming playback (owned by src/stream; handlers in src/stream/serve/worker-stream.ts) --
  /** Serves one HTTP byte range of a file on `port` (transferred) to the service worker: src/stream/serve/stream-protocol.ts. */
  'stream.open': { params: { info_hash: InfoHash; file_index: number; range: string | null; port: MessagePort }; result: { accepted: boolean } };
  /** Which of a file's pieces are verified, for the player's buffered bar. */
  'stream.pieces': { params: { info_hash: InfoHash; file_index: number }; result: FilePieces };
}

/** A torrent's status, its peers, which pieces are verified and how much of each file is. */
export interface TorrentDetail {
  readonly status: TorrentStatus;
  readonly peers: PeerStatus[];
  /** Verified pieces: bit i (MSB first) is piece i. */
  readonly pieces: Uint8Array;
  /** Verified bytes per file, in file order. */
  readonly file_bytes: number[];
}

export type CommandName = keyof Commands;
export type Params<K extends CommandName> = Commands[K]['params'];
export type Result<K extends CommandName> = Commands[K]['result'];

export type PeerEvent =
  /** The info hash is known (before metadata for magnets): the UI starts signaling on these trackers. */
  | { readonly type: 'torrent.announce'; readonly info_hash: InfoHash; readonly announce: readonly string[] }
  | { readonly type: 'torrent.added'; readonly torrent: TorrentInfo }
  | { readonly type: 'torrent.removed'; readonly info_hash: InfoHash }
  | { readonly type: 'torrent.status'; readonly status: TorrentStatus }
  | { readonly type: 'torrent.done'; readonly info_hash: InfoHash }
  | { readonly type: 'torrent.error'; readonly info_hash: InfoHash; readonly message: string }
  | { readonly type: 'peers'; readonly info_hash: InfoHash; readonly peers: readonly PeerStatus[] }
  | { readonly type: 'wallet'; readonly event: WalletEvent }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly message: string };

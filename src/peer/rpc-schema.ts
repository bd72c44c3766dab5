// The typed RPC between the UI thread and the peer worker: every command with its params and result, every event,
// and the validators each side runs on what crosses (structured clone carries bigint, Uint8Array, File and
// CryptoKey as they are). Amounts are bigint base units; info hashes and peer ids are lowercase hex.
import type { Units } from '../protocol/money.ts';
import type { FilePieces } from '../stream/serve/worker-stream.ts';
import {
  arrayOf, bool, bytes, exact, fail, hex, integer, literal, nullable, object, oneOf, string, units, type Check,
} from './rpc-validate.ts';

export type { FilePieces } from '../stream/serve/worker-stream.ts';

/** Commands a single call may take before the caller gives up (a seed hashes a file first: allow a while). */
export const RPC_TIMEOUT_MS = 30_000;
export const SEED_TIMEOUT_MS = 300_000;
/** Requests in flight per side; beyond this a caller is flooding, not waiting. */
export const MAX_PENDING_REQUESTS = 1024;
export const MAX_TRACKERS = 8;
export const MAX_URL_LENGTH = 2048;
export const MAX_FILES_PER_SEED = 10_000;
export const MAX_TORRENT_FILE_BYTES = 10_000_000;
export const MAX_PEERS_REPORTED = 200;
/** Largest range `torrent.read` returns in one call. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

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
  /** Totals over every peer of this torrent, in units. */
  readonly paid_units: Units;
  readonly earned_units: Units;
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

/** Every command: its params and its result. */
export interface Commands {
  init: { params: InitParams; result: { peer_id: string } };
  'wallet.set': { params: { key: CryptoKey; public_key: Uint8Array }; result: { payment_pk: string } };
  'wallet.clear': { params: Record<string, never>; result: Record<string, never> };
  'settings.set': { params: { speed: SpeedSettings }; result: Record<string, never> };
  'torrent.add': { params: { source: TorrentSource; speed: boolean }; result: TorrentInfo };
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
  'peer.attach': { params: { info_hash: InfoHash; peer_id: string; port: MessagePort }; result: { accepted: boolean } };
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

// ---- validators ----

const infoHash = hex(40);
const peerIdHex = hex(40);
const url = string(MAX_URL_LENGTH, /^(wss?|https?):\/\//);
const count = integer(0, Number.MAX_SAFE_INTEGER);

const speedSettings: Check<SpeedSettings> = object({
  bidding: bool,
  spending_rate_ppm: units,
  max_price_units_per_kib: nullable(units),
  reserve_units_per_kib: units,
  regular_slots: integer(0, 64),
  tit_for_tat_slots: integer(0, 64),
  choke_round_ms: integer(100, 600_000),
  torrent_cap_units: units,
  day_cap_units: units,
  providing: bool,
  upload_limit_bytes_per_s: nullable(integer(1, 2 ** 40)),
});

const torrentInfo: Check<TorrentInfo> = object({
  info_hash: infoHash,
  name: string(4096),
  length: count,
  piece_length: integer(1, 1 << 30),
  piece_count: count,
  files: arrayOf(object({ name: string(4096), path: string(65536), length: count }), 100_000),
  announce: arrayOf(string(MAX_URL_LENGTH), 100),
  magnet_uri: string(1 << 20),
  speed: bool,
});

const torrentStatus: Check<TorrentStatus> = object({
  info_hash: infoHash,
  progress: (v, p) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : fail(p, 'a fraction')),
  downloaded: count,
  uploaded: count,
  left: count,
  download_speed: (v, p) => (typeof v === 'number' && v >= 0 ? v : fail(p, 'a rate')),
  upload_speed: (v, p) => (typeof v === 'number' && v >= 0 ? v : fail(p, 'a rate')),
  num_peers: count,
  done: bool,
  paid_units: units,
  earned_units: units,
});

const peerStatus: Check<PeerStatus> = object({
  peer_id: string(64),
  speed: oneOf(['legacy', 'speed', 'pending'] as const),
  am_choking: bool,
  peer_choking: bool,
  am_interested: bool,
  peer_interested: bool,
  downloaded: count,
  uploaded: count,
  download_speed: (v, p) => (typeof v === 'number' && v >= 0 ? v : fail(p, 'a rate')),
  upload_speed: (v, p) => (typeof v === 'number' && v >= 0 ? v : fail(p, 'a rate')),
  their_bid_units_per_kib: nullable(units),
  our_bid_units_per_kib: nullable(units),
  price_units_per_kib: nullable(units),
  paid_units: units,
  earned_units: units,
  payer_phase: nullable(string(64)),
  payee_phase: nullable(string(64)),
  banned: bool,
});

const empty = exact({});
const cryptoKey: Check<CryptoKey> = (v, p) => (typeof CryptoKey !== 'undefined' && v instanceof CryptoKey ? v : fail(p, 'a CryptoKey'));
const file: Check<File> = (v, p) => (typeof File !== 'undefined' && v instanceof File ? v : fail(p, 'a File'));
const messagePort: Check<MessagePort> = (v, p) => (v instanceof MessagePort ? v : fail(p, 'a MessagePort'));

const torrentSource: Check<TorrentSource> = (v, p) => {
  const kind = (v as { kind?: unknown } | null)?.kind;
  if (kind === 'magnet') return object({ kind: literal('magnet'), uri: string(MAX_URL_LENGTH * 4, /^magnet:\?/) })(v, p);
  return object({ kind: literal('torrent_file'), bytes: bytes(1, MAX_TORRENT_FILE_BYTES) })(v, p);
};

export const PARAMS: { [K in CommandName]: Check<Params<K>> } = {
  init: object({
    namespace: string(64, /^[a-z0-9-]{1,64}$/),
    tracker_urls: arrayOf(url, MAX_TRACKERS),
    ledger_url: nullable(url),
    speed: speedSettings,
    wallet: nullable(object({ key: cryptoKey, public_key: bytes(32, 32) })),
  }),
  'wallet.set': object({ key: cryptoKey, public_key: bytes(32, 32) }),
  'wallet.clear': empty,
  'settings.set': object({ speed: speedSettings }),
  'torrent.add': object({ source: torrentSource, speed: bool }),
  'torrent.seed': object({
    files: arrayOf(file, MAX_FILES_PER_SEED, 1),
    name: nullable(string(255)),
    speed: bool,
    piece_length: nullable(integer(16 * 1024, 16 * 1024 * 1024)),
  }),
  'torrent.remove': object({ info_hash: infoHash, delete_data: bool }),
  'torrent.set_speed': object({ info_hash: infoHash, speed: bool }),
  'torrent.list': empty,
  'torrent.status': object({ info_hash: infoHash }),
  'torrent.metainfo': object({ info_hash: infoHash }),
  'torrent.file_digest': object({ info_hash: infoHash, file_index: integer(0, 100_000) }),
  'torrent.read': object({
    info_hash: infoHash, file_index: integer(0, 100_000), offset: count, length: integer(0, MAX_READ_BYTES),
  }),
  'test.misbehave': object({ mode: oneOf(['none', 'no_pay', 'corrupt'] as const) }),
  'peer.attach': object({ info_hash: infoHash, peer_id: peerIdHex, port: messagePort }),
  // streaming playback (src/stream)
  'stream.open': object({ info_hash: infoHash, file_index: integer(0, 100_000), range: nullable(string(200)), port: messagePort }),
  'stream.pieces': object({ info_hash: infoHash, file_index: integer(0, 100_000) }),
};

export const RESULTS: { [K in CommandName]: Check<Result<K>> } = {
  init: object({ peer_id: peerIdHex }),
  'wallet.set': object({ payment_pk: hex(64) }),
  'wallet.clear': empty,
  'settings.set': empty,
  'torrent.add': torrentInfo,
  'torrent.seed': torrentInfo,
  'torrent.remove': empty,
  'torrent.set_speed': torrentInfo,
  'torrent.list': arrayOf(torrentInfo, 1000),
  'torrent.status': object({
    status: torrentStatus,
    peers: arrayOf(peerStatus, MAX_PEERS_REPORTED),
    pieces: bytes(0, 1 << 20),
    file_bytes: arrayOf(count, 100_000),
  }),
  'torrent.metainfo': bytes(1, MAX_TORRENT_FILE_BYTES),
  'torrent.file_digest': object({ sha256_hex: hex(64) }),
  'torrent.read': bytes(0, MAX_READ_BYTES),
  'test.misbehave': empty,
  'peer.attach': object({ accepted: bool }),
  // streaming playback (src/stream)
  'stream.open': object({ accepted: bool }),
  'stream.pieces': object({
    piece_length: integer(1, 1 << 30), first_piece: count, piece_count: integer(0, 1 << 20), file_offset: count,
    file_length: count, have: bytes(0, 1 << 17), done: bool,
  }),
};

const walletEvent: Check<WalletEvent> = (v, p) => {
  const kind = (v as { kind?: unknown } | null)?.kind;
  const base = { info_hash: infoHash };
  switch (kind) {
    case 'channel_opened':
      return object({ kind: literal('channel_opened'), ...base, channel_id: hex(64), payee: hex(64), escrow_units: units })(v, p);
    case 'channel_open_failed':
      return object({ kind: literal('channel_open_failed'), ...base, payee: hex(64), message: string(1000) })(v, p);
    case 'payment_sent':
      return object({
        kind: literal('payment_sent'), ...base, channel_id: hex(64), piece: count, delta_units: units, amount_units: units, seq: units,
      })(v, p);
    case 'payment_received':
      return object({ kind: literal('payment_received'), ...base, channel_id: hex(64), amount_units: units, seq: units })(v, p);
    case 'channel_closed':
      return object({ kind: literal('channel_closed'), ...base, channel_id: hex(64), paid_units: units })(v, p);
    case 'channel_close_failed':
      return object({ kind: literal('channel_close_failed'), ...base, channel_id: hex(64), message: string(1000) })(v, p);
    case 'peer_banned':
      return object({
        kind: literal('peer_banned'), ...base, peer_id: string(64), role: oneOf(['provider', 'requester'] as const),
        reason: string(200), until_ms: count,
      })(v, p);
    case 'peer_choked':
      return object({ kind: literal('peer_choked'), ...base, peer_id: string(64), reason: string(200) })(v, p);
    default:
      return fail(`${p}.kind`, 'a wallet event kind');
  }
};

export const EVENT: Check<PeerEvent> = (v, p) => {
  const type = (v as { type?: unknown } | null)?.type;
  switch (type) {
    case 'torrent.announce':
      return object({ type: literal('torrent.announce'), info_hash: infoHash, announce: arrayOf(url, MAX_TRACKERS) })(v, p);
    case 'torrent.added': return object({ type: literal('torrent.added'), torrent: torrentInfo })(v, p);
    case 'torrent.removed': return object({ type: literal('torrent.removed'), info_hash: infoHash })(v, p);
    case 'torrent.status': return object({ type: literal('torrent.status'), status: torrentStatus })(v, p);
    case 'torrent.done': return object({ type: literal('torrent.done'), info_hash: infoHash })(v, p);
    case 'torrent.error': return object({ type: literal('torrent.error'), info_hash: infoHash, message: string(2000) })(v, p);
    case 'peers':
      return object({ type: literal('peers'), info_hash: infoHash, peers: arrayOf(peerStatus, MAX_PEERS_REPORTED) })(v, p);
    case 'wallet': return object({ type: literal('wallet'), event: walletEvent })(v, p);
    case 'log':
      return object({ type: literal('log'), level: oneOf(['info', 'warn', 'error'] as const), message: string(4000) })(v, p);
    default:
      return fail(`${p}.type`, 'an event type');
  }
};


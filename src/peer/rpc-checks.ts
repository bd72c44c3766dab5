// The validators each side of the peer RPC runs on what crosses: params on the worker, results and events on the
// UI thread (rpc.ts). One check per command, result and event of rpc-schema.ts, which re-exports PARAMS, RESULTS, EVENT.
import { parseDemandBidField, type DemandBidField } from '../protocol/demand-bid.ts';
import { MAX_FILES_PER_SEED, MAX_PEERS_REPORTED, MAX_READ_BYTES, MAX_TORRENT_FILE_BYTES, MAX_TRACKERS, MAX_URL_LENGTH } from './rpc-limits.ts';
import type {
  CommandName, PeerEvent, PeerStatus, Params, PieceOrder, Result, SpeedSettings, TorrentInfo, TorrentSource, TorrentStatus, WalletEvent,
} from './rpc-schema.ts';
import {
  arrayOf, bool, bytes, exact, fail, hex, integer, literal, nullable, object, oneOf, string, units, type Check,
} from './rpc-validate.ts';

const infoHash = hex(40);
const PIECE_ORDERS: readonly PieceOrder[] = ['in_order', 'rarest_first'];
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
  paid_bytes: count,
  free_bytes: count,
  demand_bid: (v, p) => (v === null ? null : parseDemandBidField(v).ok ? (v as DemandBidField) : fail(p, 'a signed demand bid')),
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
  remote_address: nullable(string(64)),
  payment_pk: nullable(hex(64)),
});

const empty = exact({});
const cryptoKey: Check<CryptoKey> = (v, p) => (typeof CryptoKey !== 'undefined' && v instanceof CryptoKey ? v : fail(p, 'a CryptoKey'));
const file: Check<File> = (v, p) => (typeof File !== 'undefined' && v instanceof File ? v : fail(p, 'a File'));
const messagePort: Check<MessagePort> = (v, p) => (v instanceof MessagePort ? v : fail(p, 'a MessagePort'));
const dataChannel: Check<RTCDataChannel> = (v, p) =>
  typeof RTCDataChannel !== 'undefined' && v instanceof RTCDataChannel ? v : fail(p, 'an RTCDataChannel');

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
  'torrent.add': object({ source: torrentSource, speed: bool, order: oneOf(PIECE_ORDERS) }),
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
  'peer.attach': object({ info_hash: infoHash, peer_id: peerIdHex, port: messagePort, address: nullable(string(64)) }),
  'peer.channel': object({ token: hex(32), channel: dataChannel, port: messagePort }),
  'peer.attach_channel': object({ info_hash: infoHash, peer_id: peerIdHex, token: hex(32), address: nullable(string(64)) }),
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
  'peer.channel': object({ held: bool }),
  'peer.attach_channel': object({ accepted: bool }),
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


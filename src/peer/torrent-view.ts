// What the UI sees of a torrent and its connections: progress, money, peers and verified bytes per file, read off
// webtorrent's torrent and the torrent's hooks (Speed fills in the Speed fields of each peer).
import { unsettledBytes } from './resume-count.ts';
import type { PeerStatus, PieceOrder, TorrentDetail, TorrentInfo, TorrentStatus } from './rpc-schema.ts';
import type { Wire } from './wire.ts';
import type { DemandBidField } from '../protocol/demand-bid.ts';
import type { TorrentMoney } from './torrent-money.ts';
import type { Torrent } from './webtorrent.ts';

/** Peers reported per torrent and status event: enough for any screen, bounded for the RPC. */
export const MAX_PEERS_SHOWN = 200;

/** Per-torrent extension point: Speed implements it; absent, the torrent runs as plain BitTorrent. */
export interface TorrentHooks {
  peers(): PeerStatus[];
  unsettledPieces?(): ReadonlySet<number>;
  /** The signed bid this torrent publishes on the tracker's demand board, if any. */
  demand_bid?(): DemandBidField | null;
  destroy(): void;
}

export interface ManagedTorrent {
  readonly torrent: Torrent;
  /** Speed for this torrent; changed only through PeerEngine.setSpeed. */
  speed: boolean;
  readonly added_at_ms: number;
  /** Bytes and money of this torrent, persisted with its record. */
  readonly money: TorrentMoney;
  hooks: TorrentHooks | null;
  saveTimer: ReturnType<typeof setTimeout> | null;
  reportedDone: boolean;
}

export function torrentInfo(managed: ManagedTorrent, announce: string[]): TorrentInfo {
  const t = managed.torrent;
  return {
    info_hash: t.infoHash,
    name: t.name ?? '',
    length: t.length,
    piece_length: t.pieceLength,
    piece_count: t.pieces.length,
    files: t.files.map((f) => ({ name: f.name, path: f.path, length: f.length })),
    announce,
    magnet_uri: t.magnetURI,
    speed: managed.speed,
  };
}

/** The verified-pieces bitfield minus pieces whose payment is not saved yet (Speed): what a reload may trust. */
/** webtorrent's name for a piece order (rpc-schema.ts). */
export const strategyOf = (order: PieceOrder): 'sequential' | 'rarest' => (order === 'rarest_first' ? 'rarest' : 'sequential');

/** The money record to save beside resumableBitfield: its downloaded bytes leave out the same unsettled pieces. */
export function resumableMoney(managed: ManagedTorrent): unknown {
  const t = managed.torrent;
  const pieceBytes = (index: number) => (index === t.pieces.length - 1 ? t.lastPieceLength : t.pieceLength);
  return managed.money.toRecord(unsettledBytes((index) => t.bitfield.get(index), managed.hooks?.unsettledPieces?.() ?? [], pieceBytes));
}

export function resumableBitfield(managed: ManagedTorrent): Uint8Array {
  const bits = Uint8Array.from(managed.torrent.bitfield.buffer);
  for (const index of managed.hooks?.unsettledPieces?.() ?? []) bits[index >> 3] = (bits[index >> 3] ?? 0) & ~(0x80 >> (index & 7));
  return bits;
}

export function torrentStatus(managed: ManagedTorrent): TorrentStatus {
  const t = managed.torrent;
  const left = Math.max(0, t.length - t.downloaded);
  return {
    info_hash: t.infoHash,
    progress: Math.min(1, Math.max(0, t.progress || 0)),
    downloaded: Math.max(0, Math.floor(t.downloaded)),
    uploaded: Math.max(0, Math.floor(t.uploaded)),
    left: t.done ? 0 : Math.floor(left),
    download_speed: Math.max(0, t.downloadSpeed || 0),
    upload_speed: Math.max(0, t.uploadSpeed || 0),
    num_peers: t.numPeers,
    done: t.done,
    paid_units: managed.money.paid_units,
    earned_units: managed.money.earned_units,
    paid_bytes: managed.money.paid_bytes,
    free_bytes: managed.money.free_bytes,
    demand_bid: managed.hooks?.demand_bid?.() ?? null,
  };
}

export function torrentPeers(managed: ManagedTorrent): PeerStatus[] {
  const peers = managed.hooks ? managed.hooks.peers() : managed.torrent.wires.map((wire) => legacyPeerStatus(wire));
  return peers.slice(0, MAX_PEERS_SHOWN);
}

export function torrentDetail(managed: ManagedTorrent): TorrentDetail {
  const t = managed.torrent;
  return {
    status: torrentStatus(managed),
    peers: torrentPeers(managed),
    pieces: Uint8Array.from(t.bitfield.buffer.subarray(0, Math.ceil(t.pieces.length / 8))),
    file_bytes: t.files.map((file) => verifiedBytes(t, file.offset, file.length)),
  };
}

/** A wire's traffic and choke state, with no Speed session on it (the Speed hooks fill in the Speed fields). */
export function legacyPeerStatus(wire: Wire): PeerStatus {
  return {
    peer_id: wire.peerId ?? '',
    speed: 'legacy',
    am_choking: wire.amChoking,
    peer_choking: wire.peerChoking,
    am_interested: wire.amInterested,
    peer_interested: wire.peerInterested,
    downloaded: wire.downloaded,
    uploaded: wire.uploaded,
    download_speed: wire.downloadSpeed(),
    upload_speed: wire.uploadSpeed(),
    their_bid_units_per_kib: null,
    our_bid_units_per_kib: null,
    price_units_per_kib: null,
    paid_units: 0n,
    earned_units: 0n,
    payer_phase: null,
    payee_phase: null,
    banned: false,
    remote_address: wire.remoteAddress && wire.remotePort ? `${wire.remoteAddress}:${wire.remotePort}` : null,
    payment_pk: null,
  };
}

/** Verified bytes of one file: whole pieces inside it plus the overlapping parts of its edge pieces. */
function verifiedBytes(t: Torrent, offset: number, length: number): number {
  if (length === 0) return 0;
  if (t.done) return length;
  const end = offset + length;
  let bytes = 0;
  for (let index = Math.floor(offset / t.pieceLength); index * t.pieceLength < end; index++) {
    if (!t.bitfield.get(index)) continue;
    const start = index * t.pieceLength;
    bytes += Math.min(end, start + t.pieceLength) - Math.max(offset, start);
  }
  return bytes;
}

// A Seedpay peer in Node: the worker's engine and Speed (the same PeerEngine, SpeedContext and paid-session core)
// on webtorrent's Node build — WebRTC to browsers through @roamhq/wrtc, TCP and uTP to ordinary BitTorrent clients —
// with the wallet's payment key from its encrypted key file. What `npm run provide` runs.
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { PeerEngine, DEFAULT_SPEED_SETTINGS, installSpeed, type InitParams, type PeerEvent, type SpeedSettings, type TorrentDetail, type TorrentInfo, type SpeedControl } from '../peer/host.ts';
import type { PaymentKey } from '../wallet/index.ts';
import { nodePlatform, type NodePlatform } from './platform.ts';

/** A stop waits this long for the ledger to settle the channels it is closing. */
export const STOP_CLOSE_WAIT_MS = 15_000;
/** Metadata of a magnet from peers may take this long. */
const MAGNET_TIMEOUT_MS = 10 * 60_000;

export interface NodePeerOptions {
  readonly profile: string;
  /** Ledger API base (…/ledger); null runs without payments. */
  readonly ledger_url: string | null;
  /** Trackers every torrent announces to: ws(s) for browsers, http(s)/udp for ordinary clients. */
  readonly tracker_urls: readonly string[];
  readonly torrent_port: number;
  /** Networks besides TCP (default both on): browsers over WebRTC, ordinary clients over uTP. */
  readonly webrtc?: boolean;
  readonly utp?: boolean;
  readonly key: PaymentKey | null;
  readonly speed?: Partial<SpeedSettings>;
  readonly onEvent?: (event: PeerEvent) => void;
}

export interface Network {
  readonly webrtc: number;
  readonly tcp: number;
  readonly utp: number;
}

export class NodePeer {
  readonly #engine: PeerEngine;
  readonly #speed: SpeedControl;
  readonly #platform: NodePlatform;
  /** Payee channels that received a payment and are not closed yet: what a clean stop waits for. */
  readonly #unsettled = new Set<string>();
  #settled = () => {};

  private constructor(options: NodePeerOptions) {
    this.#platform = nodePlatform({
      profile: options.profile,
      torrent_port: options.torrent_port,
      webrtc: options.webrtc ?? true,
      utp: options.utp ?? true,
    });
    const emit = (event: PeerEvent) => {
      if (event.type === 'wallet') this.#track(event.event);
      options.onEvent?.(event);
    };
    this.#engine = new PeerEngine(emit, this.#platform);
    this.#speed = installSpeed(this.#engine, emit);
  }

  static async start(options: NodePeerOptions): Promise<NodePeer> {
    // A concrete port before any torrent starts: webtorrent announces the port it has when a torrent is added, and
    // with 0 ("any") that is 0 until its server is listening — ordinary clients could never connect to us.
    const peer = new NodePeer({ ...options, torrent_port: options.torrent_port || (await freeTcpPort()) });
    const params: InitParams = {
      namespace: 'node',
      tracker_urls: options.tracker_urls.slice(),
      ledger_url: options.ledger_url,
      speed: { ...DEFAULT_SPEED_SETTINGS, ...options.speed },
      wallet: null,
    };
    // The worker's order: Speed configured and keyed before resumed torrents form their first wires.
    peer.#speed.configure(params);
    if (options.key) await peer.#speed.setWallet(options.key.key, options.key.publicKey);
    peer.peer_id = (await peer.#engine.init(params)).peer_id;
    await peer.#speed.context.restore();
    return peer;
  }

  peer_id = '';

  /** The TCP/uTP port ordinary clients reach us on. */
  get torrent_port(): number {
    return this.#platform.client()?.torrentPort ?? 0;
  }

  /** Seeds a file or folder in place (pieces are read from where it is; nothing is copied); piece length in bytes or null: by size. */
  async seed(path: string, speed: boolean, name: string | null, piece_length: number | null = null): Promise<TorrentInfo> {
    const info = await this.#engine.seed(path, name, speed, piece_length);
    this.#platform.rememberDataDir(info.info_hash, dirname(path));
    return info;
  }

  /** Joins a torrent; `order` 'rarest_first' for one fetched to serve others (earn mode), 'in_order' otherwise. */
  async add(
    source: { kind: 'magnet'; uri: string } | { kind: 'torrent_file'; bytes: Uint8Array }, speed: boolean,
    order: PieceOrder = 'in_order', timeout_ms = MAGNET_TIMEOUT_MS,
  ): Promise<TorrentInfo> {
    const info = await this.#engine.add(source, speed, timeout_ms, order);
    // A bridge joining a magnet meets browsers before it has the metadata; see offerMetadataAgain.
    for (const wire of this.#engine.torrents.get(info.info_hash)?.torrent.wires ?? []) offerMetadataAgain(wire);
    return info;
  }

  /** Drops a torrent; with `delete_data`, what it downloaded too (files seeded in place are never deleted). */
  remove(info_hash: string, delete_data: boolean): Promise<void> {
    return this.#engine.remove(info_hash, delete_data && this.#platform.downloadedHere(info_hash));
  }

  list(): TorrentInfo[] {
    return this.#engine.list();
  }

  status(info_hash: string): TorrentDetail {
    return this.#engine.statusOf(info_hash);
  }

  /** Connected peers of a torrent per network: browsers over WebRTC, ordinary clients over TCP or uTP. */
  networks(info_hash: string): Network {
    const wires = this.#engine.torrents.get(info_hash)?.torrent.wires ?? [];
    const count = (types: readonly string[]) => wires.filter((w) => types.includes(w.type)).length;
    return { webrtc: count(['webrtc']), tcp: count(['tcpIncoming', 'tcpOutgoing']), utp: count(['utpIncoming', 'utpOutgoing']) };
  }

  #track(event: Extract<PeerEvent, { type: 'wallet' }>['event']): void {
    if (event.kind === 'payment_received') this.#unsettled.add(event.channel_id);
    if (event.kind === 'channel_closed') this.#unsettled.delete(event.channel_id);
    if (this.#unsettled.size === 0) this.#settled();
  }

  /**
   * A clean stop: every connection ends, the channels our requesters paid into are closed on the ledger with the
   * best state they signed (waiting up to STOP_CLOSE_WAIT_MS), records are saved, the client and store close.
   * Returns the channels still unsettled (their states are saved: the next start closes them).
   */
  async stop(): Promise<number> {
    const settled = new Promise<void>((done) => {
      this.#settled = done;
      if (this.#unsettled.size === 0) done();
    });
    await this.#engine.stop();
    await Promise.race([settled, new Promise((done) => setTimeout(done, STOP_CLOSE_WAIT_MS))]);
    const left = this.#unsettled.size;
    this.#platform.close();
    return left;
  }
}

/** How a torrent's pieces are fetched (the engine's own type, which host.ts does not name). */
type PieceOrder = NonNullable<Parameters<PeerEngine['add']>[3]>;

/** A torrent's wire as the engine holds it (bittorrent-protocol's Wire). */
type Wire = NonNullable<ReturnType<PeerEngine['torrents']['get']>>['torrent']['wires'][number];

/**
 * A wire that formed while neither side had the metadata (a browser that joined the bridge's magnet while the bridge
 * was still fetching it from TCP peers) got our BEP 10 handshake without metadata_size, and the remote's ut_metadata
 * asks only at the handshake: it would wait forever. Once we have the metadata (webtorrent has put its size in our
 * handshake by now), the handshake goes again to each such wire; BEP 10 allows a repeat, and the Speed extension
 * keeps its first negotiation. bittorrent-protocol's own sender builds it (with the extension ids, `m`).
 */
function offerMetadataAgain(wire: Wire): void {
  const inner = wire as Wire & { _sendExtendedHandshake?: () => void; _extendedHandshakeSent?: boolean };
  // Only a repeat: a wire still in its BitTorrent handshake sends the first one itself, with the size.
  if (wire.destroyed || !inner._extendedHandshakeSent || wire.peerExtendedHandshake.metadata_size !== undefined) return;
  if (typeof inner._sendExtendedHandshake === 'function') inner._sendExtendedHandshake();
}

/** A TCP port free on every interface right now (the OS picks it). */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

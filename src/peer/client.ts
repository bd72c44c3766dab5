// The UI thread's handle on the peer: starts the worker, speaks the typed RPC, runs signaling, and gives the worker
// every datachannel: relayed byte by byte (relay-peer.ts, the default), or, when asked and the browser can, transferred
// at its creation (direct-peer.ts). The app (src/ui) and the lab page use only this class.
import type SimplePeer from '@thaunknown/simple-peer/lite.js';
import { canTransferChannels, DirectPeer } from './direct-peer.ts';
import { closeFrame } from './relay-frames.ts';
import { relayPeer, type RelayStats } from './relay-peer.ts';
import { RpcClient, RpcError } from './rpc.ts';
import {
  SEED_TIMEOUT_MS, type CommandName, type InitParams, type Params, type PeerEvent, type PieceOrder, type Result,
  type SpeedSettings, type TorrentInfo, type TorrentSource, type TorrentStatus,
} from './rpc-schema.ts';
import { Signaling, simplePeerFactory, type SignalPeer } from './signaling.ts';
import { randomHex } from './tracker-socket.ts';
import { DEFAULT_SPEED_SETTINGS } from './settings.ts';

export { DEFAULT_DAY_CAP_UNITS, DEFAULT_SPEED_SETTINGS, DEFAULT_TORRENT_CAP_UNITS } from './settings.ts';

// The peer's public surface for the layers above it (app, widget, player, lab): they import from this file only.
export type {
  FilePieces, PeerEvent, PeerStatus, PieceOrder, SpeedSettings, TorrentInfo, TorrentSource, TorrentStatus, WalletEvent,
} from './rpc-schema.ts';
export { MAX_READ_BYTES, MAX_TORRENT_FILE_BYTES } from './rpc-schema.ts';
export { RpcError } from './rpc.ts';

/** Connections per torrent the UI keeps open (each is an RTCPeerConnection on this thread). */
export const MAX_CONNECTIONS_PER_TORRENT = 30;
/** Magnets wait for metadata from peers. */
const MAGNET_TIMEOUT_MS = 10 * 60_000;

/** After a Speed toggle or an unlock, the dropped relays close within a few event-loop turns; then announce for new ones. */
const REANNOUNCE_AFTER_TOGGLE_MS = 500;

export interface PeerClientOptions {
  namespace?: string;
  /** Defaults to ws(s)://<this origin>/announce. */
  trackerUrls?: string[];
  /** Defaults to <this origin>/ledger; null runs without payments. */
  ledgerUrl?: string | null;
  speed?: Partial<SpeedSettings>;
  /** The wallet's non-extractable Ed25519 key and its public key, if unlocked already (else call setWallet). */
  wallet?: { key: CryptoKey; public_key: Uint8Array } | null;
  /** Defaults to the bundled worker; tests may pass their own. */
  worker?: Worker;
  /**
   * 'worker' (default): datachannels are transferred to the worker where the browser can (else the relay, the
   * fallback). 'relay': every datachannel's bytes pass through this thread; the page's URL flag
   * `?datachannel=relay` asks for it too (docs/throughput.md).
   */
  datachannel?: 'relay' | 'worker';
}

/** Where the bytes of a connection run: 'worker' (the channel was transferred) or 'relay' (through this thread). */
export type DatachannelMode = 'worker' | 'relay';

function pickMode(option: 'relay' | 'worker' | undefined): DatachannelMode {
  const flag = new URLSearchParams(globalThis.location?.search ?? '').get('datachannel');
  const asked = option ?? (flag === 'relay' ? 'relay' : 'worker');
  return asked === 'worker' && canTransferChannels() ? 'worker' : 'relay';
}

type Listener = (event: PeerEvent) => void;

export class PeerClient {
  readonly peerId: string;
  readonly #worker: Worker;
  readonly #rpc: RpcClient;
  readonly #signaling: Signaling;
  readonly #listeners = new Set<Listener>();
  readonly #status = new Map<string, TorrentStatus>();
  readonly #connections = new Map<string, number>();
  readonly #relays = new Set<RelayStats>();
  #relayedClosed = { to_worker_bytes: 0, to_network_bytes: 0 };
  #mode: DatachannelMode;

  private constructor(worker: Worker, rpc: RpcClient, peerId: string, listeners: Set<Listener>, queue: PeerEvent[], bidTrackers: readonly string[], mode: DatachannelMode) {
    this.#worker = worker;
    this.#rpc = rpc;
    this.peerId = peerId;
    this.#listeners = listeners;
    this.#mode = mode;
    this.#signaling = new Signaling(peerId, (info_hash, peer, remote) => void this.#attach(info_hash, peer, remote), (m) =>
      this.#dispatch({ type: 'log', level: 'warn', message: m }), bidTrackers,
      (initiator) => (this.#mode === 'worker' ? new DirectPeer(initiator, (channel) => this.#handOff(channel)) : simplePeer(initiator)),
    );
    for (const event of queue) this.#dispatch(event);
  }

  static async start(options: PeerClientOptions = {}): Promise<PeerClient> {
    const origin = globalThis.location?.origin ?? 'http://127.0.0.1';
    const params: InitParams = {
      namespace: options.namespace ?? 'main',
      tracker_urls: options.trackerUrls ?? [`${origin.replace(/^http/, 'ws')}/announce`],
      ledger_url: options.ledgerUrl === undefined ? `${origin}/ledger` : options.ledgerUrl,
      speed: { ...DEFAULT_SPEED_SETTINGS, ...options.speed },
      wallet: options.wallet ?? null,
    };
    const worker = options.worker ?? new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'seedpay-peer' });
    // Events that arrive before the client object exists (resumed torrents) are queued, then replayed.
    const queue: PeerEvent[] = [];
    const listeners = new Set<Listener>();
    let client: PeerClient | null = null;
    const rpc = new RpcClient(
      worker,
      (event) => (client ? client.#dispatch(event) : queue.push(event)),
      (message) => console.warn(message),
    );
    try {
      const { peer_id } = await rpc.call('init', params);
      client = new PeerClient(worker, rpc, peer_id, listeners, queue, params.tracker_urls, pickMode(options.datachannel));
      return client;
    } catch (error) {
      rpc.close();
      worker.terminate();
      throw error;
    }
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  call<K extends CommandName>(type: K, params: Params<K>, options?: { timeout_ms?: number; transfer?: Transferable[] }): Promise<Result<K>> {
    return this.#rpc.call(type, params, options);
  }

  /** `order`: 'rarest_first' for a torrent fetched to serve others (earn mode); players want 'in_order'. */
  addTorrent(source: TorrentSource, speed = true, order: PieceOrder = 'in_order'): Promise<TorrentInfo> {
    return this.call('torrent.add', { source, speed, order }, { timeout_ms: source.kind === 'magnet' ? MAGNET_TIMEOUT_MS : SEED_TIMEOUT_MS });
  }

  /** Hashes and seeds files; `timeout_ms` (default SEED_TIMEOUT_MS) bounds the hashing of very large inputs. */
  seed(files: File[], options: { name?: string; speed?: boolean; piece_length?: number; timeout_ms?: number } = {}): Promise<TorrentInfo> {
    return this.call(
      'torrent.seed',
      { files, name: options.name ?? null, speed: options.speed ?? true, piece_length: options.piece_length ?? null },
      { timeout_ms: options.timeout_ms ?? SEED_TIMEOUT_MS },
    );
  }

  /**
   * Speed on or off for a running torrent. The worker drops the torrent's connections (their extensions were fixed
   * at the handshake); announcing at once lets them re-form without waiting for the next interval.
   */
  async setTorrentSpeed(info_hash: string, speed: boolean): Promise<TorrentInfo> {
    const info = await this.call('torrent.set_speed', { info_hash, speed });
    setTimeout(() => this.#signaling.reannounce(info_hash), REANNOUNCE_AFTER_TOGGLE_MS);
    return info;
  }

  /** Hands the worker the wallet's non-extractable signing key; the worker never sees secret bytes. */
  async setWallet(key: CryptoKey, public_key: Uint8Array): Promise<Result<'wallet.set'>> {
    const result = await this.call('wallet.set', { key, public_key });
    // A first unlock re-forms the connections of Speed torrents (now with the extension): re-announce for them.
    setTimeout(() => {
      for (const info_hash of this.#status.keys()) this.#signaling.reannounce(info_hash);
    }, REANNOUNCE_AFTER_TOGGLE_MS);
    return result;
  }

  /** Where new connections' bytes run (a failed transfer switches the client to the relay for good). */
  get datachannelMode(): DatachannelMode {
    return this.#mode;
  }

  statusOf(info_hash: string): TorrentStatus | undefined {
    return this.#status.get(info_hash);
  }

  /** Bytes the UI thread moved between datachannels and the worker (the relay's whole job). */
  relayStats(): { to_worker_bytes: number; to_network_bytes: number; connections: number } {
    let to_worker_bytes = this.#relayedClosed.to_worker_bytes;
    let to_network_bytes = this.#relayedClosed.to_network_bytes;
    for (const r of this.#relays) {
      to_worker_bytes += r.to_worker_bytes;
      to_network_bytes += r.to_network_bytes;
    }
    return { to_worker_bytes, to_network_bytes, connections: this.#relays.size };
  }

  close(): void {
    this.#signaling.destroy();
    this.#rpc.close();
    this.#worker.terminate();
  }

  #dispatch(event: PeerEvent): void {
    switch (event.type) {
      case 'torrent.announce':
        this.#signaling.join(event.info_hash, event.announce, () => this.#swarmStats(event.info_hash));
        break;
      case 'torrent.status': {
        const signed_before = this.#status.get(event.status.info_hash)?.demand_bid?.signature ?? null;
        this.#status.set(event.status.info_hash, event.status);
        const signed_now = event.status.demand_bid?.signature ?? null;
        if (signed_now !== null && signed_now !== signed_before) this.#signaling.publishBid(event.status.info_hash);
        if (event.status.done) this.#signaling.complete(event.status.info_hash);
        break;
      }
      case 'torrent.removed':
        this.#status.delete(event.info_hash);
        this.#signaling.leave(event.info_hash);
        break;
      default:
        break;
    }
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('peer event listener failed', error);
      }
    }
  }

  #swarmStats(info_hash: string) {
    const s = this.#status.get(info_hash);
    return {
      uploaded: s?.uploaded ?? 0,
      downloaded: s?.downloaded ?? 0,
      left: s ? s.left : 1,
      connections: this.#connections.get(info_hash) ?? 0,
      max_connections: MAX_CONNECTIONS_PER_TORRENT,
      demand_bid: s?.demand_bid ?? null,
    };
  }

  /**
   * Transfers a datachannel to the worker in the task that created it: RpcClient.call posts synchronously. If the
   * transfer fails, the connection closes (the untransferred port tells its peer) and later ones use the relay.
   */
  #handOff(channel: RTCDataChannel): { token: string; control: MessagePort } {
    const token = randomHex(16);
    const { port1, port2 } = new MessageChannel();
    this.call('peer.channel', { token, channel, port: port2 }, { transfer: [channel as unknown as Transferable, port2] }).catch((error: unknown) => {
      // Not sent (refused here, or the transfer threw): the port is still ours and tells the page's end to close.
      try {
        port2.postMessage(closeFrame('hand-over failed'));
      } catch {
        // the port went to the worker, which closes it
      }
      if (error instanceof RpcError) return; // the worker or the client said no: the browser can still transfer
      this.#mode = 'relay';
      this.#dispatch({ type: 'log', level: 'warn', message: `datachannel transfer failed, using the relay: ${String(error).slice(0, 200)}` });
    });
    return { token, control: port1 };
  }

  async #attach(info_hash: string, peer: SignalPeer, remote: string): Promise<void> {
    if (peer instanceof DirectPeer) return this.#attachDirect(info_hash, peer, remote);
    const channel = new MessageChannel();
    this.#connections.set(info_hash, (this.#connections.get(info_hash) ?? 0) + 1);
    const stats = relayPeer(peer as unknown as SimplePeer, channel.port1, () => {
      this.#relays.delete(stats);
      this.#relayedClosed.to_worker_bytes += stats.to_worker_bytes;
      this.#relayedClosed.to_network_bytes += stats.to_network_bytes;
      this.#connections.set(info_hash, Math.max(0, (this.#connections.get(info_hash) ?? 1) - 1));
      this.#signaling.disconnected(info_hash, remote);
    });
    this.#relays.add(stats);
    try {
      const address = peer.remoteAddress && peer.remotePort ? `${peer.remoteAddress}:${peer.remotePort}` : null;
      await this.call('peer.attach', { info_hash, peer_id: remote, port: channel.port2, address }, { transfer: [channel.port2] });
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      peer.destroy();
    }
  }

  /** A connection whose channel the worker already holds: name the remote, count it, and free its slot on close. */
  async #attachDirect(info_hash: string, peer: DirectPeer, remote: string): Promise<void> {
    if (peer.token === null) return peer.destroy();
    const stats: RelayStats = { to_worker_bytes: 0, to_network_bytes: 0 };
    this.#connections.set(info_hash, (this.#connections.get(info_hash) ?? 0) + 1);
    this.#relays.add(stats);
    peer.once('close', () => {
      this.#relays.delete(stats);
      this.#connections.set(info_hash, Math.max(0, (this.#connections.get(info_hash) ?? 1) - 1));
      this.#signaling.disconnected(info_hash, remote);
    });
    try {
      const address = peer.remoteAddress && peer.remotePort ? `${peer.remoteAddress}:${peer.remotePort}` : null;
      const { accepted } = await this.call('peer.attach_channel', { info_hash, peer_id: remote, token: peer.token, address });
      if (!accepted) peer.destroy();
    } catch (error) {
      if (!(error instanceof RpcError)) throw error;
      peer.destroy();
    }
  }
}

function simplePeer(initiator: boolean): SignalPeer {
  return simplePeerFactory(initiator);
}

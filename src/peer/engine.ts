// The peer inside the worker: one WebTorrent client (tracker, DHT and LSD off — the UI thread signals), its
// torrents with their OPFS stores and persisted records, and the relay ports the UI hands over per datachannel.
// Speed (bids, auction, payments) hooks in per torrent through speed-torrent.ts.
import { deleteStoredPieces, namespaceDir, opfsChunkStore } from './opfs-store.ts';
import { lockNamespace, MAX_TORRENTS, PeerStorage, type TorrentRecord } from './persist.ts';

export { MAX_TORRENTS } from './persist.ts';
export type { ManagedTorrent, TorrentHooks } from './torrent-view.ts';
import { RelayDuplex } from './relay-duplex.ts';
import { RpcError } from './rpc.ts';
import type { InitParams, PeerEvent, TorrentDetail, TorrentInfo, TorrentSource } from './rpc-schema.ts';
import { fileDigest, readRange } from './torrent-files.ts';
import { TorrentMoney } from './torrent-money.ts';
import { TorrentEvents } from './torrent-events.ts';
import { SAVE_DELAY_MS, TorrentSaver } from './torrent-saver.ts';
import { resumableBitfield, torrentDetail, torrentInfo, type ManagedTorrent, type TorrentHooks } from './torrent-view.ts';
import { WebTorrent, type AddOptions, type ChunkStoreConstructor, type Torrent, type WebTorrentClient } from './webtorrent.ts';

/** How often progress and peers are reported to the UI. */
export const STATUS_INTERVAL_MS = 1000;

export type HookFactory = (managed: ManagedTorrent) => TorrentHooks | null;
/** Adds to a saved bitfield the pieces known stored by other means (Speed: pieces already paid for). */
export type ResumeBitfield = (info_hash: string, bitfield: Uint8Array | null) => Promise<Uint8Array | null>;

export class PeerEngine {
  readonly #emit: (event: PeerEvent) => void;
  #client: WebTorrentClient | null = null;
  #storage: PeerStorage | null = null;
  #store: ChunkStoreConstructor | null = null;
  #params: InitParams | null = null;
  #namespace = '';
  #statusTimer: ReturnType<typeof setInterval> | null = null;
  #hookFactory: HookFactory = () => null;
  #resumeBitfield: ResumeBitfield = async (_info_hash, bitfield) => bitfield;
  readonly #torrents = new Map<string, ManagedTorrent>();
  readonly #saver = new TorrentSaver(() => this.#storage);
  readonly #events: TorrentEvents;

  constructor(emit: (event: PeerEvent) => void) {
    this.#emit = emit;
    this.#events = new TorrentEvents(emit, this.#saver);
  }

  get params(): InitParams {
    if (!this.#params) throw new RpcError('failed', 'peer not initialised: call init first');
    return this.#params;
  }

  get torrents(): ReadonlyMap<string, ManagedTorrent> {
    return this.#torrents;
  }

  setHookFactory(factory: HookFactory, resumeBitfield?: ResumeBitfield): void {
    this.#hookFactory = factory;
    if (resumeBitfield) this.#resumeBitfield = resumeBitfield;
  }

  updateParams(params: InitParams): void {
    this.#params = params;
    this.#applyUploadLimit();
  }

  /** webtorrent's client-wide throttle group covers every wire, relayed ones included (-1 turns it off). */
  #applyUploadLimit(): void {
    this.#client?.throttleUpload(this.#params?.speed.upload_limit_bytes_per_s ?? -1);
  }

  async init(params: InitParams): Promise<{ peer_id: string }> {
    if (this.#client) {
      if (params.namespace !== this.#namespace) throw new RpcError('failed', 'already initialised with another namespace');
      this.#params = params;
      return { peer_id: this.#client.peerId };
    }
    this.#params = params;
    this.#namespace = params.namespace;
    await lockNamespace(params.namespace);
    this.#storage = new PeerStorage(params.namespace);
    const storage = this.#storage;
    const channels = await namespaceDir(params.namespace).then((dir) => storage.openJournal(dir)).catch(() => 'indexeddb');
    this.#log('info', `channel records in ${channels}`);
    this.#store = opfsChunkStore(params.namespace);
    const client = new WebTorrent({ tracker: false, dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false });
    client.on('error', (error) => this.#log('error', `webtorrent: ${String(error)}`));
    this.#client = client;
    this.#applyUploadLimit();
    this.#statusTimer = setInterval(() => this.#events.report(this.#torrents.values()), STATUS_INTERVAL_MS);
    for (const record of await this.#storage.loadTorrents()) {
      try {
        await this.#resume(record);
      } catch (error) {
        this.#log('warn', `could not resume ${record.info_hash}: ${(error as Error).message}`);
      }
    }
    return { peer_id: client.peerId };
  }

  #requireClient(): WebTorrentClient {
    if (!this.#client) throw new RpcError('failed', 'peer not initialised: call init first');
    return this.#client;
  }

  #announceUrls(torrentAnnounce: readonly string[]): string[] {
    const urls = [...this.params.tracker_urls, ...torrentAnnounce].filter((u) => /^wss?:\/\//.test(u));
    return [...new Set(urls)].slice(0, 8);
  }

  #options(extra: AddOptions): AddOptions {
    if (!this.#store) throw new RpcError('failed', 'peer not initialised: call init first');
    // Reads from OPFS sync handles are cheap; webtorrent's in-memory piece cache would only cost heap.
    return { store: this.#store, storeCacheSlots: 0, ...extra };
  }

  async add(source: TorrentSource, speed: boolean, timeout_ms: number): Promise<TorrentInfo> {
    const client = this.#requireClient();
    if (this.#torrents.size >= MAX_TORRENTS) throw new RpcError('busy', `at most ${MAX_TORRENTS} torrents`);
    const id = source.kind === 'magnet' ? source.uri : source.bytes;
    const torrent = client.add(id, this.#options({ announce: this.params.tracker_urls.slice() }));
    return this.#track(torrent, speed, Date.now(), timeout_ms, null);
  }

  async seed(files: File[], name: string | null, speed: boolean, piece_length: number | null): Promise<TorrentInfo> {
    const client = this.#requireClient();
    if (this.#torrents.size >= MAX_TORRENTS) throw new RpcError('busy', `at most ${MAX_TORRENTS} torrents`);
    const options = this.#options({
      announce: this.params.tracker_urls.slice(),
      createdBy: 'Seedpay',
      ...(name ? { name } : {}),
      ...(piece_length ? { pieceLength: piece_length } : {}),
    });
    const torrent = client.seed(files, options);
    const seeded = new Promise<void>((resolve, reject) => {
      torrent.once('seed', () => resolve());
      torrent.once('error', (error) => reject(new RpcError('failed', String(error))));
    });
    const info = await this.#track(torrent, speed, Date.now(), null, seeded);
    return info;
  }

  async #resume(record: TorrentRecord): Promise<void> {
    const client = this.#requireClient();
    const bitfield = await this.#resumeBitfield(record.info_hash, record.bitfield);
    const torrent = client.add(record.torrent_file, this.#options({
      announce: this.params.tracker_urls.slice(),
      ...(bitfield ? { bitfield } : {}),
    }));
    const money = TorrentMoney.fromRecord(record.money) ?? new TorrentMoney();
    await this.#track(torrent, record.speed, record.added_at_ms, 60_000, null, money);
  }

  /**
   * Registers a torrent as soon as its info hash is known (the UI starts signaling and Speed starts watching its
   * wires, before metadata for magnets), and resolves with its info once metadata (and seeding) is ready.
   */
  #track(
    torrent: Torrent, speed: boolean, added_at_ms: number, timeout_ms: number | null, seeded: Promise<void> | null,
    money = new TorrentMoney(),
  ): Promise<TorrentInfo> {
    return new Promise<TorrentInfo>((resolve, reject) => {
      let settled = false;
      const timer = timeout_ms === null ? null : setTimeout(() => finish(new RpcError('timeout', 'no metadata in time')), timeout_ms);
      const finish = (error: Error | null, info?: TorrentInfo) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (error) reject(error);
        else resolve(info as TorrentInfo);
      };
      let managed: ManagedTorrent | null = null;
      torrent.once('error', (error) => finish(new RpcError('failed', String(error instanceof Error ? error.message : error))));
      torrent.once('infoHash', () => {
        const existing = this.#torrents.get(torrent.infoHash);
        if (existing && existing.torrent !== torrent) return; // webtorrent destroys the duplicate and errors it
        managed = { torrent, speed, added_at_ms, money, hooks: null, saveTimer: null, reportedDone: false };
        const saving = managed;
        money.onChange = (urgent) => this.#saver.schedule(saving, urgent ? 0 : SAVE_DELAY_MS);
        this.#torrents.set(torrent.infoHash, managed);
        this.#events.watch(managed);
        managed.hooks = this.#hookFactory(managed);
        this.#emit({ type: 'torrent.announce', info_hash: torrent.infoHash, announce: this.#announceUrls(torrent.announce ?? []) });
      });
      torrent.once('ready', () => {
        void (async () => {
          try {
            if (seeded) await seeded;
            if (!managed) throw new Error('torrent ready before its info hash');
            await this.#storage?.saveTorrent({
              info_hash: torrent.infoHash,
              torrent_file: Uint8Array.from(torrent.torrentFile),
              bitfield: resumableBitfield(managed),
              speed,
              added_at_ms,
              money: money.toRecord(),
            });
            const info = this.info(managed);
            this.#emit({ type: 'torrent.added', torrent: info });
            finish(null, info);
          } catch (error) {
            finish(error instanceof Error ? error : new Error(String(error)));
          }
        })();
      });
    });
  }

  info(managed: ManagedTorrent): TorrentInfo {
    return torrentInfo(managed, this.#announceUrls(managed.torrent.announce ?? []));
  }

  list(): TorrentInfo[] {
    return [...this.#torrents.values()].filter((m) => m.torrent.ready).map((m) => this.info(m));
  }

  get storage(): PeerStorage | null {
    return this.#storage;
  }

  #managed(info_hash: string): ManagedTorrent {
    const managed = this.#torrents.get(info_hash);
    if (!managed || managed.torrent.destroyed) throw new RpcError('failed', `no torrent ${info_hash}`);
    if (!managed.torrent.ready) throw new RpcError('failed', `torrent ${info_hash} has no metadata yet`);
    return managed;
  }

  async remove(info_hash: string, delete_data: boolean): Promise<void> {
    const managed = this.#torrents.get(info_hash);
    if (!managed) throw new RpcError('failed', `no torrent ${info_hash}`);
    this.#torrents.delete(info_hash);
    managed.hooks?.destroy();
    this.#saver.cancel(managed);
    await new Promise<void>((resolve) => managed.torrent.destroy({ destroyStore: delete_data }, () => resolve()));
    await this.#storage?.deleteTorrent(info_hash);
    if (delete_data) await deleteStoredPieces(this.#namespace, info_hash);
    this.#emit({ type: 'torrent.removed', info_hash });
  }

  statusOf(info_hash: string): TorrentDetail {
    return torrentDetail(this.#managed(info_hash));
  }

  /**
   * Speed on or off for a running torrent. A wire's extensions are fixed at its handshake, so the torrent's
   * connections are dropped and re-form (the UI re-announces): with the extension, or as plain BitTorrent. Channels
   * end as for a vanished peer — the provider closes them with the last signed state.
   */
  async setSpeed(info_hash: string, speed: boolean): Promise<TorrentInfo> {
    const managed = this.#managed(info_hash);
    if (managed.speed !== speed) {
      managed.speed = speed;
      this.reform(managed);
      await this.#storage?.updateTorrent(info_hash, { speed });
    }
    return this.info(managed);
  }

  /** Drops a torrent's connections and re-installs its hooks: they re-form with the extensions now in force. */
  reform(managed: ManagedTorrent): void {
    managed.hooks?.destroy();
    managed.hooks = null;
    for (const wire of [...managed.torrent.wires]) wire.destroy();
    managed.hooks = this.#hookFactory(managed);
  }

  attach(info_hash: string, peer_id: string, port: MessagePort, address: string | null = null): boolean {
    const managed = this.#torrents.get(info_hash);
    const torrent = managed?.torrent ?? this.#client?.torrents.find((t) => t.infoHash === info_hash);
    if (!torrent || torrent.destroyed || peer_id === this.#client?.peerId) {
      port.postMessage({ t: 'close', reason: 'no such torrent' });
      port.close();
      return false;
    }
    const duplex = new RelayDuplex(port, peer_id, address);
    // addPeer destroys the duplex itself when it refuses it (duplicate peer, paused torrent).
    return torrent.addPeer(duplex);
  }

  metainfo(info_hash: string): Uint8Array {
    return Uint8Array.from(this.#managed(info_hash).torrent.torrentFile);
  }

  /** Reads a file range through the store (waiting for pieces not yet downloaded). */
  read(info_hash: string, file_index: number, offset: number, length: number): Promise<Uint8Array> {
    return readRange(this.#managed(info_hash).torrent, file_index, offset, length);
  }

  digest(info_hash: string, file_index: number): Promise<string> {
    return fileDigest(this.#managed(info_hash).torrent, file_index);
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#emit({ type: 'log', level, message: message.slice(0, 4000) });
  }
}

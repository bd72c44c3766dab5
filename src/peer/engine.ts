// The peer: one WebTorrent client, its torrents with their stores and persisted records, and (in the browser
// worker) the relay ports the UI hands over per datachannel. Where it runs is its PeerPlatform (platform.ts): the
// worker's, or a Node process's. Speed (bids, auction, payments) hooks in per torrent through speed-torrent.ts.
import { seedPieceLength } from '../protocol/cdn-torrent.ts';
import { MAX_TORRENTS, type PeerStore, type TorrentRecord } from './persist.ts';
import type { PeerPlatform } from './platform.ts';
export { MAX_TORRENTS } from './persist.ts';
export type { ManagedTorrent, TorrentHooks } from './torrent-view.ts';
import { attachRelay } from './relay-attach.ts';
import { restoredBytes } from './resume-count.ts';
import { RpcError } from './rpc.ts';
import type { InitParams, PeerEvent, PieceOrder, TorrentDetail, TorrentInfo, TorrentSource } from './rpc-schema.ts';
import { fileDigest, readRange } from './torrent-files.ts';
import { TorrentMoney } from './torrent-money.ts';
import { TorrentEvents } from './torrent-events.ts';
import { SAVE_DELAY_MS, TorrentSaver } from './torrent-saver.ts';
import { resumableBitfield, resumableMoney, strategyOf, torrentDetail, torrentInfo, type ManagedTorrent, type TorrentHooks } from './torrent-view.ts';
import type { AddOptions, Torrent, WebTorrentClient } from './webtorrent.ts';

/** How often progress and peers are reported to the UI. */
export const STATUS_INTERVAL_MS = 1000;

export type HookFactory = (managed: ManagedTorrent) => TorrentHooks | null;
/** Adds to a saved bitfield the pieces known stored by other means (Speed: pieces already paid for). */
export type ResumeBitfield = (info_hash: string, bitfield: Uint8Array | null) => Promise<Uint8Array | null>;

export class PeerEngine {
  readonly #emit: (event: PeerEvent) => void;
  #client: WebTorrentClient | null = null;
  #storage: PeerStore | null = null;
  #params: InitParams | null = null;
  #namespace = '';
  #statusTimer: ReturnType<typeof setInterval> | null = null;
  #hookFactory: HookFactory = () => null;
  #resumeBitfield: ResumeBitfield = async (_info_hash, bitfield) => bitfield;
  readonly #torrents = new Map<string, ManagedTorrent>();
  readonly #saver = new TorrentSaver(() => this.#storage);
  readonly #events: TorrentEvents;
  readonly #platform: PeerPlatform;

  constructor(emit: (event: PeerEvent) => void, platform: PeerPlatform) {
    this.#emit = emit;
    this.#platform = platform;
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
    const opened = await this.#platform.open(params.namespace);
    this.#storage = opened.storage;
    this.#log('info', opened.note);
    const client = this.#platform.createClient();
    client.on('error', (error) => this.#log('error', `webtorrent: ${String(error)}`));
    this.#client = client;
    this.#applyUploadLimit();
    this.#statusTimer = setInterval(() => this.#events.report(this.#torrents.values()), STATUS_INTERVAL_MS);
    for (const record of await this.#storage.loadTorrents()) {
      await this.#resume(record).catch((error: unknown) => this.#log('warn', `could not resume ${record.info_hash}: ${(error as Error).message}`));
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

  #options(info_hash: string | null, extra: AddOptions): AddOptions {
    if (!this.#storage) throw new RpcError('failed', 'peer not initialised: call init first');
    return { ...this.#platform.addOptions(info_hash), ...extra };
  }

  async add(source: TorrentSource, speed: boolean, timeout_ms: number, order: PieceOrder = 'in_order'): Promise<TorrentInfo> {
    const client = this.#requireClient();
    if (this.#torrents.size >= MAX_TORRENTS) throw new RpcError('busy', `at most ${MAX_TORRENTS} torrents`);
    const id = source.kind === 'magnet' ? source.uri : source.bytes;
    const torrent = client.add(id, this.#options(null, { announce: this.params.tracker_urls.slice(), strategy: strategyOf(order) }));
    return this.#track(torrent, speed, Date.now(), timeout_ms, null);
  }

  /** Files picked in the browser, or (Node) a file or folder path, seeded in place. Piece length: given, or by size. */
  async seed(files: File[] | string, name: string | null, speed: boolean, piece_length: number | null): Promise<TorrentInfo> {
    const client = this.#requireClient();
    if (this.#torrents.size >= MAX_TORRENTS) throw new RpcError('busy', `at most ${MAX_TORRENTS} torrents`);
    const pieceLength = piece_length ?? (typeof files === 'string' ? null : seedPieceLength(files.reduce((sum, f) => sum + f.size, 0)));
    const options = this.#options(null, {
      announce: this.params.tracker_urls.slice(),
      createdBy: 'Seedpay',
      ...(name ? { name } : {}),
      ...(pieceLength ? { pieceLength } : {}),
    });
    const torrent = client.seed(files, options);
    const seeded = new Promise<void>((resolve, reject) => {
      torrent.once('seed', () => resolve());
      torrent.once('error', (error) => reject(new RpcError('failed', String(error))));
    });
    return this.#track(torrent, speed, Date.now(), null, seeded);
  }

  async #resume(record: TorrentRecord): Promise<void> {
    const client = this.#requireClient();
    const bitfield = await this.#resumeBitfield(record.info_hash, record.bitfield);
    const torrent = client.add(record.torrent_file, this.#options(record.info_hash, {
      announce: this.params.tracker_urls.slice(), strategy: strategyOf(record.order ?? 'in_order'),
      ...(bitfield ? { bitfield } : {}),
    }));
    const money = TorrentMoney.fromRecord(record.money) ?? new TorrentMoney();
    money.downloaded(restoredBytes(record.torrent_file, record.bitfield, bitfield));
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
              money: resumableMoney(managed),
              order: torrent.strategy === 'rarest' ? 'rarest_first' : 'in_order',
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

  get storage(): PeerStore | null {
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
    if (delete_data) await this.#platform.deletePieces(this.#namespace, info_hash);
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
    const torrent = this.#torrents.get(info_hash)?.torrent ?? this.#client?.torrents.find((t) => t.infoHash === info_hash);
    return attachRelay(torrent, this.#client?.peerId, peer_id, port, address);
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

  /**
   * Stops for good (a Node peer's exit): connections and Speed sessions end (channels paid into are closed on the
   * ledger with the best state signed: speed-payees.ts), records are saved, the client stops; torrents resume next start.
   */
  async stop(): Promise<void> {
    if (this.#statusTimer) clearInterval(this.#statusTimer);
    for (const managed of this.#torrents.values()) for (const wire of [...managed.torrent.wires]) wire.destroy();
    await new Promise((resolve) => setTimeout(resolve, 0)); // the wires report their close: sessions release channels
    for (const managed of this.#torrents.values()) {
      managed.hooks?.destroy();
      managed.hooks = null;
      await this.#saver.saveNow(managed);
    }
    const client = this.#client;
    this.#client = null;
    if (client) await new Promise<void>((resolve) => client.destroy(() => resolve()));
  }

  #log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#emit({ type: 'log', level, message: message.slice(0, 4000) });
  }
}

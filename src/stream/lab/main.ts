// Stream lab page: a peer, a test-video generator and the streaming Player without the app around them, exposed
// as window.seedpayStream (handle.ts) for test/e2e/stream-*.spec.ts, widget-*.spec.ts and the stream bench.
import { mount } from 'svelte';
import { loadOrCreateWallet } from '../../lab/lab-wallet.ts';
import { PeerClient, type SpeedSettings, type TorrentInfo, type WalletEvent } from '../../peer/client.ts';
import Player from '../Player.svelte';
import { hasPiece } from '../piece-map.ts';
import type { StreamLabHandle, StreamLabTorrent } from './handle.ts';
import { openBrowserWallet } from '../../wallet/index.ts';
import { DEFAULT_VIDEO, generateWebm } from './video-generator.ts';
import { labStatus, labTorrent as sharedLabTorrent, unbase64 } from '../../lab/lab-json.ts';

const log = document.getElementById('log');
/** Where shareVideo() leaves the test video for other pages of the same browser context. */
const SHARE_CACHE = 'seedpay-stream-lab';
const SHARE_KEY = '/stream-lab/shared-video.webm';
let client: PeerClient | null = null;
let video: Uint8Array | null = null;
const torrents = new Map<string, TorrentInfo>();
/** Wallet events kept for walletEvents(); a test's worth. */
const MAX_WALLET_EVENTS = 2_000;
const walletEvents: WalletEvent[] = [];

/** Settings from JSON: decimal strings become bigint units. */
function speedSettings(input: Record<string, string | number | boolean | null> | undefined): Partial<SpeedSettings> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input ?? {})) out[key] = typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : value;
  return out as Partial<SpeedSettings>;
}

const jsonSafe = (value: object) => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) as { kind: string };

function line(text: string): void {
  if (log) log.textContent = `${log.textContent ?? ''}${text}\n`.slice(-20_000);
}

function peer(): PeerClient {
  if (!client) throw new Error('stream lab: call start() first');
  return client;
}

function labTorrent(info: TorrentInfo): Promise<StreamLabTorrent> {
  torrents.set(info.info_hash, info);
  return sharedLabTorrent(peer(), info);
}

const handle: StreamLabHandle = {
  async start(options = {}) {
    if (client) return client.peerId;
    const namespace = options.namespace ?? 'stream-lab';
    const wallet = options.wallet === 'key' ? await loadOrCreateWallet(namespace) : null;
    client = await PeerClient.start({
      namespace,
      ledgerUrl: options.ledgerUrl ?? null,
      speed: speedSettings(options.speed),
      wallet: wallet ? { key: wallet.key, public_key: wallet.public_key } : null,
    });
    client.on((event) => {
      if (event.type === 'wallet') {
        walletEvents.push(event.event);
        if (walletEvents.length > MAX_WALLET_EVENTS) walletEvents.splice(0, walletEvents.length - MAX_WALLET_EVENTS);
      }
      if (event.type === 'log' || event.type === 'torrent.added' || event.type === 'torrent.done') line(`${event.type} ${JSON.stringify(event, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    });
    line(`peer ${client.peerId} started`);
    return client.peerId;
  },
  async generateVideo(spec = {}) {
    const started = performance.now();
    const full = { ...DEFAULT_VIDEO, ...spec };
    video = await generateWebm(full);
    line(`generated ${video.length} bytes, ${full.seconds} s`);
    return { size_bytes: video.length, duration_s: full.seconds, generate_ms: performance.now() - started };
  },
  async shareVideo() {
    if (!video) throw new Error('stream lab: call generateVideo() first');
    await (await caches.open(SHARE_CACHE)).put(SHARE_KEY, new Response(video as BodyInit));
  },
  async loadSharedVideo() {
    const response = await (await caches.open(SHARE_CACHE)).match(SHARE_KEY);
    if (!response) throw new Error('stream lab: no shared video');
    video = new Uint8Array(await response.arrayBuffer());
    return video.length;
  },
  async seedVideo(options = {}) {
    if (!video) throw new Error('stream lab: call generateVideo() first');
    const file = new File([video as BlobPart], options.name ?? 'seedpay-test.webm', { type: 'video/webm' });
    return labTorrent(await peer().seed([file], { speed: options.speed ?? false, ...(options.piece_length ? { piece_length: options.piece_length } : {}) }));
  },
  async addTorrentFile(torrent_file_b64) {
    return labTorrent(await peer().addTorrent({ kind: 'torrent_file', bytes: unbase64(torrent_file_b64) }, false));
  },
  mountPlayer(info_hash, options = {}) {
    const torrent = torrents.get(info_hash);
    const target = document.getElementById('player');
    if (!torrent || !target) return Promise.reject(new Error(`stream lab: no torrent ${info_hash}`));
    return new Promise((resolve, reject) => {
      mount(Player, {
        target,
        props: {
          client: peer(),
          torrent,
          autoplay: options.autoplay ?? false,
          muted: options.muted ?? true,
          onphase: (phase: string, detail: string) => {
            line(`player: ${phase} ${detail}`);
            if (phase === 'ready') resolve(phase);
            if (phase === 'no-service-worker' || phase === 'no-media') reject(new Error(detail));
          },
        },
      });
    });
  },
  async status(info_hash) {
    return labStatus((await peer().call('torrent.status', { info_hash })).status);
  },
  walletEvents() {
    return walletEvents.map(jsonSafe);
  },
  async hasPieceAt(info_hash, fraction, file_index = 0) {
    const pieces = await peer().call('stream.pieces', { info_hash, file_index });
    const byte = Math.min(pieces.file_length - 1, Math.floor(fraction * pieces.file_length));
    const index = Math.floor((pieces.file_offset + byte) / pieces.piece_length) - pieces.first_piece;
    return hasPiece(pieces, index);
  },
  async createWallet(password) {
    const { session } = await openBrowserWallet().create(password);
    return session.account.tronAddress;
  },
  async remove(info_hash) {
    await peer().call('torrent.remove', { info_hash, delete_data: true });
    torrents.delete(info_hash);
  },
  stop() {
    client?.close();
    client = null;
  },
};

window.seedpayStream = handle;
line('stream lab ready');

// Lab page: the peer without the app, for diagnostics and for the peer's end-to-end tests and bench. It boots a
// PeerClient on demand and exposes a typed handle (handle.ts) as window.seedpayLab.
import { PeerClient, DEFAULT_SPEED_SETTINGS, type PeerEvent, type SpeedSettings, type TorrentInfo, type TorrentStatus } from '../peer/client.ts';
import { toPublicKeyHex } from '../protocol/ed25519.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { LedgerClient } from '../wallet/ledger-client.ts';
import type { LabHandle, LabStatus, LabTorrent } from './handle.ts';
import { claimAirdrop, loadOrCreateWallet, type LabWallet } from './lab-wallet.ts';
import { plainDownload, plainSeed, plainStop } from './plain.ts';
import { base64, labStatus, labTorrent as sharedLabTorrent, unbase64 } from './lab-json.ts';

const MAX_EVENTS = 5000;
const log = document.getElementById('log');
let client: PeerClient | null = null;
let wallet: LabWallet | null = null;
let ledger: LedgerClient | null = null;
let speed: SpeedSettings = DEFAULT_SPEED_SETTINGS;
const events: Array<{ type: string; [key: string]: unknown }> = [];

function line(text: string): void {
  if (log) log.textContent = `${log.textContent ?? ''}${text}\n`.slice(-20_000);
}

/** bigint → decimal string, Uint8Array → length, so events survive page.evaluate. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

function peer(): PeerClient {
  if (!client) throw new Error('lab: call start() first');
  return client;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function labTorrent(info: TorrentInfo): Promise<LabTorrent> {
  return sharedLabTorrent(peer(), info);
}


function generate(size_bytes: number, seed: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(size_bytes / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, size_bytes);
}

function waitFor(info_hash: string, test: (s: TorrentStatus) => boolean, timeout_ms: number): Promise<LabStatus> {
  const c = peer();
  return new Promise((resolve, reject) => {
    const current = c.statusOf(info_hash);
    if (current && test(current)) return resolve(labStatus(current));
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timeout: ${JSON.stringify(labStatus(c.statusOf(info_hash)))}`));
    }, timeout_ms);
    const off = c.on((event: PeerEvent) => {
      if (event.type === 'torrent.status' && event.status.info_hash === info_hash && test(event.status)) {
        clearTimeout(timer);
        off();
        resolve(labStatus(event.status));
      }
    });
  });
}

function speedSettings(input: Record<string, string | number | boolean | null> | undefined): Partial<SpeedSettings> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input ?? {})) {
    out[key] = typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : value;
  }
  return out as Partial<SpeedSettings>;
}

const handle: LabHandle = {
  async start(options = {}) {
    if (client) return client.peerId;
    const namespace = options.namespace ?? 'lab';
    const ledgerUrl = options.ledgerUrl === undefined ? `${location.origin}/ledger` : options.ledgerUrl;
    if (ledgerUrl) ledger = new LedgerClient({ baseUrl: ledgerUrl });
    if (options.wallet && options.wallet !== 'none') {
      wallet = await loadOrCreateWallet(namespace);
      if (options.wallet === 'airdrop' && ledger) await claimAirdrop(ledger, wallet);
    }
    speed = { ...DEFAULT_SPEED_SETTINGS, ...speedSettings(options.speed) };
    client = await PeerClient.start({
      namespace,
      ledgerUrl,
      speed,
      // 'locked': the key exists (and is kept) but the peer gets it only on unlock(), as after an app reload.
      wallet: wallet && options.wallet !== 'locked' ? { key: wallet.key, public_key: wallet.public_key } : null,
      ...(options.trackerUrls ? { trackerUrls: options.trackerUrls } : {}),
      ...(options.datachannel ? { datachannel: options.datachannel } : {}),
    });
    client.on((event) => {
      events.push(jsonSafe(event) as { type: string });
      if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
      if (event.type === 'log' || event.type === 'wallet' || event.type === 'torrent.added' || event.type === 'torrent.done') {
        line(JSON.stringify(jsonSafe(event)));
      }
    });
    line(`peer ${client.peerId} started (datachannels: ${client.datachannelMode})`);
    return client.peerId;
  },
  async seedGenerated({ size_bytes, seed, name, speed, piece_length }) {
    const bytes = generate(size_bytes, seed);
    const sha256_hex = await sha256(bytes);
    const file = new File([bytes as BlobPart], name);
    const info = await peer().seed([file], { speed: speed ?? true, ...(piece_length ? { piece_length } : {}) });
    return { ...(await labTorrent(info)), sha256_hex };
  },
  async seedInput(selector, options = {}) {
    const input = document.querySelector<HTMLInputElement>(selector);
    const files = input?.files ? [...input.files] : [];
    if (files.length === 0) throw new Error(`lab: no files chosen in ${selector}`);
    // From a terminal the files may be many GB: 5 min per GB for hashing (measured: 381 MiB in 14 s here).
    const bytes = files.reduce((sum, file) => sum + file.size, 0);
    const timeout_ms = Math.max(300_000, Math.ceil(bytes / 1e9) * 5 * 60_000);
    return labTorrent(await peer().seed(files, { speed: options.speed ?? true, timeout_ms, ...(options.name ? { name: options.name } : {}) }));
  },
  async list() {
    return Promise.all((await peer().call('torrent.list', {})).map((info) => labTorrent(info)));
  },
  async addTorrentFile(torrent_file_b64, speed = true) {
    return labTorrent(await peer().addTorrent({ kind: 'torrent_file', bytes: unbase64(torrent_file_b64) }, speed));
  },
  async addMagnet(uri, speed = true, order = 'in_order') {
    return labTorrent(await peer().addTorrent({ kind: 'magnet', uri }, speed, order));
  },
  waitDone(info_hash, timeout_ms) {
    return waitFor(info_hash, (s) => s.done, timeout_ms);
  },
  waitProgress(info_hash, fraction, timeout_ms) {
    return waitFor(info_hash, (s) => s.progress >= fraction, timeout_ms);
  },
  async status(info_hash) {
    const { status } = await peer().call('torrent.status', { info_hash });
    return labStatus(status);
  },
  async digest(info_hash, file_index = 0) {
    // Hashing reads the whole file through the worker: allow about 10 s per 100 MB on a slow, busy machine.
    const { status } = await peer().call('torrent.status', { info_hash });
    const timeout_ms = Math.max(30_000, Math.ceil((status.downloaded + status.left) / 10_000_000) * 1000);
    return (await peer().call('torrent.file_digest', { info_hash, file_index }, { timeout_ms })).sha256_hex;
  },
  relayStats() {
    return peer().relayStats();
  },
  datachannelMode() {
    return peer().datachannelMode;
  },
  async rtcAvailability() {
    const source = `postMessage({ pc: typeof RTCPeerConnection, dc: typeof RTCDataChannel })`;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    const worker = new Worker(url, { type: 'module' });
    const inWorker = await new Promise<{ pc: string; dc: string }>((resolve) => {
      worker.onmessage = (event: MessageEvent) => resolve(event.data as { pc: string; dc: string });
    });
    worker.terminate();
    URL.revokeObjectURL(url);
    return { page: typeof RTCPeerConnection === 'function', worker: inWorker.pc === 'function' };
  },
  events() {
    return events.slice();
  },
  async remove(info_hash, delete_data) {
    await peer().call('torrent.remove', { info_hash, delete_data });
  },
  paymentKey() {
    return wallet ? toPublicKeyHex(wallet.public_key) : null;
  },
  async account() {
    if (!ledger || !wallet) throw new Error('lab: no ledger or wallet');
    const a = await ledger.account(toPublicKeyHex(wallet.public_key));
    return { balance_units: String(a.balance_units), escrow_units: String(a.escrow_units) };
  },
  async channel(channel_id) {
    if (!ledger) throw new Error('lab: no ledger');
    return jsonSafe(await ledger.channel(channel_id as ChannelId)) as Record<string, string | number | null>;
  },
  async audit() {
    const response = await fetch(`${location.origin}/ledger/audit`);
    return (await response.json()) as { ok: boolean };
  },
  async peers(info_hash) {
    const { peers } = await peer().call('torrent.status', { info_hash });
    return peers.map((p) => jsonSafe(p) as Record<string, unknown>);
  },
  async misbehave(mode) {
    await peer().call('test.misbehave', { mode });
  },
  async setTorrentSpeed(info_hash, on) {
    await peer().setTorrentSpeed(info_hash, on);
  },
  async setSpeed(input) {
    speed = { ...speed, ...speedSettings(input) };
    await peer().call('settings.set', { speed });
  },
  async unlock() {
    if (!wallet) throw new Error('lab: no wallet key (start with wallet "locked")');
    await peer().setWallet(wallet.key, wallet.public_key);
  },
  stop() {
    client?.close();
    client = null;
  },
  timeDownload(info_hash, timeout_ms) {
    const c = peer();
    return new Promise((resolve, reject) => {
      let first_ms: number | null = null;
      let peak = 0;
      const heap = () => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
      const poll = setInterval(() => {
        // The first relayed byte, or (channels in the worker, whose bytes this thread never sees) the first connection.
        const stats = c.relayStats();
        if (first_ms === null && (stats.to_worker_bytes > 0 || stats.connections > 0)) first_ms = performance.now();
        peak = Math.max(peak, heap());
      }, 20);
      const timer = setTimeout(() => finish(new Error('timeDownload: timeout')), timeout_ms);
      const off = c.on((event) => {
        if (event.type === 'torrent.done' && event.info_hash === info_hash) finish(null);
      });
      const finish = (error: Error | null) => {
        clearInterval(poll);
        clearTimeout(timer);
        off();
        if (error) return reject(error);
        const done_ms = performance.now();
        resolve({ first_byte_to_done_ms: done_ms - (first_ms ?? done_ms), bytes: c.relayStats().to_worker_bytes, peak_page_heap_bytes: peak });
      };
      if (c.statusOf(info_hash)?.done) finish(null);
    });
  },
  async plainSeed({ size_bytes, seed, name, piece_length }) {
    const bytes = generate(size_bytes, seed);
    const sha256_hex = await sha256(bytes);
    const { info_hash, torrent_file } = await plainSeed(bytes, name, piece_length ?? null);
    return { info_hash, torrent_file_b64: base64(torrent_file), sha256_hex };
  },
  plainDownload(torrent_file_b64, timeout_ms) {
    return plainDownload(unbase64(torrent_file_b64), timeout_ms);
  },
  plainStop() {
    plainStop();
  },
};

window.seedpayLab = handle;
line(`crossOriginIsolated=${String(globalThis.crossOriginIsolated)}; lab ready`);

// Adapts the peer's UI-thread client (src/peer/client.ts: worker, typed RPC, signaling) to the app's PeerApi:
// merges torrent info, status events and peer lists into one snapshot, and maps the app's settings onto the
// peer's SpeedSettings. Paid and free bytes and units are the peer's own (signed states and ledger closes, kept
// across reloads and Speed switches); the UI adds nothing of its own to them.
import { MAX_AMOUNT_UNITS } from '../../protocol/money.ts';
import { DEFAULT_SPEED_SETTINGS, MAX_READ_BYTES, PeerClient, type PeerEvent, type PeerStatus as WirePeer, type SpeedSettings, type TorrentInfo, type TorrentStatus } from '../../peer/client.ts';
import { clientName, keyFingerprint, peerTag } from '../lib/peer-label.ts';
import { parseMagnet } from './magnet.ts';
import type { InfoHash, PeerApi, PeerSettings, PeerSnapshot, PeerStatus, PeerSummary, TorrentDetail, TorrentSummary } from './peer-api.ts';

/** Snapshots to the UI at most this often: status events arrive per torrent, each once a second. */
const SNAPSHOT_INTERVAL_MS = 500;

interface Entry {
  info: TorrentInfo | null;
  /** For magnets still fetching metadata. */
  pending: { name: string; magnet_uri: string } | null;
  status: TorrentStatus | null;
  peers: readonly WirePeer[];
  error: string | null;
}

/** The peer's bitfield (MSB first) as one byte per piece, the shape the pieces map draws. */
function unpackBits(bits: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = ((bits[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  return out;
}

function emptyEntry(): Entry {
  return { info: null, pending: null, status: null, peers: [], error: null };
}

function summary(info_hash: string, entry: Entry): TorrentSummary {
  const s = entry.status;
  const length = entry.info?.length ?? 0;
  const done = s?.done ?? false;
  const phase = entry.error ? 'error' : !entry.info ? 'metadata' : done ? 'seeding' : 'downloading';
  const eta_s = s && !done && s.download_speed > 0 ? s.left / s.download_speed : null;
  return {
    info_hash: info_hash as InfoHash,
    name: entry.info?.name ?? entry.pending?.name ?? info_hash,
    magnet_uri: entry.info?.magnet_uri ?? entry.pending?.magnet_uri ?? '',
    phase,
    error: entry.error,
    length_bytes: length,
    downloaded_bytes: s?.downloaded ?? 0,
    uploaded_bytes: s?.uploaded ?? 0,
    progress: s?.progress ?? 0,
    down_bytes_per_s: s?.download_speed ?? 0,
    up_bytes_per_s: s?.upload_speed ?? 0,
    eta_s,
    peers: s?.num_peers ?? 0,
    speed_peers: entry.peers.filter((p) => p.speed === 'speed').length,
    speed_enabled: entry.info?.speed ?? true,
    paid_units: s?.paid_units ?? 0n,
    earned_units: s?.earned_units ?? 0n,
    paid_bytes: s?.paid_bytes ?? 0,
    free_bytes: s?.free_bytes ?? 0,
  };
}

function peerSummary(p: WirePeer): PeerSummary {
  return {
    id: p.peer_id,
    address: p.remote_address,
    tag: peerTag(p.peer_id),
    client: clientName(p.peer_id),
    fingerprint: p.payment_pk ? keyFingerprint(p.payment_pk) : null,
    speed: p.speed === 'speed',
    bid_units_per_kib: p.their_bid_units_per_kib ?? p.our_bid_units_per_kib,
    price_units_per_kib: p.price_units_per_kib,
    paid_units: p.paid_units,
    earned_units: p.earned_units,
    am_choking: p.am_choking,
    peer_choking: p.peer_choking,
    banned: p.banned,
    down_bytes_per_s: p.download_speed,
    up_bytes_per_s: p.upload_speed,
    downloaded_bytes: p.downloaded,
    uploaded_bytes: p.uploaded,
  };
}

/** The app's settings as the peer's: with Speed off globally the peer neither bids nor sells. */
export function toSpeedSettings(settings: PeerSettings): SpeedSettings {
  return {
    ...DEFAULT_SPEED_SETTINGS,
    bidding: settings.speed_enabled,
    spending_rate_ppm: settings.spending_rate_ppm,
    reserve_units_per_kib: settings.reserve_units_per_kib,
    providing: settings.speed_enabled && settings.providing,
    upload_limit_bytes_per_s: settings.upload_limit_bytes_per_s,
    torrent_cap_units: settings.torrent_cap_units ?? MAX_AMOUNT_UNITS,
    day_cap_units: settings.day_cap_units ?? MAX_AMOUNT_UNITS,
  };
}

export async function createPeerApi(): Promise<PeerApi | null> {
  if (typeof Worker === 'undefined') return null;
  const entries = new Map<string, Entry>();
  let client: PeerClient | null = null;
  let emitTimer: ReturnType<typeof setTimeout> | null = null;
  let onSnapshot: (snapshot: PeerSnapshot) => void = () => {};

  const entry = (info_hash: string) => {
    let found = entries.get(info_hash);
    if (!found) entries.set(info_hash, (found = emptyEntry()));
    return found;
  };
  const emit = () => {
    emitTimer = null;
    const torrents = [...entries].map(([hash, e]) => summary(hash, e));
    onSnapshot({
      torrents,
      down_bytes_per_s: torrents.reduce((n, t) => n + t.down_bytes_per_s, 0),
      up_bytes_per_s: torrents.reduce((n, t) => n + t.up_bytes_per_s, 0),
    });
  };
  const schedule = () => {
    emitTimer ??= setTimeout(emit, SNAPSHOT_INTERVAL_MS);
  };
  const onEvent = (event: PeerEvent) => {
    switch (event.type) {
      case 'torrent.added':
        entry(event.torrent.info_hash).info = event.torrent;
        entry(event.torrent.info_hash).pending = null;
        break;
      case 'torrent.removed':
        entries.delete(event.info_hash);
        break;
      case 'torrent.status':
        entry(event.status.info_hash).status = event.status;
        break;
      case 'torrent.error':
        entry(event.info_hash).error = event.message;
        break;
      case 'peers':
        entry(event.info_hash).peers = event.peers;
        break;
      default:
        return;
    }
    schedule();
  };
  const need = () => {
    if (!client) throw new Error('the torrent engine is not running');
    return client;
  };
  const added = (info: TorrentInfo) => {
    const e = entry(info.info_hash);
    e.info = info;
    e.pending = null;
    e.error = null;
    schedule();
    return info.info_hash as InfoHash;
  };

  return {
    async start(snapshotListener, onStatus: (status: PeerStatus) => void) {
      onSnapshot = snapshotListener;
      onStatus({ state: 'starting' });
      client = await PeerClient.start();
      client.on(onEvent);
      for (const info of await client.call('torrent.list', {})) added(info);
      onStatus({ state: 'ready' });
      emit();
    },
    async addMagnet(uri) {
      const facts = parseMagnet(uri);
      if (!facts) throw new Error('not a magnet link with a BitTorrent info hash');
      const e = entry(facts.info_hash);
      if (!e.info) e.pending = { name: facts.name ?? facts.info_hash, magnet_uri: uri };
      schedule();
      // Metadata can take minutes to arrive from peers: the list shows the magnet meanwhile.
      need()
        .addTorrent({ kind: 'magnet', uri })
        .then(added, (error: unknown) => {
          e.error = error instanceof Error ? error.message : 'could not fetch the torrent';
          schedule();
        });
      return facts.info_hash as InfoHash;
    },
    async joinServing(uri, timeout_ms) {
      const facts = parseMagnet(uri);
      if (!facts) throw new Error('not a magnet link with a BitTorrent info hash');
      const e = entry(facts.info_hash);
      if (!e.info) e.pending = { name: facts.name ?? facts.info_hash, magnet_uri: uri };
      schedule();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no metadata within ${Math.round(timeout_ms / 1000)} s`)), timeout_ms);
      });
      try {
        return added(await Promise.race([need().addTorrent({ kind: 'magnet', uri }, true, 'rarest_first'), late]));
      } finally {
        clearTimeout(timer);
      }
    },
    async addTorrentFile(bytes) {
      return added(await need().addTorrent({ kind: 'torrent_file', bytes }));
    },
    async seedFiles(files) {
      return added(await need().seed([...files]));
    },
    async remove(info_hash, { deleteData }) {
      await need().call('torrent.remove', { info_hash, delete_data: deleteData });
      entries.delete(info_hash);
      schedule();
    },
    async setTorrentSpeed(info_hash, enabled) {
      added(await need().setTorrentSpeed(info_hash, enabled));
    },
    async detail(info_hash): Promise<TorrentDetail | null> {
      const e = entries.get(info_hash);
      if (!e) return null;
      let pieces: Uint8Array | null = null;
      let file_bytes: readonly number[] = [];
      if (e.info) {
        const detail = await need().call('torrent.status', { info_hash });
        e.status = detail.status;
        e.peers = detail.peers;
        pieces = unpackBits(detail.pieces, e.info.piece_count);
        file_bytes = detail.file_bytes;
      }
      return {
        ...summary(info_hash, e),
        peer_list: e.peers.map(peerSummary),
        pieces,
        files: (e.info?.files ?? []).map((file, index) => ({ index, path: file.path, length_bytes: file.length, downloaded_bytes: file_bytes[index] ?? null })),
      };
    },
    streamSource(info_hash) {
      const info = entries.get(info_hash)?.info;
      return client && info ? { client, torrent: info } : null;
    },
    async fileBlob(info_hash, file_index) {
      const file = entries.get(info_hash)?.info?.files[file_index];
      if (!file) throw new Error('no such file');
      const parts: BlobPart[] = [];
      for (let offset = 0; offset < file.length; offset += MAX_READ_BYTES) {
        const length = Math.min(MAX_READ_BYTES, file.length - offset);
        parts.push((await need().call('torrent.read', { info_hash, file_index, offset, length })) as Uint8Array<ArrayBuffer>);
      }
      return new Blob(parts);
    },
    async metainfo(info_hash) {
      return need().call('torrent.metainfo', { info_hash });
    },
    async applySettings(settings) {
      await need().call('settings.set', { speed: toSpeedSettings(settings) });
    },
    async setPaymentKey(handle) {
      if (handle) await need().setWallet(handle.key, handle.publicKey);
      else await need().call('wallet.clear', {});
    },
  };
}

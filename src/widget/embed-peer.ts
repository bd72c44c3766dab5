// The embed's own peer. Each embed runs a worker peer in the Seedpay origin (in a third-party iframe that storage
// is partitioned per top-level site, so it never mixes with the app's). The engine holds one Web Lock per
// namespace, so several players on one page — or the app open in another tab — each take a free slot.
import { PeerClient, RpcError } from '../peer/client.ts';
import { MAX_TORRENT_FILE_BYTES, type TorrentInfo, type TorrentSource } from '../peer/client.ts';

/** A .torrent file larger than the peer's own limit is refused before it is fetched in full. */
export { MAX_TORRENT_FILE_BYTES };
import type { EmbedSource } from './embed-params.ts';

/** Players that can run at once in one browser (per top-level site once storage is partitioned). */
export const MAX_EMBED_SLOTS = 8;
const FETCH_TIMEOUT_MS = 20_000;

export async function startEmbedPeer(): Promise<PeerClient> {
  let last: unknown = null;
  for (let slot = 0; slot < MAX_EMBED_SLOTS; slot++) {
    try {
      // Free by default: Speed's bidding stays off until the visitor consents (WalletConsent.svelte).
      return await PeerClient.start({ namespace: `embed-${slot}`, speed: { bidding: false } });
    } catch (error) {
      last = error;
      if (!(error instanceof RpcError && error.code === 'busy')) throw error;
    }
  }
  throw last instanceof Error ? last : new Error('no free player slot');
}

/** Keeps the embed's storage to the one video it plays: other torrents an earlier embed left are removed. */
export async function dropOtherTorrents(client: PeerClient, keep: string): Promise<void> {
  for (const t of await client.call('torrent.list', {})) {
    if (t.info_hash !== keep) await client.call('torrent.remove', { info_hash: t.info_hash, delete_data: true }).catch(() => {});
  }
}

async function fetchTorrentFile(url: string): Promise<Uint8Array> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), credentials: 'omit' });
  if (!response.ok) throw new Error(`the torrent file could not be fetched (HTTP ${response.status})`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_TORRENT_FILE_BYTES) throw new Error('the torrent file is too large');
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length === 0 || bytes.length > MAX_TORRENT_FILE_BYTES) throw new Error('the torrent file is empty or too large');
  return bytes;
}

/** Adds the embed's torrent, free (Speed off). A torrent URL must allow CORS from the Seedpay origin. */
export async function addEmbedTorrent(client: PeerClient, source: EmbedSource): Promise<TorrentInfo> {
  const torrentSource: TorrentSource = source.kind === 'magnet'
    ? { kind: 'magnet', uri: source.uri }
    : { kind: 'torrent_file', bytes: await fetchTorrentFile(source.url) };
  try {
    return await client.addTorrent(torrentSource, false);
  } catch (error) {
    // An earlier visit left it in this slot's storage and the peer resumed it: play that one.
    const duplicate = /duplicate torrent ([0-9a-f]{40})/i.exec(error instanceof Error ? error.message : '');
    const existing = duplicate ? (await client.call('torrent.list', {})).find((t) => t.info_hash === duplicate[1]?.toLowerCase()) : undefined;
    if (existing) return existing;
    throw error;
  }
}

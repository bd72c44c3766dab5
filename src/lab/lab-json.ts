// What the lab pages hand Playwright: bytes as base64 text and torrents as JSON (page.evaluate carries only JSON).
import type { PeerClient, TorrentInfo, TorrentStatus } from '../peer/client.ts';
import type { LabStatus, LabTorrent } from './handle.ts';

export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function unbase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** A torrent as the lab handles return it, with its .torrent bytes read back from the worker. */
export async function labTorrent(client: PeerClient, info: TorrentInfo): Promise<LabTorrent> {
  return {
    info_hash: info.info_hash,
    name: info.name,
    length: info.length,
    piece_length: info.piece_length,
    piece_count: info.piece_count,
    magnet_uri: info.magnet_uri,
    torrent_file_b64: base64(await client.call('torrent.metainfo', { info_hash: info.info_hash })),
  };
}

/** A torrent's status with amounts as decimal strings. */
export function labStatus(s: TorrentStatus | undefined): LabStatus {
  return {
    progress: s?.progress ?? 0,
    downloaded: s?.downloaded ?? 0,
    uploaded: s?.uploaded ?? 0,
    done: s?.done ?? false,
    num_peers: s?.num_peers ?? 0,
    paid_units: String(s?.paid_units ?? 0n),
    earned_units: String(s?.earned_units ?? 0n),
    paid_bytes: s?.paid_bytes ?? 0,
    free_bytes: s?.free_bytes ?? 0,
  };
}

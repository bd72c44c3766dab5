// Plain WebTorrent on the page's main thread, from the same package the worker peer uses: the legacy peer for the
// interop specs and baseline (b) of the transfer bench. No worker, no Speed extension, its own tracker client.
import { WebTorrent, type Torrent, type WebTorrentClient } from '../peer/webtorrent.ts';

let client: WebTorrentClient | null = null;

function plainClient(): WebTorrentClient {
  client ??= new WebTorrent({ dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false });
  return client;
}

function tracker(): string[] {
  return [`${location.origin.replace(/^http/, 'ws')}/announce`];
}

async function sha256Hex(torrent: Torrent): Promise<string> {
  const file = torrent.files[0];
  if (!file) throw new Error('plain: no file');
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function plainSeed(bytes: Uint8Array, name: string, piece_length: number | null): Promise<{ info_hash: string; torrent_file: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const file = new File([bytes as BlobPart], name);
    const torrent = plainClient().seed([file], { announce: tracker(), ...(piece_length ? { pieceLength: piece_length } : {}) }, (t) =>
      resolve({ info_hash: t.infoHash, torrent_file: Uint8Array.from(t.torrentFile) }),
    );
    torrent.once('error', (error) => reject(new Error(String(error))));
  });
}

export function plainDownload(torrent_file: Uint8Array, timeout_ms: number): Promise<{ sha256_hex: string; seconds: number; first_byte_to_done_ms: number }> {
  const started = performance.now();
  let first_ms: number | null = null;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('plain: download timed out')), timeout_ms);
    const torrent = plainClient().add(torrent_file, { announce: tracker() });
    torrent.once('error', (error) => reject(new Error(String(error))));
    (torrent as unknown as { once(event: 'download', listener: () => void): void }).once('download', () => (first_ms = performance.now()));
    const finish = () => {
      clearTimeout(timer);
      const done_ms = performance.now();
      const seconds = (done_ms - started) / 1000;
      const first_byte_to_done_ms = done_ms - (first_ms ?? done_ms);
      sha256Hex(torrent).then((sha256_hex) => resolve({ sha256_hex, seconds, first_byte_to_done_ms }), reject);
    };
    torrent.once('ready', () => (torrent.done ? finish() : torrent.once('done', finish)));
  });
}

export function plainStop(): void {
  client?.destroy();
  client = null;
}

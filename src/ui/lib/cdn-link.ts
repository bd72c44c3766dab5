// The app's CDN link (docs/cdn-links.md §1): fetches a file by URL in the browser — possible only when its site
// allows cross-origin requests (CORS) — hashes it, builds the web-seeded torrent and registers it with this server.
import { buildCdnTorrent, cdnMagnet, cdnPieceLength, isWebSeedUrl, MAX_CDN_NAME_LENGTH, pieceHashes } from '../../protocol/cdn-torrent.ts';

/** Largest file the app hashes: it is read into memory and hashed on this thread (the terminal streams instead). */
export const MAX_APP_CDN_FILE_BYTES = 256 * 1024 * 1024;

export type CdnLinkResult =
  | { readonly ok: true; readonly info_hash: string; readonly name: string; readonly length_bytes: number; readonly magnet: string; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string };

const CORS_HINT = 'The browser could not fetch it. The site must send CORS headers (Access-Control-Allow-Origin) for the app to read it — or use `npm run cdn -- <url>` from a terminal, which has no such limit.';

function nameOf(url: URL): string {
  let last = '';
  try {
    last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '');
  } catch {
    last = '';
  }
  return last.length > 0 && last.length <= MAX_CDN_NAME_LENGTH && !/[/\\]/.test(last) ? last : 'file';
}

export async function makeCdnLink(url_text: string, seedpay_origin: string): Promise<CdnLinkResult> {
  const url = url_text.trim();
  if (!isWebSeedUrl(url)) return { ok: false, error: 'Enter an http(s) address of a file, without a user name or password.' };
  let bytes: Uint8Array;
  const warnings: string[] = [];
  try {
    const response = await fetch(url);
    if (response.status !== 200) return { ok: false, error: `The site answered ${response.status}.` };
    if (Number(response.headers.get('content-length') ?? '0') > MAX_APP_CDN_FILE_BYTES) {
      return { ok: false, error: `The file is larger than ${MAX_APP_CDN_FILE_BYTES / 1024 / 1024} MiB: use npm run cdn from a terminal.` };
    }
    bytes = new Uint8Array(await response.arrayBuffer());
    const probe = await fetch(url, { headers: { Range: 'bytes=0-0' } });
    await probe.body?.cancel();
    if (probe.status !== 206) warnings.push(`The site answered a Range request with ${probe.status}, not 206: downloads from it as a web seed will fail.`);
  } catch {
    return { ok: false, error: CORS_HINT };
  }
  if (bytes.length === 0) return { ok: false, error: 'The file is empty.' };
  if (bytes.length > MAX_APP_CDN_FILE_BYTES) return { ok: false, error: `The file is larger than ${MAX_APP_CDN_FILE_BYTES / 1024 / 1024} MiB.` };
  const piece_length = cdnPieceLength(bytes.length);
  const torrent = buildCdnTorrent({
    name: nameOf(new URL(url)),
    length_bytes: bytes.length,
    piece_length,
    pieces: pieceHashes(bytes, piece_length),
    web_seed: url,
    announce: `${seedpay_origin.replace(/^http/, 'ws')}/announce`,
  });
  const registered = await fetch(`${seedpay_origin}/cdn`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-bittorrent' },
    body: torrent.torrent_file.slice().buffer,
  });
  const entry = (await registered.json().catch(() => ({}))) as { torrent_url?: unknown; error?: unknown };
  if (registered.status !== 201 || typeof entry.torrent_url !== 'string') {
    return { ok: false, error: `The server refused the torrent (${typeof entry.error === 'string' ? entry.error : registered.status}).` };
  }
  return { ok: true, info_hash: torrent.info_hash, name: torrent.name, length_bytes: torrent.length_bytes, magnet: cdnMagnet(torrent, entry.torrent_url), warnings };
}

// The embed iframe's query string (/embed.html?magnet=…), as the widget loader (public/widget.js) and the snippet
// generator (snippet.ts) write it: which torrent, which file, and how to start. Validated: it comes from any page.

export const MAX_MAGNET_LENGTH = 8192;
export const MAX_TORRENT_URL_LENGTH = 2048;
export const MAX_FILE_INDEX = 100_000;

export type EmbedSource = { readonly kind: 'magnet'; readonly uri: string } | { readonly kind: 'torrent_url'; readonly url: string };

export interface EmbedParams {
  readonly source: EmbedSource;
  /** null: the first audio or video file. */
  readonly file_index: number | null;
  readonly autoplay: boolean;
  readonly muted: boolean;
}

export type EmbedParamsResult = { readonly ok: true; readonly params: EmbedParams } | { readonly ok: false; readonly error: string };

const MAGNET = /^magnet:\?(.*&)?xt=urn:bt(ih|mh):[0-9a-z]+/i;

function flag(value: string | null): boolean {
  return value !== null && value !== 'false' && value !== '0';
}

export function parseEmbedParams(search: string): EmbedParamsResult {
  const query = new URLSearchParams(search);
  const magnet = query.get('magnet');
  const torrent = query.get('torrent');
  let source: EmbedSource;
  if (magnet !== null) {
    if (magnet.length > MAX_MAGNET_LENGTH || !MAGNET.test(magnet)) return { ok: false, error: 'the magnet link is not valid' };
    source = { kind: 'magnet', uri: magnet };
  } else if (torrent !== null) {
    let url: URL;
    try {
      url = new URL(torrent);
    } catch {
      return { ok: false, error: 'the torrent URL is not valid' };
    }
    if (torrent.length > MAX_TORRENT_URL_LENGTH || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      return { ok: false, error: 'the torrent URL must be http(s)' };
    }
    source = { kind: 'torrent_url', url: url.href };
  } else {
    return { ok: false, error: 'no magnet or torrent given' };
  }
  const file = query.get('file');
  let file_index: number | null = null;
  if (file !== null && file !== '') {
    const n = Number(file);
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_FILE_INDEX) return { ok: false, error: 'file must be a file index' };
    file_index = n;
  }
  return { ok: true, params: { source, file_index, autoplay: flag(query.get('autoplay')), muted: flag(query.get('muted')) } };
}

/** The embed URL for a source (what the loader's iframe and the iframe snippet point at). */
export function embedUrl(seedpay_origin: string, params: EmbedParams): string {
  const url = new URL('/embed.html', seedpay_origin);
  if (params.source.kind === 'magnet') url.searchParams.set('magnet', params.source.uri);
  else url.searchParams.set('torrent', params.source.url);
  if (params.file_index !== null) url.searchParams.set('file', String(params.file_index));
  if (params.autoplay) url.searchParams.set('autoplay', '1');
  if (params.muted) url.searchParams.set('muted', '1');
  return url.href;
}

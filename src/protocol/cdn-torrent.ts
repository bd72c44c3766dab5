// CDN links (docs/cdn-links.md): a single-file torrent whose BEP 19 web seed is the publisher's own URL, its magnet
// (ws= the origin, xs= where the .torrent is served) and the checks a catalogue applies to one it is given. Pure.
import { sha1 } from '@noble/hashes/legacy.js';
import { bdecode, bencode, type BValue } from './messages-bencode.ts';

/** Smallest piece we cut: a web seed costs one HTTP range request per 16 KiB block, a payment per piece. */
export const MIN_CDN_PIECE_LENGTH_BYTES = 256 * 1024;
/** Largest piece we cut (a 16 GiB file still gets 1,024 pieces). */
export const MAX_CDN_PIECE_LENGTH_BYTES = 16 * 1024 * 1024;
/** Piece length grows (by powers of two) until a file has at most this many pieces. */
export const TARGET_CDN_PIECES = 1024;
/** Largest .torrent a catalogue accepts: 1 MiB holds the hashes of 52,000 pieces. */
export const MAX_CDN_TORRENT_BYTES = 1024 * 1024;
/** Longest web seed URL or name kept. */
export const MAX_CDN_URL_LENGTH = 2048;
export const MAX_CDN_NAME_LENGTH = 255;
/** Web seeds listed per torrent. */
export const MAX_CDN_WEB_SEEDS = 8;
/** Largest file a CDN torrent describes: 2^50 bytes, as the demand board's wanted_bytes. */
export const MAX_CDN_FILE_BYTES = 2 ** 50;
const SHA1_BYTES = 20;

const text = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });
const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The piece length for a file of `length_bytes`: a power of two within the bounds, at most TARGET_CDN_PIECES pieces.
 * Every torrent Seedpay creates uses it (seedPieceLength), not webtorrent's own rule, which cuts anything under
 * 46 MB into 16 KiB pieces: with one payment round trip per piece, a paid 16 KiB piece ran 86 % slower than a free
 * one (docs/throughput.md), where a 256 KiB piece hides that round trip behind its own transfer.
 */
export function cdnPieceLength(length_bytes: number): number {
  let piece = MIN_CDN_PIECE_LENGTH_BYTES;
  while (piece < MAX_CDN_PIECE_LENGTH_BYTES && Math.ceil(length_bytes / piece) > TARGET_CDN_PIECES) piece *= 2;
  return piece;
}

/** The piece length of a torrent the browser peer seeds (app and lab): the CDN rule above. */
export const seedPieceLength = cdnPieceLength;

/** SHA-1 of every piece, concatenated: what the info dictionary's `pieces` holds. The CLI streams instead. */
export function pieceHashes(bytes: Uint8Array, piece_length: number): Uint8Array {
  const count = Math.ceil(bytes.length / piece_length);
  const out = new Uint8Array(count * SHA1_BYTES);
  for (let i = 0; i < count; i++) out.set(sha1(bytes.subarray(i * piece_length, (i + 1) * piece_length)), i * SHA1_BYTES);
  return out;
}

export function isWebSeedUrl(url: string): boolean {
  if (url.length > MAX_CDN_URL_LENGTH) return false;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

export interface CdnTorrentInput {
  readonly name: string;
  readonly length_bytes: number;
  readonly piece_length: number;
  /** Concatenated 20-byte SHA-1 piece hashes. */
  readonly pieces: Uint8Array;
  readonly web_seed: string;
  readonly announce: string;
}

export interface CdnTorrent {
  readonly info_hash: string;
  readonly name: string;
  readonly length_bytes: number;
  readonly piece_length: number;
  readonly web_seeds: readonly string[];
  readonly announce: string | null;
  /** The .torrent bytes: canonical bencode. */
  readonly torrent_file: Uint8Array;
}

/** Builds the .torrent. Throws on inputs that cannot form one (a caller bug: the CLI checks its arguments first). */
export function buildCdnTorrent(input: CdnTorrentInput): CdnTorrent {
  if (!isWebSeedUrl(input.web_seed)) throw new RangeError('web_seed must be an http(s) URL');
  if (input.name.length === 0 || input.name.length > MAX_CDN_NAME_LENGTH || /[/\\]/.test(input.name)) throw new RangeError('bad name');
  if (!Number.isSafeInteger(input.length_bytes) || input.length_bytes <= 0 || input.length_bytes > MAX_CDN_FILE_BYTES) throw new RangeError('bad length');
  if (input.pieces.length !== Math.ceil(input.length_bytes / input.piece_length) * SHA1_BYTES) throw new RangeError('piece hashes do not match the length');
  const info = new Map<string, BValue>([
    ['length', BigInt(input.length_bytes)],
    ['name', text.encode(input.name)],
    ['piece length', BigInt(input.piece_length)],
    ['pieces', input.pieces],
  ]);
  const torrent = new Map<string, BValue>([
    ['announce', text.encode(input.announce)],
    ['created by', text.encode('Seedpay')],
    ['info', info],
    ['url-list', [text.encode(input.web_seed)]],
  ]);
  return {
    info_hash: hex(sha1(bencode(info))),
    name: input.name,
    length_bytes: input.length_bytes,
    piece_length: input.piece_length,
    web_seeds: [input.web_seed],
    announce: input.announce,
    torrent_file: bencode(torrent),
  };
}

/** A magnet any WebTorrent opens with no peer at all: metadata from `xs` (the .torrent's URL), pieces from `ws`. */
export function cdnMagnet(torrent: CdnTorrent, torrent_url: string | null): string {
  const params = [`xt=urn:btih:${torrent.info_hash}`, `dn=${encodeURIComponent(torrent.name)}`, `xl=${torrent.length_bytes}`];
  if (torrent.announce) params.push(`tr=${encodeURIComponent(torrent.announce)}`);
  for (const url of torrent.web_seeds) params.push(`ws=${encodeURIComponent(url)}`);
  if (torrent_url) params.push(`xs=${encodeURIComponent(torrent_url)}`);
  return `magnet:?${params.join('&')}`;
}

/** Why bytes are not a CDN torrent a catalogue keeps. */
export type CdnTorrentCode =
  | 'too_large'
  | 'not_bencode'
  | 'no_info'
  | 'not_single_file'
  | 'bad_name'
  | 'bad_length'
  | 'bad_piece_length'
  | 'bad_pieces'
  | 'no_web_seed'
  | 'bad_web_seed';

export type CdnTorrentResult = { readonly ok: true; readonly torrent: CdnTorrent } | { readonly ok: false; readonly code: CdnTorrentCode };

const LIMITS = { max_string_bytes: MAX_CDN_TORRENT_BYTES, max_depth: 4, max_items: 4096 };

function str(value: BValue | undefined): string | null {
  if (!(value instanceof Uint8Array)) return null;
  try {
    return utf8.decode(value);
  } catch {
    return null;
  }
}

/** Checks a .torrent for a catalogue: canonical bencode, one file, piece hashes that fit, http(s) web seeds. */
export function parseCdnTorrent(bytes: Uint8Array): CdnTorrentResult {
  const fail = (code: CdnTorrentCode): CdnTorrentResult => ({ ok: false, code });
  if (bytes.length > MAX_CDN_TORRENT_BYTES) return fail('too_large');
  const decoded = bdecode(bytes, LIMITS);
  if (!decoded.ok || !(decoded.value instanceof Map)) return fail('not_bencode');
  const root = decoded.value;
  const info = root.get('info');
  if (!(info instanceof Map)) return fail('no_info');
  if (info.has('files')) return fail('not_single_file');
  const name = str(info.get('name'));
  if (name === null || name.length === 0 || name.length > MAX_CDN_NAME_LENGTH || /[/\\]/.test(name)) return fail('bad_name');
  const length = info.get('length');
  if (typeof length !== 'bigint' || length <= 0n || length > BigInt(MAX_CDN_FILE_BYTES)) return fail('bad_length');
  const piece_length = info.get('piece length');
  if (typeof piece_length !== 'bigint' || piece_length < 16_384n || piece_length > BigInt(MAX_CDN_PIECE_LENGTH_BYTES)) return fail('bad_piece_length');
  const pieces = info.get('pieces');
  const count = (length + piece_length - 1n) / piece_length;
  if (!(pieces instanceof Uint8Array) || BigInt(pieces.length) !== count * BigInt(SHA1_BYTES)) return fail('bad_pieces');
  const listed = root.get('url-list');
  const raw = listed instanceof Uint8Array ? [listed] : Array.isArray(listed) ? listed : [];
  if (raw.length === 0) return fail('no_web_seed');
  const web_seeds = raw.map(str);
  if (raw.length > MAX_CDN_WEB_SEEDS || web_seeds.some((url) => url === null || !isWebSeedUrl(url))) return fail('bad_web_seed');
  return {
    ok: true,
    torrent: {
      info_hash: hex(sha1(bencode(info))),
      name,
      length_bytes: Number(length),
      piece_length: Number(piece_length),
      web_seeds: web_seeds as string[],
      announce: str(root.get('announce')),
      torrent_file: bytes,
    },
  };
}

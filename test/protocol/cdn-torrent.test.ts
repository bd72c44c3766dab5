// CDN torrents: the .torrent we build is what an independent bencode reader and SHA-1 see (info hash, pieces,
// url-list), its magnet carries ws= and xs=, and the catalogue's parser refuses each malformed input by its code.
import { createHash, randomBytes } from 'node:crypto';
// @ts-expect-error -- the bencode package ships no types; an independent reader is the point here.
import bencodeRaw from 'bencode';
import { describe, expect, it } from 'vitest';
import {
  buildCdnTorrent, cdnMagnet, cdnPieceLength, MAX_CDN_PIECE_LENGTH_BYTES, MAX_CDN_TORRENT_BYTES, MIN_CDN_PIECE_LENGTH_BYTES,
  parseCdnTorrent, pieceHashes, TARGET_CDN_PIECES,
} from '../../src/protocol/cdn-torrent.ts';
import { bencode, type BValue } from '../../src/protocol/messages-bencode.ts';

const bencodeLib = bencodeRaw as { decode(bytes: Uint8Array): unknown; encode(value: unknown): Uint8Array };
const te = new TextEncoder();
const file = randomBytes(700 * 1024 + 123);

function build(extra: Partial<Parameters<typeof buildCdnTorrent>[0]> = {}) {
  const piece_length = 256 * 1024;
  return buildCdnTorrent({
    name: 'clip.bin', length_bytes: file.length, piece_length, pieces: pieceHashes(file, piece_length),
    web_seed: 'http://127.0.0.1:9/files/clip.bin', announce: 'ws://127.0.0.1:8080/announce', ...extra,
  });
}

describe('buildCdnTorrent', () => {
  it('matches an independent bencode reader and SHA-1', () => {
    const t = build();
    const decoded = bencodeLib.decode(Buffer.from(t.torrent_file)) as Record<string, unknown> & { info: Record<string, unknown> };
    const info = decoded.info;
    expect(createHash('sha1').update(bencodeLib.encode(info)).digest('hex')).toBe(t.info_hash);
    expect(Number(info.length)).toBe(file.length);
    expect(Number(info['piece length'])).toBe(256 * 1024);
    const pieces = Buffer.from(info.pieces as Uint8Array);
    expect(pieces.length).toBe(3 * 20);
    expect(pieces.subarray(40, 60).toString('hex')).toBe(createHash('sha1').update(file.subarray(512 * 1024)).digest('hex'));
    expect((decoded['url-list'] as Uint8Array[]).map((u) => Buffer.from(u).toString())).toEqual(['http://127.0.0.1:9/files/clip.bin']);
  });

  it('refuses inputs that cannot form a torrent', () => {
    expect(() => build({ web_seed: 'ftp://x/y' })).toThrow(RangeError);
    expect(() => build({ web_seed: 'http://u:p@x/y' })).toThrow(RangeError);
    expect(() => build({ name: 'a/b' })).toThrow(RangeError);
    expect(() => build({ name: '' })).toThrow(RangeError);
    expect(() => build({ length_bytes: 0 })).toThrow(RangeError);
    expect(() => build({ pieces: new Uint8Array(40) })).toThrow(RangeError);
  });

  it('round-trips through the catalogue parser', () => {
    const t = build();
    const parsed = parseCdnTorrent(t.torrent_file);
    expect(parsed.ok && parsed.torrent.info_hash).toBe(t.info_hash);
    expect(parsed.ok && parsed.torrent.web_seeds).toEqual(t.web_seeds);
  });

  it('writes a magnet with the web seed and the exact source', () => {
    const t = build();
    const magnet = new URL(cdnMagnet(t, 'http://127.0.0.1:8080/cdn/x.torrent'));
    expect(magnet.searchParams.get('xt')).toBe(`urn:btih:${t.info_hash}`);
    expect(magnet.searchParams.get('ws')).toBe('http://127.0.0.1:9/files/clip.bin');
    expect(magnet.searchParams.get('xs')).toBe('http://127.0.0.1:8080/cdn/x.torrent');
    expect(magnet.searchParams.get('tr')).toBe('ws://127.0.0.1:8080/announce');
    expect(cdnMagnet(t, null)).not.toContain('xs=');
  });
});

describe('cdnPieceLength', () => {
  it('is a power of two within bounds, with at most the target pieces while it can', () => {
    for (const size of [1, 1024 * 1024, 20 * 1024 * 1024, 300 * 1024 * 1024, 5 * 1024 ** 3, 64 * 1024 ** 3]) {
      const p = cdnPieceLength(size);
      expect(p & (p - 1)).toBe(0);
      expect(p).toBeGreaterThanOrEqual(MIN_CDN_PIECE_LENGTH_BYTES);
      expect(p).toBeLessThanOrEqual(MAX_CDN_PIECE_LENGTH_BYTES);
      if (p < MAX_CDN_PIECE_LENGTH_BYTES) expect(Math.ceil(size / p)).toBeLessThanOrEqual(TARGET_CDN_PIECES);
    }
  });
});

describe('parseCdnTorrent refuses', () => {
  const good = build();
  const root = (mutate: (info: Map<string, BValue>, root: Map<string, BValue>) => void): Uint8Array => {
    const info = new Map<string, BValue>([
      ['length', BigInt(file.length)], ['name', te.encode('clip.bin')], ['piece length', 262144n], ['pieces', pieceHashes(file, 262144)],
    ]);
    const r = new Map<string, BValue>([['info', info], ['url-list', [te.encode('http://127.0.0.1:9/a')]]]);
    mutate(info, r);
    return bencode(r);
  };
  const code = (bytes: Uint8Array) => {
    const parsed = parseCdnTorrent(bytes);
    return parsed.ok ? 'ok' : parsed.code;
  };
  it('each malformed input by its code', () => {
    expect(code(root(() => undefined))).toBe('ok');
    expect(code(new Uint8Array(MAX_CDN_TORRENT_BYTES + 1))).toBe('too_large');
    expect(code(te.encode('not bencode'))).toBe('not_bencode');
    expect(code(good.torrent_file.subarray(0, good.torrent_file.length - 1))).toBe('not_bencode');
    expect(code(te.encode('le'))).toBe('not_bencode');
    expect(code(root((_i, r) => r.delete('info')))).toBe('no_info');
    expect(code(root((i) => i.set('files', [])))).toBe('not_single_file');
    expect(code(root((i) => i.set('name', te.encode('../etc'))))).toBe('bad_name');
    expect(code(root((i) => i.set('name', new Uint8Array([0xff, 0xfe]))))).toBe('bad_name');
    expect(code(root((i) => i.set('length', 0n)))).toBe('bad_length');
    expect(code(root((i) => i.set('length', te.encode('5'))))).toBe('bad_length');
    expect(code(root((i) => i.set('piece length', 100n)))).toBe('bad_piece_length');
    expect(code(root((i) => i.set('pieces', new Uint8Array(20))))).toBe('bad_pieces');
    expect(code(root((_i, r) => r.delete('url-list')))).toBe('no_web_seed');
    expect(code(root((_i, r) => r.set('url-list', [])))).toBe('no_web_seed');
    expect(code(root((_i, r) => r.set('url-list', [te.encode('javascript:alert(1)')])))).toBe('bad_web_seed');
    expect(code(root((_i, r) => r.set('url-list', [5n])))).toBe('bad_web_seed');
    expect(code(root((_i, r) => r.set('url-list', te.encode('https://example.test/a'))))).toBe('ok');
  });
});

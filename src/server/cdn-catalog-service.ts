// The CDN catalogue in `npm start` (docs/cdn-links.md): publishers register the .torrent of a CDN link, so a magnet
// opens with no peer (xs= here) and earn-mode providers who see an info hash on the demand board find its web seed.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { cdnMagnet, MAX_CDN_TORRENT_BYTES, parseCdnTorrent, type CdnTorrent } from '../protocol/cdn-torrent.ts';

/** Torrents the catalogue holds; registrations beyond it are refused (`catalogue_full`). */
export const MAX_CATALOGUE_TORRENTS = 10_000;
const INFO_HASH = /^[0-9a-f]{40}$/;

export interface CdnCatalogueService {
  /** POST / (a .torrent body), GET /<info_hash> (JSON), GET /<info_hash>.torrent (the bytes); mount at /cdn. */
  readonly app: Hono;
  /** The server's public origin, once known (magnets and torrent URLs are absolute). */
  setOrigin(origin: string): void;
}

export interface CdnEntryJson {
  info_hash: string;
  name: string;
  length_bytes: number;
  piece_length: number;
  web_seeds: readonly string[];
  torrent_url: string;
  magnet: string;
}

/** `dir`: where registered .torrent files are kept across restarts (null: memory only). */
export function createCdnCatalogueService(dir: string | null): CdnCatalogueService {
  const torrents = new Map<string, CdnTorrent>();
  let origin = '';
  if (dir) {
    mkdirSync(dir, { recursive: true });
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.torrent') || torrents.size >= MAX_CATALOGUE_TORRENTS) continue;
      const parsed = parseCdnTorrent(new Uint8Array(readFileSync(join(dir, file))));
      if (parsed.ok) torrents.set(parsed.torrent.info_hash, parsed.torrent);
    }
  }
  const torrentUrl = (info_hash: string) => `${origin}/cdn/${info_hash}.torrent`;
  const entry = (t: CdnTorrent): CdnEntryJson => ({
    info_hash: t.info_hash,
    name: t.name,
    length_bytes: t.length_bytes,
    piece_length: t.piece_length,
    web_seeds: t.web_seeds,
    torrent_url: torrentUrl(t.info_hash),
    magnet: cdnMagnet(t, torrentUrl(t.info_hash)),
  });

  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('Access-Control-Allow-Origin', '*'); // widgets and peers on other origins fetch the .torrent (xs=)
  });
  app.post('/', async (c) => {
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > MAX_CDN_TORRENT_BYTES) return c.json({ error: 'too_large' }, 413);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const parsed = parseCdnTorrent(body);
    if (!parsed.ok) return c.json({ error: parsed.code }, parsed.code === 'too_large' ? 413 : 400);
    const t = parsed.torrent;
    if (!torrents.has(t.info_hash)) {
      if (torrents.size >= MAX_CATALOGUE_TORRENTS) return c.json({ error: 'catalogue_full' }, 503);
      torrents.set(t.info_hash, t);
      if (dir) writeFileSync(join(dir, `${t.info_hash}.torrent`), t.torrent_file);
    }
    return c.json(entry(torrents.get(t.info_hash) as CdnTorrent), 201);
  });
  app.get('/:id', (c) => {
    const id = c.req.param('id');
    const file = id.endsWith('.torrent');
    const info_hash = file ? id.slice(0, -'.torrent'.length) : id;
    if (!INFO_HASH.test(info_hash)) return c.json({ error: 'bad_info_hash' }, 400);
    const t = torrents.get(info_hash);
    if (!t) return c.json({ error: 'not_found' }, 404);
    if (!file) return c.json(entry(t));
    return c.body(t.torrent_file.slice().buffer, 200, { 'Content-Type': 'application/x-bittorrent' });
  });
  return { app, setOrigin: (o) => (origin = o.replace(/\/+$/, '')) };
}

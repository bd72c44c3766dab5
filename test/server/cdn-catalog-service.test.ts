// The CDN catalogue's HTTP API: a registered .torrent is served back byte for byte (and survives a restart from its
// directory) with a magnet carrying ws= and xs=; every bad input is refused with its code and changes nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCdnTorrent, MAX_CDN_TORRENT_BYTES, pieceHashes } from '../../src/protocol/cdn-torrent.ts';
import { createCdnCatalogueService } from '../../src/server/cdn-catalog-service.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function torrent(size = 300 * 1024) {
  const bytes = randomBytes(size);
  return buildCdnTorrent({
    name: 'a.bin', length_bytes: size, piece_length: 262144, pieces: pieceHashes(bytes, 262144),
    web_seed: 'http://127.0.0.1:9/a.bin', announce: 'ws://127.0.0.1:8080/announce',
  });
}

function service() {
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-cdn-'));
  dirs.push(dir);
  const s = createCdnCatalogueService(dir);
  s.setOrigin('http://127.0.0.1:8080/');
  return { dir, s };
}

const post = (s: ReturnType<typeof service>['s'], body: Uint8Array) =>
  s.app.request('/', { method: 'POST', body: Buffer.from(body), headers: { 'Content-Type': 'application/x-bittorrent' } });

describe('CDN catalogue', () => {
  it('registers, serves back and keeps across a restart', async () => {
    const { dir, s } = service();
    const t = torrent();
    const created = await post(s, t.torrent_file);
    expect(created.status).toBe(201);
    const entry = (await created.json()) as { info_hash: string; torrent_url: string; magnet: string; web_seeds: string[] };
    expect(entry.info_hash).toBe(t.info_hash);
    expect(entry.torrent_url).toBe(`http://127.0.0.1:8080/cdn/${t.info_hash}.torrent`);
    expect(entry.magnet).toContain(`xs=${encodeURIComponent(entry.torrent_url)}`);
    expect(entry.web_seeds).toEqual(['http://127.0.0.1:9/a.bin']);
    expect((await post(s, t.torrent_file)).status).toBe(201); // idempotent

    const restarted = createCdnCatalogueService(dir);
    const file = await restarted.app.request(`/${t.info_hash}.torrent`);
    expect(file.status).toBe(200);
    expect(file.headers.get('access-control-allow-origin')).toBe('*');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(t.torrent_file);
    expect(((await (await restarted.app.request(`/${t.info_hash}`)).json()) as { name: string }).name).toBe('a.bin');
  });

  it('refuses bad input with its code', async () => {
    const { s } = service();
    const t = torrent();
    const refused = async (body: Uint8Array) => {
      const r = await post(s, body);
      return [r.status, ((await r.json()) as { error: string }).error];
    };
    expect(await refused(new TextEncoder().encode('hello'))).toEqual([400, 'not_bencode']);
    expect(await refused(new Uint8Array(0))).toEqual([400, 'not_bencode']);
    expect(await refused(new Uint8Array(MAX_CDN_TORRENT_BYTES + 1))).toEqual([413, 'too_large']);
    const noSeed = new TextDecoder('latin1').decode(t.torrent_file).replace('8:url-list', '8:url-lisx');
    expect(await refused(Uint8Array.from(noSeed, (c) => c.charCodeAt(0)))).toEqual([400, 'no_web_seed']);
    expect((await s.app.request('/nothex')).status).toBe(400);
    expect((await s.app.request(`/${'ab'.repeat(20)}.torrent`)).status).toBe(404);
    expect((await s.app.request(`/${'AB'.repeat(20)}`)).status).toBe(400);
    expect((await s.app.request(`/${t.info_hash}`)).status).toBe(404); // nothing was registered
  });
});

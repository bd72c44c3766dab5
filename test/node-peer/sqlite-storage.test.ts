// The Node peer's records in SQLite: the same contract as the browser's IndexedDB store (persist.ts) — torrents
// round-trip with their bytes, corrupt rows are dropped and never trusted, channel states are durable JSON found by
// prefix — and one process per profile.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqlitePeerStore } from '../../src/node-peer/sqlite-storage.ts';

const dir = mkdtempSync(join(tmpdir(), 'seedpay-node-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const record = (info_hash: string, added_at_ms: number) => ({
  info_hash, torrent_file: Uint8Array.of(1, 2, 3), bitfield: Uint8Array.of(0xff, 0x80), speed: true, added_at_ms, money: { v: 1 },
});

describe('SqlitePeerStore', () => {
  it('keeps torrents and channel states across a reopen, drops what is corrupt, and finds channels by prefix', async () => {
    const file = join(dir, 'a.sqlite');
    let store = SqlitePeerStore.open(file);
    await store.saveTorrent(record('b'.repeat(40), 2));
    await store.saveTorrent(record('a'.repeat(40), 1));
    await store.updateTorrent('a'.repeat(40), { bitfield: Uint8Array.of(1), speed: false });
    await store.saveChannel('payer:x:1', { seq: '5' });
    await store.saveChannel('payer:x:2', { seq: '6' });
    await store.saveChannel('payee:x:1', { seq: '7' });
    store.setDataDir('a'.repeat(40), '/srv/files');
    store.close();

    // Damage one torrent row and one channel row behind the store's back.
    const raw = new Database(file);
    raw.prepare('UPDATE torrents SET record = ? WHERE info_hash = ?').run(Buffer.from('not v8'), 'b'.repeat(40));
    raw.prepare('UPDATE channels SET json = ? WHERE key = ?').run('{not json', 'payer:x:2');
    raw.close();

    store = SqlitePeerStore.open(file);
    const torrents = await store.loadTorrents();
    expect(torrents).toHaveLength(1);
    expect(torrents[0]).toMatchObject({ info_hash: 'a'.repeat(40), speed: false, added_at_ms: 1 });
    expect(torrents[0]!.bitfield).toEqual(Uint8Array.of(1));
    expect(torrents[0]!.torrent_file).toEqual(Uint8Array.of(1, 2, 3));
    expect(await store.loadChannels('payer:x:')).toEqual([['payer:x:1', { seq: '5' }]]);
    expect(await store.loadChannel('payee:x:1')).toEqual({ seq: '7' });
    expect(await store.loadChannel('missing')).toBeUndefined();
    expect(store.dataDir('a'.repeat(40))).toBe('/srv/files');
    await store.deleteChannel('payee:x:1');
    expect(await store.loadChannel('payee:x:1')).toBeUndefined();
    store.close();
  });

  it('refuses a second process (connection) on the same profile', () => {
    const file = join(dir, 'b.sqlite');
    const first = SqlitePeerStore.open(file);
    expect(() => SqlitePeerStore.open(file)).toThrow(/already runs/);
    first.close();
    SqlitePeerStore.open(file).close();
  });
});

// The app's earn-mode settings (src/ui/earn/earn-settings.ts): stored values are checked field by field (anything a
// person or another version could not have written falls back), typed site lists are parsed to origins with their
// errors worded, and earn mode's upload limit caps the peer only while it is on, the lower limit winning. Also what
// earn mode joined, as the app reads it back from IndexedDB (src/services/earn/joined-record.ts).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EARN_SETTINGS, MAX_BUDGET_MIB, MAX_ORIGINS, parseEarnSettings, parseOrigins, parseWhole, serializeEarnSettings, toLoopSettings, withEarnUploadLimit,
} from '../../../src/ui/earn/earn-settings.ts';
import type { PeerSettings } from '../../../src/ui/peer/peer-api.ts';
import { UNLIMITED_UPLOAD_BYTES_PER_S } from '../../../src/services/earn/earn-loop.ts';
import { MAX_JOINED_ENTRIES, parseJoinedRecord } from '../../../src/services/earn/joined-record.ts';

const PEER: PeerSettings = {
  speed_enabled: true, spending_rate_ppm: 0n, torrent_cap_units: null, day_cap_units: null, reserve_units_per_kib: 1n, upload_limit_bytes_per_s: null, providing: true,
};

describe('earn settings', () => {
  it('round-trips what a person set, and reads it into the loop settings', () => {
    const s = { enabled: true, budget_mib: 64, upload_limit_kib_s: 200, accept: 'listed' as const, origins: ['https://cdn.example.com'] };
    expect(parseEarnSettings(serializeEarnSettings(s))).toEqual(s);
    expect(toLoopSettings(s, 'http://127.0.0.1:8080')).toEqual({
      server: 'http://127.0.0.1:8080', budget_bytes: 64 * 1024 * 1024, upload_limit_bytes_per_s: 200 * 1024,
      accept: { kind: 'listed', origins: ['https://cdn.example.com'], info_hashes: [] },
    });
    expect(toLoopSettings(DEFAULT_EARN_SETTINGS, 'x').upload_limit_bytes_per_s).toBe(UNLIMITED_UPLOAD_BYTES_PER_S);
    expect(toLoopSettings(DEFAULT_EARN_SETTINGS, 'x').accept).toEqual({ kind: 'any' });
  });

  it('falls back field by field on stored values it could not have written; off unless exactly true', () => {
    for (const bad of [null, 1, 'x', [], undefined]) expect(parseEarnSettings(bad)).toEqual(DEFAULT_EARN_SETTINGS);
    expect(parseEarnSettings({ enabled: 'yes', budget_mib: 0, upload_limit_kib_s: -1, accept: 'listed', origins: [] })).toEqual(DEFAULT_EARN_SETTINGS);
    expect(parseEarnSettings({ budget_mib: MAX_BUDGET_MIB + 1 }).budget_mib).toBe(DEFAULT_EARN_SETTINGS.budget_mib);
    expect(parseEarnSettings({ budget_mib: 1.5 }).budget_mib).toBe(DEFAULT_EARN_SETTINGS.budget_mib);
    // A list with one entry that is not an origin is not ours: dropped whole, and 'listed' with nothing becomes 'any'.
    expect(parseEarnSettings({ accept: 'listed', origins: ['https://a.example', 'ftp://b'] })).toMatchObject({ accept: 'any', origins: [] });
    expect(parseEarnSettings({ accept: 'listed', origins: ['https://a.example', 5] })).toMatchObject({ accept: 'any', origins: [] });
  });

  it('parses typed sites to origins and words what is wrong', () => {
    expect(parseOrigins(' https://a.example/path?q=1, http://b.example:8080  https://a.example ')).toEqual({ ok: true, origins: ['https://a.example', 'http://b.example:8080'] });
    expect(parseOrigins('')).toEqual({ ok: true, origins: [] });
    expect(parseOrigins('example.com')).toEqual({ ok: false, error: '"example.com" is not a site address such as https://example.com.' });
    expect(parseOrigins('javascript:alert(1)').ok).toBe(false);
    expect(parseOrigins(Array.from({ length: MAX_ORIGINS + 1 }, (_, i) => `https://s${i}.example`).join(','))).toEqual({ ok: false, error: `At most ${MAX_ORIGINS} sites.` });
    expect([parseWhole('12', 100), parseWhole('0', 100), parseWhole('101', 100), parseWhole('1.5', 100), parseWhole(' ', 100), parseWhole('1e2', 100)]).toEqual([12, null, null, null, null, 100]);
  });

  it('caps the peer upload only while earn mode is on, the lower limit holding', () => {
    const on = { ...DEFAULT_EARN_SETTINGS, enabled: true, upload_limit_kib_s: 100 };
    expect(withEarnUploadLimit(PEER, on).upload_limit_bytes_per_s).toBe(100 * 1024);
    expect(withEarnUploadLimit({ ...PEER, upload_limit_bytes_per_s: 50 * 1024 }, on).upload_limit_bytes_per_s).toBe(50 * 1024);
    expect(withEarnUploadLimit({ ...PEER, upload_limit_bytes_per_s: 500 * 1024 }, on).upload_limit_bytes_per_s).toBe(100 * 1024);
    expect(withEarnUploadLimit(PEER, { ...on, enabled: false })).toBe(PEER);
    expect(withEarnUploadLimit(PEER, { ...on, upload_limit_kib_s: null })).toBe(PEER);
  });
});

describe('what earn mode joined, read back from storage', () => {
  const good = { name: 'talk.bin', length_bytes: 3, joined_at_ms: 1, last_demand_ms: 2, estimate_units: '40', why: 'median bid …' };
  const H = 'a'.repeat(40);

  it('keeps entries the loop wrote, with or without why', () => {
    const { why: _why, ...old } = good;
    expect(parseJoinedRecord({ [H]: good, ['b'.repeat(40)]: old })).toEqual({ [H]: good, ['b'.repeat(40)]: old });
  });

  it('leaves out what the loop could not have written (so those torrents count as the user\'s own)', () => {
    for (const bad of [null, 'x', 3, [good]]) expect(parseJoinedRecord(bad)).toEqual({});
    expect(parseJoinedRecord({
      ['A'.repeat(40)]: good, short: good, [H]: { ...good, length_bytes: -1 }, ['c'.repeat(40)]: { ...good, estimate_units: '1e9' },
      ['d'.repeat(40)]: { ...good, name: 5 }, ['e'.repeat(40)]: null, ['f'.repeat(40)]: { ...good, joined_at_ms: 1.5 },
    })).toEqual({});
    const { why: _why, ...withoutWhy } = good;
    expect(parseJoinedRecord({ [H]: { ...good, why: 'x'.repeat(501) } })).toEqual({ [H]: withoutWhy });
    const many = Object.fromEntries(Array.from({ length: MAX_JOINED_ENTRIES + 5 }, (_, i) => [i.toString(16).padStart(40, '0'), good]));
    expect(Object.keys(parseJoinedRecord(many))).toHaveLength(MAX_JOINED_ENTRIES);
  });
});

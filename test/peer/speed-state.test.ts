// Spend against the caps and the ban list survive a reload of the peer: a restart must neither reset the daily cap
// nor pardon a banned peer. The context saves through the same channel store the worker uses; here a Map stands in
// for IndexedDB (the e2e specs run the real one).
import { describe, expect, it } from 'vitest';
import type { PeerStorage } from '../../src/peer/persist.ts';
import { SPEED_STATE_KEY, SpeedContext } from '../../src/peer/speed-context.ts';
import type { SpeedSettings } from '../../src/peer/rpc-schema.ts';

const HASH_A = 'a'.repeat(40);
const HASH_B = 'b'.repeat(40);
const DAY_MS = 24 * 60 * 60_000;
const SETTINGS: SpeedSettings = {
  bidding: true, spending_rate_ppm: 1_000_000n, max_price_units_per_kib: null, reserve_units_per_kib: 1n, regular_slots: 4,
  tit_for_tat_slots: 1, choke_round_ms: 10_000, torrent_cap_units: 1000n, day_cap_units: 1500n, providing: true,
  upload_limit_bytes_per_s: null,
};

function memoryStorage() {
  const records = new Map<string, string>();
  const writes = { count: 0 };
  const storage = {
    loadChannel: async (key: string) => (records.has(key) ? (JSON.parse(records.get(key) as string) as unknown) : undefined),
    saveChannel: async (key: string, json: unknown) => {
      writes.count++;
      records.set(key, JSON.stringify(json));
    },
  } as unknown as PeerStorage;
  return { records, storage, writes };
}

function context(storage: PeerStorage, now: () => number): SpeedContext {
  const ctx = new SpeedContext(() => {});
  ctx.storageSource = () => storage;
  ctx.now = now;
  ctx.configure(SETTINGS, null);
  return ctx;
}

describe('speed state across restarts', () => {
  it('keeps spend per torrent and per day, and bans, after a restart', async () => {
    const { storage } = memoryStorage();
    let now = Date.now();
    const first = context(storage, () => now);
    first.recordSpend(HASH_A, 400n);
    first.recordSpend(HASH_B, 300n);
    first.recordSpend(HASH_A, 100n);
    first.bans.ban(['peer-x', 'key-x'], now + 60_000);
    await first.saved();

    now += 1000;
    const second = context(storage, () => now);
    await second.restore();
    expect(second.budget(HASH_A)).toMatchObject({ torrent_spent_units: 500n, day_spent_units: 800n, day_cap_units: 1500n });
    expect(second.budget(HASH_B).torrent_spent_units).toBe(300n);
    expect(second.bans.isBanned(['key-x'], now)).toBe(true);
    expect(second.bans.isBanned(['key-x'], now + 60_000)).toBe(false);

    // Restoring twice (init called again) does not count anything twice.
    await second.restore();
    expect(second.budget(HASH_A).day_spent_units).toBe(800n);
  });

  it('writes a burst of payments once, not once per piece', async () => {
    const { storage, writes } = memoryStorage();
    const ctx = context(storage, () => Date.now());
    // Payments arrive a few milliseconds apart (one per verified piece), each after the previous write finished.
    for (let i = 0; i < 20; i++) {
      ctx.recordSpend(HASH_A, 5n);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await ctx.saved();
    expect(writes.count).toBe(1);
    const again = context(storage, () => Date.now());
    await again.restore();
    expect(again.budget(HASH_A).torrent_spent_units).toBe(100n);
  });

  it('starts a new day once the saved day is over, keeping per-torrent spend', async () => {
    const { storage } = memoryStorage();
    let now = Date.now();
    const first = context(storage, () => now);
    first.recordSpend(HASH_A, 700n);
    await first.saved();
    now += DAY_MS + 1; // the first context's day began at its construction, a moment before `now`
    const next = context(storage, () => now);
    await next.restore();
    expect(next.budget(HASH_A)).toMatchObject({ torrent_spent_units: 700n, day_spent_units: 0n });
  });

  it('ignores a corrupt or hostile record instead of trusting it', async () => {
    for (const bad of [
      'not json',
      { day_start_ms: 1, day_spent_units: '-5', torrents: [], bans: [] },
      { day_start_ms: 1, day_spent_units: '1', torrents: [['zz', '1']], bans: [] },
      { day_start_ms: 1, day_spent_units: '1', torrents: [], bans: [[{}, 5]] },
      { day_start_ms: 1.5, day_spent_units: '1', torrents: [], bans: [] },
    ]) {
      const { records, storage } = memoryStorage();
      records.set(SPEED_STATE_KEY, typeof bad === 'string' ? JSON.stringify(bad) : JSON.stringify(bad));
      const ctx = context(storage, () => 10);
      await ctx.restore();
      expect(ctx.budget(HASH_A)).toMatchObject({ torrent_spent_units: 0n, day_spent_units: 0n });
    }
  });
});

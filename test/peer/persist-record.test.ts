// A torrent record read back from storage is checked before the engine resumes it: the piece order it was added
// with comes back (an earn-mode torrent keeps fetching rarest first after a restart), records from before the field
// existed still load (in order), and a record with an order the peer does not know is refused as corrupt.
import { describe, expect, it } from 'vitest';
import { isTorrentRecord, type TorrentRecord } from '../../src/peer/persist.ts';

const record: TorrentRecord = {
  info_hash: 'ab'.repeat(20), torrent_file: Uint8Array.of(1, 2, 3), bitfield: null, speed: true, added_at_ms: 1,
};

describe('isTorrentRecord', () => {
  it('accepts both piece orders and a record without one', () => {
    expect(isTorrentRecord(record)).toBe(true);
    expect(isTorrentRecord({ ...record, order: 'in_order' })).toBe(true);
    expect(isTorrentRecord({ ...record, order: 'rarest_first' })).toBe(true);
  });

  it('refuses an unknown order', () => {
    for (const order of ['rarest', 'sequential', '', null, 1]) expect(isTorrentRecord({ ...record, order })).toBe(false);
  });
});

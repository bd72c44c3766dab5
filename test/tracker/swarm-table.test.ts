// The shard's swarm table against bittorrent-tracker's event rules, and rendezvous hashing's one promise: when a
// shard leaves, only its info hashes move.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ownerOf } from '../../src/tracker/rendezvous.ts';
import { SwarmTable } from '../../src/tracker/swarm-table.ts';
import type { AnnounceEvent } from '../../src/tracker/wire.ts';

const r1 = { gw: 'g1-aaaa', conn: 1 };
const r2 = { gw: 'g2-bbbb', conn: 7 };
const ann = (peer_id: string, event: AnnounceEvent, extra: Partial<{ left_zero: boolean; numwant: number; route: typeof r1 }> = {}) => ({
  info_hash: 'ab'.repeat(20), peer_id, event, left_zero: false, numwant: 0, route: r1, ...extra,
});

describe('SwarmTable', () => {
  it('counts seeders and leechers through started, completed, update and stopped', () => {
    const t = new SwarmTable();
    expect(t.announce(ann('a', 'started', { left_zero: true }), 0)).toMatchObject({ complete: 1, incomplete: 0 });
    expect(t.announce(ann('b', 'started'), 0)).toMatchObject({ complete: 1, incomplete: 1 });
    expect(t.announce(ann('b', 'started'), 0)).toMatchObject({ complete: 1, incomplete: 1 }); // a repeat start is an update
    expect(t.announce(ann('b', 'completed'), 0)).toMatchObject({ complete: 2, incomplete: 0 });
    expect(t.announce(ann('b', 'completed'), 0)).toMatchObject({ complete: 2, incomplete: 0 });
    expect(t.announce(ann('c', 'update'), 0)).toMatchObject({ complete: 2, incomplete: 1 }); // unknown update starts
    expect(t.announce(ann('c', 'update', { left_zero: true }), 0)).toMatchObject({ complete: 3, incomplete: 0 });
    expect(t.announce(ann('c', 'stopped'), 0)).toMatchObject({ complete: 2, incomplete: 0 });
    expect(t.announce(ann('zz', 'stopped'), 0)).toMatchObject({ complete: 2, incomplete: 0 });
  });

  it('picks distinct other peers for offers, never the announcer', () => {
    const t = new SwarmTable();
    for (let i = 0; i < 50; i++) t.announce(ann(`p${i}`, 'started'), 0);
    for (const want of [1, 5, 30, 49, 82]) {
      const { targets } = t.announce(ann('p0', 'update', { numwant: want }), 0);
      const ids = targets.map((x) => x.peer_id);
      expect(ids).toHaveLength(Math.min(want, 49));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain('p0');
    }
  });

  it('routes to the socket a peer last announced from; only that socket’s close removes it', () => {
    const t = new SwarmTable();
    const ih = 'ab'.repeat(20);
    t.announce(ann('a', 'started'), 0);
    t.announce(ann('a', 'update', { route: r2 }), 0);
    expect(t.route(ih, 'a')).toEqual(r2);
    t.close(ih, 'a', r1); // the old socket's close comes late
    expect(t.route(ih, 'a')).toEqual(r2);
    t.announce(ann('a', 'stopped', { route: r1 }), 0); // nor can another socket stop it
    expect(t.route(ih, 'a')).toEqual(r2);
    t.close(ih, 'a', r2);
    expect(t.swarm(ih)).toBeNull();
  });

  it('sweeps a dead gateway’s peers and peers that stopped announcing', () => {
    const t = new SwarmTable();
    t.announce(ann('a', 'started'), 0);
    t.announce(ann('b', 'started', { route: r2 }), 0);
    t.announce(ann('c', 'started', { route: r2 }), 1000);
    expect(t.sweep({ gw: new Set([r1.gw]) })).toBe(1);
    expect(t.sweep({ seen_before_ms: 500 })).toBe(1);
    expect(t.stats()).toEqual({ swarms: 1, peers: 1 });
    expect(t.route('ab'.repeat(20), 'c')).toEqual(r2);
  });

  it('retain drops whole swarms by info hash', () => {
    const t = new SwarmTable();
    t.announce({ ...ann('a', 'started'), info_hash: '11'.repeat(20) }, 0);
    t.announce({ ...ann('b', 'started'), info_hash: '22'.repeat(20) }, 0);
    expect(t.retain((ih) => ih.startsWith('1'))).toBe(1);
    expect(t.swarm('22'.repeat(20))).toBeNull();
    expect(t.swarm('11'.repeat(20))).toEqual({ complete: 0, incomplete: 1 });
  });

  it('property: counts always equal the peers present, whatever the event sequence', () => {
    const step = fc.record({ peer: fc.integer({ min: 0, max: 5 }), event: fc.constantFrom<AnnounceEvent>('started', 'stopped', 'completed', 'update', 'paused'), left_zero: fc.boolean(), route: fc.constantFrom(r1, r2) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const t = new SwarmTable();
        for (const s of steps) {
          const res = t.announce(ann(`p${s.peer}`, s.event, { left_zero: s.left_zero, route: s.route, numwant: 3 }), 0);
          const swarm = t.swarm('ab'.repeat(20));
          const peers = t.stats().peers;
          expect((swarm?.complete ?? 0) + (swarm?.incomplete ?? 0)).toBe(peers);
          expect(res.complete).toBeGreaterThanOrEqual(0);
          expect(res.incomplete).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

describe('rendezvous', () => {
  it('is order-independent, and removing a shard moves only its info hashes', () => {
    const shards = ['s1', 's2', 's3'];
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{40}$/), (ih) => {
        const owner = ownerOf(ih, shards);
        expect(ownerOf(ih, [...shards].reverse())).toBe(owner);
        for (const gone of shards) {
          const after = ownerOf(ih, shards.filter((s) => s !== gone));
          if (gone !== owner) expect(after).toBe(owner);
          else expect(after).not.toBe(gone);
        }
      }),
    );
    expect(ownerOf('00'.repeat(20), [])).toBeNull();
  });
});

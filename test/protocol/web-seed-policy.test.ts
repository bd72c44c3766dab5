// The web seed as last resort: fixed cases (the start wait, a delivering peer keeps its pieces, patience for a
// choking peer, a stall) and properties over random swarms: the decision is fetch exactly when no live peer holds
// the piece, it does not depend on the peers' order, and peers without the piece never change it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  PEER_STALL_MS, PEER_UNCHOKE_PATIENCE_MS, WEB_SEED_START_WAIT_MS, highestOpenPieces, peerState, webSeedDecision, type PeerSource,
} from '../../src/protocol/web-seed-policy.ts';

const NOW = 1_800_000_000_000;
const delivering: PeerSource = {
  has_piece: true, choking_us: false, blocked: false, changed_at_ms: NOW - 60_000, progress_at_ms: NOW - 100, requests_outstanding: 4,
};
const query = (peers: PeerSource[], o: { since?: number; expects?: boolean } = {}) =>
  webSeedDecision({ peers, web_seed_since_ms: o.since ?? NOW - 60_000, expects_peers: o.expects ?? true, now_ms: NOW });

describe('webSeedDecision', () => {
  it('waits for peers at first when the torrent announces, not when the web seed is all it has', () => {
    expect(query([], { since: NOW - WEB_SEED_START_WAIT_MS + 1 })).toEqual({ fetch: false, reason: 'waiting_for_peers' });
    expect(query([], { since: NOW - WEB_SEED_START_WAIT_MS })).toEqual({ fetch: true, reason: 'no_peer_has_it' });
    expect(query([], { since: NOW, expects: false })).toEqual({ fetch: true, reason: 'no_peer_has_it' });
  });

  it('leaves a piece to a peer that holds it and delivers', () => {
    expect(query([delivering])).toEqual({ fetch: false, reason: 'peer_has_it' });
    expect(query([{ ...delivering, has_piece: false }])).toEqual({ fetch: true, reason: 'no_peer_has_it' });
    expect(query([{ ...delivering, requests_outstanding: 0, progress_at_ms: NOW - 3_600_000 }]).fetch).toBe(false); // idle is no stall
  });

  it('gives a choking peer patience after it connected or choked us, then fetches', () => {
    const choking = { ...delivering, choking_us: true, changed_at_ms: NOW - PEER_UNCHOKE_PATIENCE_MS + 1 };
    expect(query([choking]).fetch).toBe(false);
    expect(query([{ ...choking, changed_at_ms: NOW - PEER_UNCHOKE_PATIENCE_MS }])).toEqual({ fetch: true, reason: 'peers_not_delivering' });
  });

  it('fetches past a stalled or blocked peer', () => {
    expect(query([{ ...delivering, progress_at_ms: NOW - PEER_STALL_MS }])).toEqual({ fetch: true, reason: 'peers_not_delivering' });
    expect(query([{ ...delivering, progress_at_ms: NOW - PEER_STALL_MS + 1 }]).fetch).toBe(false);
    expect(query([{ ...delivering, blocked: true }])).toEqual({ fetch: true, reason: 'peers_not_delivering' });
    expect(query([{ ...delivering, blocked: true }, delivering]).fetch).toBe(false);
  });
});

const peerArb: fc.Arbitrary<PeerSource> = fc.record({
  has_piece: fc.boolean(),
  choking_us: fc.boolean(),
  blocked: fc.boolean(),
  changed_at_ms: fc.integer({ min: NOW - 20_000, max: NOW }),
  progress_at_ms: fc.integer({ min: NOW - 20_000, max: NOW }),
  requests_outstanding: fc.integer({ min: 0, max: 3 }),
});
const swarmArb = fc.record({
  peers: fc.array(peerArb, { maxLength: 8 }),
  since: fc.integer({ min: NOW - 10_000, max: NOW }),
  expects: fc.boolean(),
});
const live = (p: PeerSource) => p.has_piece && ['delivering', 'waiting'].includes(peerState(p, NOW));

describe('webSeedDecision properties', () => {
  it('after the start wait, fetches exactly when no live peer holds the piece', () => {
    fc.assert(fc.property(swarmArb, ({ peers, since, expects }) => {
      const d = query(peers, { since, expects });
      if (expects && NOW - since < WEB_SEED_START_WAIT_MS) {
        expect(d).toEqual({ fetch: false, reason: 'waiting_for_peers' });
      } else {
        expect(d.fetch).toBe(!peers.some(live));
        if (d.fetch) expect(d.reason).toBe(peers.some((p) => p.has_piece) ? 'peers_not_delivering' : 'no_peer_has_it');
      }
    }));
  });

  it('does not depend on the order of the peers, and peers without the piece never change it', () => {
    fc.assert(fc.property(swarmArb, peerArb, ({ peers, since, expects }, extra) => {
      const d = query(peers, { since, expects });
      expect(query([...peers].reverse(), { since, expects })).toEqual(d);
      expect(query([...peers, { ...extra, has_piece: false }], { since, expects })).toEqual(d);
    }));
  });

  it('a blocked peer is never live, an unchoked idle one always is', () => {
    fc.assert(fc.property(peerArb, (p) => {
      expect(live({ ...p, blocked: true })).toBe(false);
      expect(live({ ...p, has_piece: true, blocked: false, choking_us: false, requests_outstanding: 0 })).toBe(true);
    }));
  });
});

describe('highestOpenPieces', () => {
  it('picks the open pieces nearest the end, highest first', () => {
    expect(highestOpenPieces(16, 2, (i) => i !== 15 && i !== 13)).toEqual([14, 12]);
    expect(highestOpenPieces(16, 2, () => false)).toEqual([]);
    expect(highestOpenPieces(0, 2, () => true)).toEqual([]);
  });

  it('returns at most `slots` open pieces, and no open piece above one it left out', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { maxLength: 64 }), fc.integer({ min: 0, max: 4 }), (open, slots) => {
      const picked = highestOpenPieces(open.length, slots, (i) => open[i] === true);
      expect(picked.length).toBe(Math.min(slots, open.filter(Boolean).length));
      for (const i of picked) expect(open[i]).toBe(true);
      const lowest = picked.length ? Math.min(...picked) : open.length;
      for (let i = lowest; i < open.length; i++) if (open[i]) expect(picked).toContain(i);
    }));
  });
});

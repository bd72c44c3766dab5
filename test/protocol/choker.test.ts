// Choker with bids: auctioned slots, tit-for-tat slots for everyone (legacy peers included), the round-robin
// optimistic slot, seeds ranking by bytes sent, and exclusions — as paper cases, unit tests and properties.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { peerId, type PeerId } from '../../src/protocol/auction.ts';
import {
  DEFAULT_CHOKE_CONFIG,
  INITIAL_CHOKE_STATE,
  MAX_REGULAR_SLOTS,
  chokeRound,
  type ChokeConfig,
  type ChokePeer,
  type ChokeState,
} from '../../src/protocol/choker.ts';

const peer = (id: string, patch: Partial<ChokePeer> = {}): ChokePeer => ({
  id: peerId(id),
  interested: true,
  banned: false,
  payment_late: false,
  speed: true,
  bid_units_per_kib: null,
  bytes_received: 0,
  bytes_sent: 0,
  ...patch,
});
const bidder = (id: string, bid: bigint, patch: Partial<ChokePeer> = {}) => peer(id, { bid_units_per_kib: bid, ...patch });
const legacy = (id: string, bytes_received: number, patch: Partial<ChokePeer> = {}) => peer(id, { speed: false, bytes_received, ...patch });
const config = (patch: Partial<ChokeConfig> = {}): ChokeConfig => ({ ...DEFAULT_CHOKE_CONFIG, optimistic_period_ms: 0, ...patch });
const ids = (...names: string[]) => names.map(peerId);

describe('paper cases', () => {
  it('3 bidders, 2 auctioned slots, bids 10/7/5: 10 and 7 win and pay 5; 5 gets the free optimistic slot', () => {
    const round = chokeRound(
      [bidder('c', 5n), bidder('a', 10n), bidder('b', 7n)],
      config({ regular_slots: 2, tit_for_tat_slots: 0 }),
      INITIAL_CHOKE_STATE,
      0,
    );
    expect(round.auction_winners).toEqual(ids('a', 'b'));
    expect(round.prices).toEqual(new Map([[peerId('a'), 5n], [peerId('b'), 5n]]));
    expect(round.clearing_price_units_per_kib).toBe(5n);
    expect(round.optimistic).toBe('c');
    expect(round.prices.has(peerId('c'))).toBe(false);
    expect(round.unchoked).toEqual(ids('a', 'b', 'c'));
    expect(round.choked).toEqual([]);
  });

  it('no losing bid → winners pay the reserve', () => {
    const round = chokeRound([bidder('a', 10n), bidder('b', 7n)], config({ regular_slots: 3, tit_for_tat_slots: 0, reserve_units_per_kib: 4n }), INITIAL_CHOKE_STATE, 0);
    expect([...round.prices.values()]).toEqual([4n, 4n]);
  });

  it('optimistic slot goes to the longest-choked peer regardless of bid', () => {
    const state: ChokeState = {
      last_unchoked_ms: new Map([[peerId('rich'), 50_000], [peerId('poor'), 10_000]]),
      optimistic: null,
    };
    const round = chokeRound([bidder('rich', 1_000n), bidder('poor', 1n)], config({ regular_slots: 0, tit_for_tat_slots: 0 }), state, 60_000);
    expect(round.optimistic).toBe('poor');
    expect(round.prices.size).toBe(0);
  });

  it('a bid breaks the tie among peers choked equally long (never unchoked)', () => {
    const round = chokeRound(
      [legacy('l', 999_999), bidder('low', 2n), bidder('high', 9n)],
      config({ regular_slots: 0, tit_for_tat_slots: 0 }),
      INITIAL_CHOKE_STATE,
      0,
    );
    expect(round.optimistic).toBe('high');
  });

  it('legacy peers compete by tit-for-tat alone and never pay', () => {
    const peers = [bidder('a', 10n), bidder('b', 7n), legacy('fast', 5_000), legacy('slow', 10)];
    const round = chokeRound(peers, config({ regular_slots: 3, tit_for_tat_slots: 1 }), INITIAL_CHOKE_STATE, 0);
    expect(round.auction_winners).toEqual(ids('a', 'b'));
    expect(round.unchoked.slice(0, 3)).toEqual(ids('a', 'b', 'fast'));
    expect(round.prices.has(peerId('fast'))).toBe(false);
    expect(round.optimistic).toBe('slow');
  });
});

describe('regular slots', () => {
  it('a losing bidder may still win a tit-for-tat slot, free, by uploading to us', () => {
    const peers = [bidder('a', 10n), bidder('b', 7n, { bytes_received: 9_000 }), legacy('l', 100)];
    const round = chokeRound(peers, config({ regular_slots: 2, tit_for_tat_slots: 1 }), INITIAL_CHOKE_STATE, 0);
    expect(round.auction_winners).toEqual(ids('a'));
    expect(round.prices).toEqual(new Map([[peerId('a'), 7n]])); // b is the best losing bid
    expect(round.unchoked.slice(0, 2)).toEqual(ids('a', 'b'));
  });

  it('unsold auction slots fall through to tit-for-tat', () => {
    const peers = [legacy('x', 1), legacy('y', 3), legacy('z', 2), legacy('w', 0)];
    const round = chokeRound(peers, config({ regular_slots: 3, tit_for_tat_slots: 1 }), INITIAL_CHOKE_STATE, 0);
    expect(round.unchoked.slice(0, 3)).toEqual(ids('y', 'z', 'x'));
    expect(round.optimistic).toBe('w');
    expect(round.clearing_price_units_per_kib).toBeNull();
  });

  it('equal bids: more data received wins the auction slot', () => {
    const peers = [bidder('a', 5n, { bytes_received: 10 }), bidder('b', 5n, { bytes_received: 20 })];
    const round = chokeRound(peers, config({ regular_slots: 1, tit_for_tat_slots: 0 }), INITIAL_CHOKE_STATE, 0);
    expect(round.auction_winners).toEqual(ids('b'));
    expect(round.prices.get(peerId('b'))).toBe(5n);
  });

  it('a seed ranks by bytes sent, not received', () => {
    const peers = [legacy('up', 9_000, { bytes_sent: 1 }), legacy('down', 0, { bytes_sent: 8_000 })];
    const leech = chokeRound(peers, config({ regular_slots: 1, tit_for_tat_slots: 1 }), INITIAL_CHOKE_STATE, 0);
    const seed = chokeRound(peers, config({ regular_slots: 1, tit_for_tat_slots: 1, is_seed: true }), INITIAL_CHOKE_STATE, 0);
    expect(leech.unchoked[0]).toBe('up');
    expect(seed.unchoked[0]).toBe('down');
  });

  it('a legacy peer’s bid field is ignored by the auction', () => {
    const round = chokeRound([legacy('l', 0, { bid_units_per_kib: 99n }), bidder('s', 2n)], config({ regular_slots: 1, tit_for_tat_slots: 0 }), INITIAL_CHOKE_STATE, 0);
    expect(round.auction_winners).toEqual(ids('s'));
    expect(round.prices.get(peerId('s'))).toBe(DEFAULT_CHOKE_CONFIG.reserve_units_per_kib);
  });

  it('bids below the reserve do not enter the auction', () => {
    const round = chokeRound([bidder('cheap', 2n), legacy('l', 5)], config({ regular_slots: 1, tit_for_tat_slots: 0, reserve_units_per_kib: 3n }), INITIAL_CHOKE_STATE, 0);
    expect(round.auction_winners).toEqual([]);
    expect(round.unchoked[0]).toBe('l'); // the unsold slot fell through to tit-for-tat
  });
});

describe('exclusions', () => {
  it('banned, not-interested and late-paying peers are never unchoked, whatever they bid or upload', () => {
    const peers = [
      bidder('banned', 1_000n, { banned: true, bytes_received: 1e9 }),
      bidder('bored', 1_000n, { interested: false, bytes_received: 1e9 }),
      bidder('late', 1_000n, { payment_late: true, bytes_received: 1e9 }),
      bidder('ok', 1n),
    ];
    const round = chokeRound(peers, config({ regular_slots: 4, tit_for_tat_slots: 1 }), INITIAL_CHOKE_STATE, 0);
    expect(round.unchoked).toEqual(ids('ok'));
    expect(round.choked).toEqual(ids('banned', 'bored', 'late'));
    expect(round.prices.get(peerId('ok'))).toBe(DEFAULT_CHOKE_CONFIG.reserve_units_per_kib);
  });

  it('rejects caller bugs', () => {
    expect(() => chokeRound([peer('a'), peer('a')], config(), INITIAL_CHOKE_STATE, 0)).toThrow(/duplicate/);
    expect(() => chokeRound([], config({ regular_slots: 2, tit_for_tat_slots: 3 }), INITIAL_CHOKE_STATE, 0)).toThrow();
    expect(() => chokeRound([], config({ regular_slots: MAX_REGULAR_SLOTS + 1 }), INITIAL_CHOKE_STATE, 0)).toThrow();
    expect(() => chokeRound([peer('a', { bytes_sent: -1 })], config(), INITIAL_CHOKE_STATE, 0)).toThrow();
    expect(() => chokeRound([], config(), INITIAL_CHOKE_STATE, 0.5)).toThrow();
    expect(() => chokeRound([], config({ reserve_units_per_kib: 0n }), INITIAL_CHOKE_STATE, 0)).toThrow(/reserve/);
  });
});

describe('optimistic rotation', () => {
  const noRegular = { regular_slots: 0, tit_for_tat_slots: 0 };

  it('keeps the optimistic peer for its period, then moves on', () => {
    const peers = [peer('a'), peer('b')];
    const cfg = config({ ...noRegular, optimistic_period_ms: 30_000 });
    const r0 = chokeRound(peers, cfg, INITIAL_CHOKE_STATE, 0);
    const r1 = chokeRound(peers, cfg, r0.state, 10_000);
    const r2 = chokeRound(peers, cfg, r1.state, 20_000);
    const r3 = chokeRound(peers, cfg, r2.state, 30_000);
    expect([r0, r1, r2, r3].map((r) => r.optimistic)).toEqual(['a', 'a', 'a', 'b']);
    expect(r2.state.optimistic).toEqual({ id: 'a', since_ms: 0 });
    expect(r3.state.optimistic).toEqual({ id: 'b', since_ms: 30_000 });
  });

  it('replaces an optimistic peer that stopped being a candidate', () => {
    const cfg = config({ ...noRegular, optimistic_period_ms: 30_000 });
    const r0 = chokeRound([peer('a'), peer('b')], cfg, INITIAL_CHOKE_STATE, 0);
    const r1 = chokeRound([peer('a', { interested: false }), peer('b')], cfg, r0.state, 10_000);
    expect(r1.optimistic).toBe('b');
  });

  it('round-robin: with n candidates and no regular slots, everyone gets a turn in n rounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.bigInt({ min: 0n, max: 20n }), { minLength: 12, maxLength: 12 }), (n, bids) => {
        const peers = Array.from({ length: n }, (_, i) => bidder(`p${i}`, bids[i]!));
        let state = INITIAL_CHOKE_STATE;
        const turns: PeerId[] = [];
        for (let round = 0; round < n; round++) {
          const result = chokeRound(peers, config(noRegular), state, round * 10_000);
          turns.push(result.optimistic!);
          state = result.state;
        }
        expect(new Set(turns).size).toBe(n);
      }),
      { numRuns: 100 },
    );
  });

  it('forgets peers that left', () => {
    const r0 = chokeRound([peer('a'), peer('b')], config({ regular_slots: 1, tit_for_tat_slots: 1 }), INITIAL_CHOKE_STATE, 0);
    const r1 = chokeRound([peer('b')], config({ regular_slots: 1, tit_for_tat_slots: 1 }), r0.state, 10_000);
    expect([...r1.state.last_unchoked_ms.keys()]).toEqual(ids('b'));
  });
});

describe('properties over random swarms', () => {
  const peerArb = (i: number) =>
    fc.record({
      interested: fc.boolean(),
      banned: fc.boolean(),
      payment_late: fc.boolean(),
      speed: fc.boolean(),
      bid_units_per_kib: fc.option(fc.bigInt({ min: 0n, max: 30n })),
      bytes_received: fc.nat(10_000),
      bytes_sent: fc.nat(10_000),
    }).map((p) => ({ ...p, id: peerId(`p${i}`) }) as ChokePeer);
  const swarm = fc.integer({ min: 0, max: 16 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => peerArb(i))));
  const cfgArb = fc
    .record({ regular_slots: fc.integer({ min: 0, max: 6 }), tft: fc.nat(6), reserve: fc.bigInt({ min: 1n, max: 10n }), is_seed: fc.boolean() })
    .map((c) => config({ regular_slots: c.regular_slots, tit_for_tat_slots: Math.min(c.tft, c.regular_slots), reserve_units_per_kib: c.reserve, is_seed: c.is_seed }));
  const historyArb = fc.array(fc.option(fc.integer({ min: 0, max: 50_000 }), { nil: undefined }), { minLength: 16, maxLength: 16 });

  it('slots, exclusions, uniform price and the optimistic rule hold for any snapshot', () => {
    fc.assert(
      fc.property(swarm, cfgArb, historyArb, (peers, cfg, history) => {
        const last = new Map<PeerId, number>();
        peers.forEach((p, i) => history[i] !== undefined && last.set(p.id, history[i]!));
        const state: ChokeState = { last_unchoked_ms: last, optimistic: null };
        const round = chokeRound(peers, cfg, state, 100_000);
        const byId = new Map(peers.map((p) => [p.id, p]));

        expect(round.unchoked.length).toBeLessThanOrEqual(cfg.regular_slots + 1);
        expect(new Set([...round.unchoked, ...round.choked]).size).toBe(peers.length);
        for (const id of round.unchoked) {
          const p = byId.get(id)!;
          expect(p.interested && !p.banned && !p.payment_late).toBe(true);
        }

        // Uniform price among winners, never above a winner's bid, = best losing eligible bid or the reserve.
        const eligible = (p: ChokePeer) =>
          p.interested && !p.banned && !p.payment_late && p.speed && p.bid_units_per_kib !== null && p.bid_units_per_kib > 0n && p.bid_units_per_kib >= cfg.reserve_units_per_kib;
        const winners = new Set(round.prices.keys());
        expect(winners).toEqual(new Set(round.auction_winners));
        expect(winners.size).toBeLessThanOrEqual(cfg.regular_slots - cfg.tit_for_tat_slots);
        const prices = new Set(round.prices.values());
        expect(prices.size).toBeLessThanOrEqual(1);
        for (const [id, price] of round.prices) {
          expect(eligible(byId.get(id)!)).toBe(true);
          expect(price).toBeLessThanOrEqual(byId.get(id)!.bid_units_per_kib!);
        }
        if (winners.size > 0) {
          const losing = peers.filter((p) => eligible(p) && !winners.has(p.id)).map((p) => p.bid_units_per_kib!);
          const best = losing.reduce<bigint | null>((m, b) => (m === null || b > m ? b : m), null);
          expect(round.clearing_price_units_per_kib).toBe(best ?? cfg.reserve_units_per_kib);
        }

        // Optimistic: the longest-choked candidate outside the regular slots; bids only among equals.
        const regular = new Set(round.unchoked.filter((id) => id !== round.optimistic));
        const pool = peers.filter((p) => p.interested && !p.banned && !p.payment_late && !regular.has(p.id));
        if (pool.length === 0) expect(round.optimistic).toBeNull();
        else {
          const since = (id: PeerId) => last.get(id) ?? Number.NEGATIVE_INFINITY;
          const longest = Math.min(...pool.map((p) => since(p.id)));
          expect(since(round.optimistic!)).toBe(longest);
          const tieBid = (p: ChokePeer) => (eligible({ ...p, interested: true, banned: false, payment_late: false }) ? p.bid_units_per_kib! : 0n);
          const tied = pool.filter((p) => since(p.id) === longest);
          const bestTieBid = tied.reduce((m, p) => (tieBid(p) > m ? tieBid(p) : m), 0n);
          expect(tieBid(byId.get(round.optimistic!)!)).toBe(bestTieBid);
        }
      }),
      { numRuns: 500 },
    );
  });
});

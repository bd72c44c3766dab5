import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emptyPieceSet, hasPiece, isSubset, isValidPieceSet, pieceSetFromHex, pieceSetToHex, withPiece } from '../../src/protocol/piece-set.ts';
import {
  canRequest, crankPayer, createPayer, isPiecePaid, MAX_CHANNEL_BYTES, MAX_EMPTY_CHANNELS, sentUnits,
  type Budget, type PayerEvent, type PayerState, type PayerStep,
} from '../../src/protocol/channel-payer.ts';
import { payerFromJson, payerToJson } from '../../src/protocol/channel-payer-json.ts';
import { CHANNEL_TIMEOUT_MS, ChannelInvariantError, ROLLOVER_MARGIN_MS } from '../../src/protocol/channel-types.ts';
import { channelIdOf, party, UNLIMITED } from './channel-harness.ts';

const payer = party(1);
const payee = party(2);
const PIECE = 16 * 1024;
const PIECES = 100;
const PRICE = 10n;
const PIECE_COST = 160n;
const T0 = 10_000_000;
const EXPIRES = T0 + CHANNEL_TIMEOUT_MS;
const C1 = channelIdOf(1);
const C2 = channelIdOf(2);

function bid(over: Partial<Extract<PayerEvent, { type: 'bid_response' }>> = {}): PayerEvent {
  return {
    type: 'bid_response', payee_key: payee.key, price_units_per_kib: PRICE, min_escrow_units: 0n, bid_units_per_kib: 50n,
    remaining_bytes: 10 * PIECE, budget: UNLIMITED, ...over,
  };
}

function run(s: PayerState, events: PayerEvent[], now = T0): PayerStep {
  let step: PayerStep = { state: s, effects: [], rejection: null };
  for (const e of events) step = crankPayer(step.state, e, now);
  return step;
}

function opened(escrow_units = 1_600n, id = C1, over: Partial<Extract<PayerEvent, { type: 'bid_response' }>> = {}): PayerState {
  const s = run(createPayer(payer.key, PIECE, PIECES), [bid(over)]).state;
  return crankPayer({ ...s, requested_escrow_units: escrow_units }, { type: 'channel_opened', channel_id: id, escrow_units, expires_at_ms: EXPIRES, remaining_bytes: 50 * PIECE, budget: UNLIMITED }, T0).state;
}

const verified = (index: number, over: Partial<Extract<PayerEvent, { type: 'piece_verified' }>> = {}): PayerEvent => ({
  type: 'piece_verified', index, bytes: PIECE, remaining_bytes: 50 * PIECE, budget: UNLIMITED, bid_units_per_kib: 50n, ...over,
});

const caps = (torrent: bigint, day: bigint, spent = 0n): Budget => ({
  torrent_cap_units: torrent, torrent_spent_units: spent, day_cap_units: day, day_spent_units: spent,
});

describe('payer: opening channels', () => {
  it('opens a channel sized to the remaining pieces at the agreed price', () => {
    const step = crankPayer(createPayer(payer.key, PIECE, PIECES), bid(), T0);
    expect(step.state.phase).toBe('WaitingForChannel');
    expect(step.effects).toEqual([{ type: 'open_channel', payee_key: payee.key, escrow_units: 10n * PIECE_COST, timeout_ms: CHANNEL_TIMEOUT_MS }]);
  });

  it('caps the escrow at MAX_CHANNEL_BYTES, lifts it to the provider minimum, and bounds it by the caps', () => {
    const s = createPayer(payer.key, PIECE, 10_000);
    const big = crankPayer(s, bid({ remaining_bytes: 10_000 * PIECE }), T0).effects[0];
    expect(big).toMatchObject({ escrow_units: BigInt(MAX_CHANNEL_BYTES / PIECE) * PIECE_COST });
    expect(crankPayer(s, bid({ min_escrow_units: 5_000n }), T0).effects[0]).toMatchObject({ escrow_units: 5_000n });
    expect(crankPayer(s, bid({ budget: caps(10_000n, 700n) }), T0).effects[0]).toMatchObject({ escrow_units: 700n });
  });

  it('stops instead of opening when the caps cannot cover one piece or the provider minimum', () => {
    const s = createPayer(payer.key, PIECE, PIECES);
    const day = crankPayer(s, bid({ budget: caps(10_000n, 159n) }), T0);
    expect(day.state.phase).toBe('Stopped');
    expect(day.effects).toEqual([{ type: 'stop_requesting', reason: 'day_cap' }, { type: 'send_done' }]);
    expect(crankPayer(s, bid({ min_escrow_units: 2_000n, budget: caps(1_000n, 10_000n) }), T0).state.stop_reason).toBe('torrent_cap');
  });

  it('rejects bad terms, a price above our bid, and a changed payee key', () => {
    const s = createPayer(payer.key, PIECE, PIECES);
    expect(crankPayer(s, bid({ payee_key: 'nope' }), T0).rejection).toEqual({ code: 'bad_terms', reaction: 'disconnect' });
    expect(crankPayer(s, bid({ price_units_per_kib: 0n }), T0).rejection?.code).toBe('bad_terms');
    const above = crankPayer(s, bid({ price_units_per_kib: 51n }), T0);
    expect(above.rejection).toEqual({ code: 'price_above_bid', reaction: 'warn' });
    expect(above.state).toBe(s);
    expect(crankPayer(opened(), bid({ payee_key: party(9).key }), T0).rejection?.code).toBe('payee_key_changed');
  });

  it('announces an opened channel and fails cleanly when the ledger refuses', () => {
    const s = run(createPayer(payer.key, PIECE, PIECES), [bid()]).state;
    const step = crankPayer(s, { type: 'channel_opened', channel_id: C1, escrow_units: 1_600n, expires_at_ms: EXPIRES, remaining_bytes: 50 * PIECE, budget: UNLIMITED }, T0);
    expect(step.state.phase).toBe('Paying');
    expect(step.effects).toEqual([{ type: 'send_channel', channel_id: C1 }]);
    expect(() => crankPayer(s, { type: 'channel_opened', channel_id: C1, escrow_units: 1_601n, expires_at_ms: EXPIRES, remaining_bytes: 50 * PIECE, budget: UNLIMITED }, T0)).toThrow(ChannelInvariantError);
    const failed = crankPayer(s, { type: 'channel_open_failed' }, T0);
    expect(failed.state.stop_reason).toBe('channel_open_failed');
  });
});

describe('payer: paying', () => {
  it('pays each verified piece with a new cumulative state, seq + 1', () => {
    const a = crankPayer(opened(), verified(7), T0);
    expect(a.effects).toEqual([{ type: 'pay', state: { channel_id: C1, amount_units: PIECE_COST, seq: 1n }, delta_units: PIECE_COST, index: 7 }]);
    const b = crankPayer(a.state, verified(3, { bytes: 1_000 }), T0);
    expect(b.effects).toEqual([{ type: 'pay', state: { channel_id: C1, amount_units: PIECE_COST + 10n, seq: 2n }, delta_units: 10n, index: 3 }]);
    expect(isPiecePaid(b.state, 7) && isPiecePaid(b.state, 3) && !isPiecePaid(b.state, 4)).toBe(true);
  });

  it('never pays the same piece twice', () => {
    const s = crankPayer(opened(), verified(7), T0).state;
    const again = crankPayer(s, verified(7), T0);
    expect(again.effects).toEqual([]);
    expect(again.rejection).toEqual({ code: 'already_paid', reaction: 'ignore' });
    expect(again.state).toBe(s);
  });

  it('does not pay a piece that arrived before any channel', () => {
    const s = run(createPayer(payer.key, PIECE, PIECES), [bid()]).state;
    expect(crankPayer(s, verified(1), T0).rejection?.code).toBe('not_paying');
  });

  it('bans a provider whose piece fails its hash and pays nothing for it', () => {
    const s = crankPayer(opened(), verified(1), T0).state;
    const step = crankPayer(s, { type: 'piece_failed', index: 2 }, T0);
    expect(step.effects).toEqual([{ type: 'send_done' }, { type: 'ban_provider', reason: 'bad_piece' }]);
    expect(step.state.phase).toBe('Banned');
    expect(sentUnits(step.state)).toBe(PIECE_COST);
    expect(crankPayer(step.state, verified(3), T0).effects).toEqual([]);
  });

  it('stops paying and requesting when a payment would pass a cap', () => {
    const s = crankPayer(opened(), verified(0), T0).state;
    const step = crankPayer(s, verified(1, { budget: caps(2n * PIECE_COST - 1n, 10_000n, PIECE_COST) }), T0);
    expect(step.effects).toEqual([{ type: 'stop_requesting', reason: 'torrent_cap' }, { type: 'send_done' }]);
    expect(sentUnits(step.state)).toBe(PIECE_COST);
    expect(canRequest(s, caps(10_000n, PIECE_COST - 1n), T0)).toBe(false);
    expect(canRequest(s, UNLIMITED, T0)).toBe(true);
  });

  it('opens the next channel once the current one cannot take a full piece, and pays on it from seq 1', () => {
    let s = opened(500n);
    const effects = [];
    for (let i = 0; i < 3; i++) {
      const step = crankPayer(s, verified(i), T0);
      s = step.state;
      effects.push(...step.effects);
    }
    expect(s.phase).toBe('WaitingForChannel');
    expect(effects.at(-1)).toMatchObject({ type: 'open_channel' });
    expect(s.channel?.amount_units).toBe(480n);
    s = crankPayer(s, { type: 'channel_opened', channel_id: C2, escrow_units: s.requested_escrow_units ?? 0n, expires_at_ms: EXPIRES, remaining_bytes: 50 * PIECE, budget: UNLIMITED }, T0).state;
    const step = crankPayer(s, verified(3), T0);
    expect(step.effects).toEqual([{ type: 'pay', state: { channel_id: C2, amount_units: PIECE_COST, seq: 1n }, delta_units: PIECE_COST, index: 3 }]);
    expect(sentUnits(step.state)).toBe(4n * PIECE_COST);
  });

  it('rolls over when a higher price exhausts the channel', () => {
    const s = crankPayer(opened(500n), verified(0), T0).state;
    const step = crankPayer(s, bid({ price_units_per_kib: 22n }), T0); // 340 left < 352 per piece
    expect(step.state.phase).toBe('WaitingForChannel');
    expect(step.effects[0]).toMatchObject({ type: 'open_channel' });
  });

  it('stops when the provider raises its price above our bid', () => {
    const step = crankPayer(opened(), bid({ price_units_per_kib: 51n }), T0);
    expect(step.state.stop_reason).toBe('price_above_bid');
  });

  it('never pays a unit at a price above its current bid: checked on every unit, and at once when the bid falls', () => {
    const s = opened(); // priced at 10/KiB under a bid of 50
    const below = crankPayer(s, verified(0, { bid_units_per_kib: 9n }), T0);
    expect(below.effects).toEqual([]); // no pay, no done, no stop_requesting: units may come free from here on
    expect(below.state).toMatchObject({ phase: 'Stopped', stop_reason: 'price_above_bid' });
    expect(sentUnits(below.state)).toBe(0n);
    expect(crankPayer(s, verified(0, { bid_units_per_kib: null }), T0).state.stop_reason).toBe('price_above_bid');
    expect(crankPayer(s, verified(0, { bid_units_per_kib: 10n }), T0).effects[0]).toMatchObject({ type: 'pay', delta_units: PIECE_COST });

    const lowered = crankPayer(s, { type: 'bid_changed', bid_units_per_kib: 5n }, T0);
    expect(lowered.effects).toEqual([]);
    expect(lowered.state.stop_reason).toBe('price_above_bid');
    expect(crankPayer(lowered.state, verified(1), T0).effects).toEqual([]); // stopped is final for this session
    expect(crankPayer(s, { type: 'bid_changed', bid_units_per_kib: 10n }, T0).state).toBe(s);
    const waiting = run(createPayer(payer.key, PIECE, PIECES), [bid()]).state;
    expect(crankPayer(waiting, { type: 'bid_changed', bid_units_per_kib: 1n }, T0).state.stop_reason).toBe('price_above_bid');
  });

  it('stops paying when the provider says it no longer charges us, and ignores a word that comes too late', () => {
    const step = crankPayer(opened(), { type: 'not_charged' }, T0);
    expect(step.state).toMatchObject({ phase: 'Stopped', stop_reason: 'not_charged' });
    expect(step.effects).toEqual([]);
    expect(payerFromJson(payerToJson(step.state))).toEqual(step.state);
    const fresh = createPayer(payer.key, PIECE, PIECES); // never priced (its offer was above our bid): nothing to stop
    expect(crankPayer(fresh, { type: 'not_charged' }, T0).state).toBe(fresh);
    const done = crankPayer(opened(), { type: 'done' }, T0).state;
    expect(crankPayer(done, { type: 'not_charged' }, T0).rejection?.code).toBe('finished');
  });

  it('pays a piece that did not fit first on the next channel', () => {
    const s = opened(200n);
    const step = crankPayer(s, verified(0, { bytes: PIECE }), T0); // 160 fits, leaves 40 < 160: exhausted
    expect(step.state.phase).toBe('WaitingForChannel');
    const owing = crankPayer({ ...s, channel: { ...s.channel!, amount_units: 100n, seq: 1n } }, verified(5), T0);
    expect(owing.state.owed).toEqual({ index: 5, cost_units: PIECE_COST });
    expect(owing.effects).toEqual([expect.objectContaining({ type: 'open_channel' })]);
    const paid = crankPayer(owing.state, { type: 'channel_opened', channel_id: C2, escrow_units: owing.state.requested_escrow_units!, expires_at_ms: EXPIRES, remaining_bytes: 50 * PIECE, budget: UNLIMITED }, T0);
    expect(paid.effects).toEqual([
      { type: 'send_channel', channel_id: C2 },
      { type: 'pay', state: { channel_id: C2, amount_units: PIECE_COST, seq: 1n }, delta_units: PIECE_COST, index: 5 },
    ]);
    expect(isPiecePaid(paid.state, 5)).toBe(true);
  });

  it('rolls over on a tick near the channel timeout', () => {
    const s = opened();
    expect(crankPayer(s, { type: 'tick', remaining_bytes: PIECE, budget: UNLIMITED }, EXPIRES - ROLLOVER_MARGIN_MS - 1).effects).toEqual([]);
    const step = crankPayer(s, { type: 'tick', remaining_bytes: PIECE, budget: UNLIMITED }, EXPIRES - ROLLOVER_MARGIN_MS);
    expect(step.effects[0]).toMatchObject({ type: 'open_channel' });
    expect(canRequest(s, UNLIMITED, EXPIRES - ROLLOVER_MARGIN_MS)).toBe(false);
  });

  it('sends done after the last piece, and on request', () => {
    const last = crankPayer(opened(), verified(0, { remaining_bytes: 0 }), T0);
    expect(last.effects.map((e) => e.type)).toEqual(['pay', 'send_done']);
    expect(last.state.phase).toBe('Done');
    expect(crankPayer(opened(), { type: 'done' }, T0).effects).toEqual([{ type: 'send_done' }]);
  });
});

describe('payer: provider misbehaviour around channels', () => {
  it('stops when the provider refuses the channel it is paying on, and ignores refusals of abandoned ones', () => {
    const s = opened();
    expect(crankPayer(s, { type: 'channel_rejected', channel_id: C2 }, T0).rejection).toEqual({ code: 'not_current', reaction: 'ignore' });
    const step = crankPayer(s, { type: 'channel_rejected', channel_id: C1 }, T0);
    expect(step.state.stop_reason).toBe('channel_rejected');
    expect(step.effects).toEqual([{ type: 'stop_requesting', reason: 'channel_rejected' }, { type: 'send_done' }]);
  });

  it('never announces a channel the price outgrew while it was opening, and opens a larger one', () => {
    const waiting = run(createPayer(payer.key, PIECE, PIECES), [bid({ remaining_bytes: PIECE })]).state;
    const repriced = crankPayer(waiting, bid({ price_units_per_kib: 20n }), T0).state;
    const step = crankPayer(repriced, { type: 'channel_opened', channel_id: C1, escrow_units: PIECE_COST, expires_at_ms: EXPIRES, remaining_bytes: PIECE, budget: UNLIMITED }, T0);
    expect(step.effects).toEqual([{ type: 'open_channel', payee_key: payee.key, escrow_units: 2n * PIECE_COST, timeout_ms: CHANNEL_TIMEOUT_MS }]);
  });

  it(`stops after ${MAX_EMPTY_CHANNELS} channels in a row given up without a payment`, () => {
    let s = opened();
    const types: string[] = [];
    for (let i = 0; i < MAX_EMPTY_CHANNELS; i++) {
      const expires = s.channel!.expires_at_ms;
      const step = crankPayer(s, { type: 'tick', remaining_bytes: PIECE, budget: UNLIMITED }, expires - ROLLOVER_MARGIN_MS);
      s = step.state;
      types.push(...step.effects.map((e) => e.type));
      if (s.phase === 'WaitingForChannel') {
        s = crankPayer(s, { type: 'channel_opened', channel_id: channelIdOf(10 + i), escrow_units: s.requested_escrow_units!, expires_at_ms: expires + CHANNEL_TIMEOUT_MS, budget: UNLIMITED }, expires - ROLLOVER_MARGIN_MS).state;
      }
    }
    expect(s.stop_reason).toBe('channel_churn');
    expect(types.filter((t) => t === 'open_channel')).toHaveLength(MAX_EMPTY_CHANNELS - 1);
  });
});

describe('payer: purity and persistence', () => {
  it('never mutates its inputs', () => {
    const s = Object.freeze(opened());
    const before = payerToJson(s);
    crankPayer(s, verified(9), T0);
    expect(payerToJson(s)).toEqual(before);
  });

  it('round-trips through JSON with bigint as decimal strings', () => {
    const s = run(opened(), [verified(0), verified(99)]).state;
    const json = JSON.parse(JSON.stringify(payerToJson(s)));
    expect(json.channel.amount_units).toBe('320');
    expect(payerFromJson(json)).toEqual(s);
  });

  it('refuses a stored state that breaks an invariant', () => {
    const json = JSON.parse(JSON.stringify(payerToJson(run(opened(), [verified(0)]).state)));
    expect(() => payerFromJson({ ...json, channel: { ...json.channel, amount_units: '1601' } })).toThrow(/escrow/);
    expect(() => payerFromJson({ ...json, channel: { ...json.channel, seq: '0' } })).toThrow(ChannelInvariantError);
    expect(() => payerFromJson({ ...json, paid_pieces: json.paid_pieces.slice(2) })).toThrow(/bitfield/);
    expect(() => payerFromJson({ ...json, paid_pieces: json.paid_pieces.slice(0, -2) + 'ff' })).toThrow(/spare bits/);
    expect(() => payerFromJson({ ...json, retired_units: 5 })).toThrow(ChannelInvariantError);
    expect(() => payerFromJson({ ...json, phase: 'WaitingForBidResponse', payee_key: null })).toThrow(ChannelInvariantError);
  });
});

describe('paid-piece set', () => {
  it('agrees with a Set, shares untouched chunks, and round-trips as a BEP 3 bitfield', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.array(fc.nat(), { maxLength: 60 }), (count, picks) => {
        let set = emptyPieceSet(count);
        const model = new Set<number>();
        for (const pick of picks) {
          const next = withPiece(set, pick % count);
          expect(isSubset(set, next)).toBe(true);
          expect(next.chunks.filter((c, i) => c !== set.chunks[i]).length).toBe(1);
          set = next;
          model.add(pick % count);
        }
        for (let i = 0; i < count; i++) expect(hasPiece(set, i)).toBe(model.has(i));
        expect(isValidPieceSet(set)).toBe(true);
        expect(pieceSetToHex(set)).toHaveLength(2 * Math.ceil(count / 8));
        expect(pieceSetFromHex(pieceSetToHex(set), count)).toEqual(set);
        if (model.size) expect(isSubset(set, emptyPieceSet(count))).toBe(false);
      }),
    );
    expect(pieceSetToHex(withPiece(emptyPieceSet(10), 0))).toBe('8000');
    expect(() => withPiece(emptyPieceSet(10), 10)).toThrow(RangeError);
  });
});

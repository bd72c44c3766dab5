import { describe, expect, it } from 'vitest';
import { signPaymentState, type SignedPaymentState } from '../../src/protocol/payment-state.ts';
import {
  canServe, crankPayee, createPayee, earnedUnits, exposureUnits, MAX_FAILURES, MAX_PENDING_CLOSES,
  type LedgerChannel, type PayeeEvent, type PayeeState, type PayeeStep,
} from '../../src/protocol/channel-payee.ts';
import { BAN_DURATION_MS } from '../../src/protocol/bans.ts';
import { payeeFromJson, payeeToJson } from '../../src/protocol/channel-payee-json.ts';
import {
  ChannelInvariantError, CLOSE_MARGIN_MS, MIN_CHANNEL_LIFETIME_MS, PAYMENT_DEADLINE_MS, ROLLOVER_MARGIN_MS,
} from '../../src/protocol/channel-types.ts';
import { channelIdOf, nobleVerifyPayment, party } from './channel-harness.ts';

const payer = party(1);
const payee = party(2);
const mallory = party(3);
const PIECE = 16 * 1024;
const PRICE = 10n; // units per KiB → 160 units per 16 KiB piece
const PIECE_COST = 160n;
const T0 = 10_000_000;
const C1 = channelIdOf(1);
const C2 = channelIdOf(2);
const terms = { payee_key: payee.key, payer_key: payer.key, piece_length_bytes: PIECE, min_escrow_units: 500n };

function ledger(id = C1, over: Partial<LedgerChannel> = {}): LedgerChannel {
  return { channel_id: id, payer_key: payer.key, payee_key: payee.key, escrow_units: 1_000n, expires_at_ms: T0 + 3_600_000, open: true, ...over };
}

function run(s: PayeeState, events: PayeeEvent[], now = T0): PayeeStep {
  let step: PayeeStep = { state: s, effects: [], rejection: null };
  for (const e of events) step = crankPayee(step.state, e, now);
  return step;
}

function serving(channel = ledger()): PayeeState {
  return run(createPayee(terms, PRICE), [
    { type: 'channel_announced', channel_id: channel.channel_id },
    { type: 'ledger_channel', channel_id: channel.channel_id, channel },
  ]).state;
}

const sign = (amount_units: bigint, seq: bigint, channel_id = C1, by = payer) =>
  signPaymentState(by.signer, { channel_id, amount_units, seq });

/** The shell's round trip: cheap checks, real verification, then the verified event. */
async function pay(s: PayeeState, p: SignedPaymentState, now = T0): Promise<PayeeStep> {
  const first = crankPayee(s, { type: 'payment', payment: p }, now);
  const verify = first.effects.find((e) => e.type === 'verify_payment');
  if (!verify) return first;
  expect(first.state).toBe(s);
  return crankPayee(s, { type: 'payment_verified', payment: p, ok: await nobleVerifyPayment(p, verify.payer_key) }, now);
}

function deliver(s: PayeeState, index: number, now = T0, bytes = PIECE): PayeeState {
  return run(s, [{ type: 'piece_started', index, bytes }, { type: 'piece_delivered', index }], now).state;
}

describe('payee: channel acceptance', () => {
  it('asks the ledger about an announced channel and serves once it matches', () => {
    const s0 = createPayee(terms, PRICE);
    expect(canServe(s0, T0)).toBe(false);
    const s1 = crankPayee(s0, { type: 'channel_announced', channel_id: C1 }, T0);
    expect(s1.state.phase).toBe('WaitingForLedgerCheck');
    expect(s1.effects).toEqual([{ type: 'fetch_channel', channel_id: C1 }]);
    const s2 = crankPayee(s1.state, { type: 'ledger_channel', channel_id: C1, channel: ledger() }, T0);
    expect(s2.state.phase).toBe('Serving');
    expect(canServe(s2.state, T0)).toBe(true);
  });

  it.each([
    ['channel_not_found', null, 'warn'],
    ['channel_not_open', ledger(C1, { open: false }), 'warn'],
    ['wrong_payee', ledger(C1, { payee_key: mallory.key }), 'ban'],
    ['wrong_payer', ledger(C1, { payer_key: mallory.key }), 'ban'],
    ['escrow_below_minimum', ledger(C1, { escrow_units: 499n }), 'warn'],
    ['expires_too_soon', ledger(C1, { expires_at_ms: T0 + MIN_CHANNEL_LIFETIME_MS - 1 }), 'warn'],
  ] as const)('refuses a channel: %s', (code, channel, reaction) => {
    const s1 = crankPayee(createPayee(terms, PRICE), { type: 'channel_announced', channel_id: C1 }, T0).state;
    const step = crankPayee(s1, { type: 'ledger_channel', channel_id: C1, channel }, T0);
    expect(step.rejection).toEqual({ code, reaction });
    expect(step.effects[0]).toEqual({ type: 'reject_channel', channel_id: C1, code });
    expect(canServe(step.state, T0)).toBe(false);
    if (reaction === 'warn') expect(step.effects).toContainEqual({ type: 'choke', reason: 'channel_invalid' });
    if (reaction === 'ban') expect(step.effects.some((e) => e.type === 'ban')).toBe(true);
    else expect(step.state.phase).toBe('WaitingForChannel');
  });

  it('refuses an escrow that cannot pay one full piece even above the minimum', () => {
    const small = createPayee({ ...terms, min_escrow_units: 0n }, PRICE);
    const s1 = crankPayee(small, { type: 'channel_announced', channel_id: C1 }, T0).state;
    const step = crankPayee(s1, { type: 'ledger_channel', channel_id: C1, channel: ledger(C1, { escrow_units: PIECE_COST - 1n }) }, T0);
    expect(step.rejection).toEqual({ code: 'escrow_below_piece', reaction: 'ignore' });
    expect(step.effects).toEqual([{ type: 'reject_channel', channel_id: C1, code: 'escrow_below_piece' }]);
  });

  it('ignores a repeated announcement, refuses a second check at once and a retired channel for good', async () => {
    const s = serving();
    expect(crankPayee(s, { type: 'channel_announced', channel_id: C1 }, T0).rejection).toEqual({ code: 'channel_known', reaction: 'ignore' });
    const checking = crankPayee(s, { type: 'channel_announced', channel_id: C2 }, T0).state;
    expect(crankPayee(checking, { type: 'channel_announced', channel_id: channelIdOf(3) }, T0).rejection?.code).toBe('check_in_progress');
    const rolled = crankPayee(checking, { type: 'ledger_channel', channel_id: C2, channel: ledger(C2) }, T0).state;
    expect(crankPayee(rolled, { type: 'channel_announced', channel_id: C1 }, T0).rejection).toEqual({ code: 'channel_reused', reaction: 'disconnect' });
  });

  it('throws on a ledger answer it did not ask for (a shell bug)', () => {
    expect(() => crankPayee(createPayee(terms, PRICE), { type: 'ledger_channel', channel_id: C1, channel: ledger() }, T0)).toThrow(ChannelInvariantError);
  });
});

describe('payee: payments', () => {
  it('verifies before accepting, then serves again; earned totals follow', async () => {
    const s = deliver(serving(), 0);
    expect(canServe(s, T0)).toBe(false);
    expect(exposureUnits(s)).toBe(PIECE_COST);
    const p = await sign(PIECE_COST, 1n);
    const check = crankPayee(s, { type: 'payment', payment: p }, T0);
    expect(check.state).toBe(s);
    expect(check.effects).toEqual([{ type: 'verify_payment', payment: p, payer_key: payer.key }]);
    const step = await pay(s, p);
    expect(step.rejection).toBeNull();
    expect(earnedUnits(step.state)).toBe(PIECE_COST);
    expect(exposureUnits(step.state)).toBe(0n);
    expect(canServe(step.state, T0)).toBe(true);
  });

  it('never lets a second piece start while one is unpaid', () => {
    const s = deliver(serving(), 0);
    expect(() => crankPayee(s, { type: 'piece_started', index: 1, bytes: PIECE }, T0)).toThrow(ChannelInvariantError);
    expect(() => crankPayee(serving(), { type: 'piece_started', index: 0, bytes: PIECE + 1 }, T0)).toThrow(ChannelInvariantError);
  });

  it('bans a state signed by another key, closing with the best state it has', async () => {
    let s = deliver(serving(), 0);
    s = (await pay(s, await sign(PIECE_COST, 1n))).state;
    s = deliver(s, 1);
    const step = await pay(s, await sign(2n * PIECE_COST, 2n, C1, mallory));
    expect(step.rejection).toEqual({ code: 'bad_signature', reaction: 'ban' });
    expect(step.effects).toContainEqual({ type: 'ban', until_ms: T0 + BAN_DURATION_MS, reason: 'bad_signature' });
    expect(step.effects).toContainEqual(expect.objectContaining({ type: 'close_channel', state: expect.objectContaining({ amount_units: PIECE_COST }) }));
    expect(step.state.phase).toBe('Closing');
    expect(earnedUnits(step.state)).toBe(PIECE_COST);
  });

  it('bans a tampered signature', async () => {
    const s = deliver(serving(), 0);
    const p = await sign(PIECE_COST, 1n);
    const bad = { ...p, signature: p.signature.map((b, i) => (i === 5 ? b ^ 1 : b)) };
    expect((await pay(s, bad)).rejection?.reaction).toBe('ban');
  });

  it('rejects with the reaction the case deserves', async () => {
    let s = deliver(serving(), 0);
    s = (await pay(s, await sign(300n, 2n))).state;
    const cases: [SignedPaymentState, string, string][] = [
      [await sign(300n, 2n), 'stale_amount', 'ignore'],
      [await sign(200n, 3n), 'stale_amount', 'ignore'],
      [await sign(400n, 2n), 'stale_sequence', 'warn'],
      [await sign(1_001n, 3n), 'exceeds_escrow', 'ban'],
      [await sign(400n, 3n, C2), 'wrong_channel', 'disconnect'],
      [{ ...(await sign(400n, 3n)), signature: new Uint8Array(10) }, 'malformed', 'disconnect'],
    ];
    for (const [p, code, reaction] of cases) {
      const step = crankPayee(s, { type: 'payment', payment: p }, T0);
      expect(step.rejection, code).toEqual({ code, reaction });
      expect(step.effects.some((e) => e.type === 'verify_payment')).toBe(false);
      if (reaction === 'ban') expect(step.state.closing).toEqual([s.channel?.last]);
      else expect(step.state.channel).toEqual(s.channel);
    }
  });

  it('re-checks after verification: a state overtaken while being verified changes nothing', async () => {
    const s = deliver(serving(), 0);
    const low = await sign(PIECE_COST, 1n);
    const high = await sign(PIECE_COST + 5n, 2n);
    const after = (await pay(s, high)).state;
    const step = crankPayee(after, { type: 'payment_verified', payment: low, ok: true }, T0);
    expect(step.rejection?.code).toBe('stale_amount');
    expect(step.state).toBe(after);
  });

  it('accepts a partial payment but keeps the piece unpaid', async () => {
    const s = deliver(serving(), 0);
    const step = await pay(s, await sign(PIECE_COST - 1n, 1n));
    expect(step.rejection).toBeNull();
    expect(exposureUnits(step.state)).toBe(1n);
    expect(canServe(step.state, T0)).toBe(false);
  });

  it('ignores a late payment on a channel it already retired', async () => {
    let s = deliver(serving(), 0);
    s = (await pay(s, await sign(PIECE_COST, 1n))).state;
    s = run(s, [{ type: 'channel_announced', channel_id: C2 }, { type: 'ledger_channel', channel_id: C2, channel: ledger(C2) }]).state;
    const late = crankPayee(s, { type: 'payment', payment: await sign(2n * PIECE_COST, 2n) }, T0);
    expect(late.rejection).toEqual({ code: 'retired_channel', reaction: 'ignore' });
  });
});

describe('payee: deadlines and bans', () => {
  it('chokes once when a payment misses its deadline, then accepts it late', async () => {
    const s = deliver(serving(), 0);
    expect(crankPayee(s, { type: 'tick' }, T0 + PAYMENT_DEADLINE_MS - 1).effects).toEqual([]);
    const late = crankPayee(s, { type: 'tick' }, T0 + PAYMENT_DEADLINE_MS);
    expect(late.effects).toEqual([{ type: 'choke', reason: 'payment_late' }]);
    expect(late.state.failures).toBe(1);
    expect(crankPayee(late.state, { type: 'tick' }, T0 + 2 * PAYMENT_DEADLINE_MS).effects).toEqual([]);
    const paid = await pay(late.state, await sign(PIECE_COST, 1n), T0 + 2 * PAYMENT_DEADLINE_MS);
    expect(canServe(paid.state, T0 + 2 * PAYMENT_DEADLINE_MS)).toBe(true);
  });

  it('in one tick, chokes a late payer and closes a channel about to time out', async () => {
    let s = deliver(serving(), 0);
    s = (await pay(s, await sign(PIECE_COST, 1n))).state;
    s = deliver(s, 1);
    const step = crankPayee(s, { type: 'tick' }, T0 + 3_600_000 - CLOSE_MARGIN_MS);
    expect(step.effects.map((e) => e.type)).toEqual(['choke', 'close_channel']);
    expect(step.state.failures).toBe(1);
    expect(exposureUnits(step.state)).toBe(PIECE_COST);
  });

  it('bans for BAN_DURATION_MS after MAX_FAILURES late payments', async () => {
    let s = serving();
    let now = T0;
    for (let i = 0; i < MAX_FAILURES; i++) {
      s = deliver(s, i, now);
      now += PAYMENT_DEADLINE_MS;
      const step = crankPayee(s, { type: 'tick' }, now);
      s = step.state;
      if (i < MAX_FAILURES - 1) s = (await pay(s, await sign(BigInt(i + 1) * PIECE_COST, BigInt(i + 1)), now)).state;
      else expect(step.effects).toContainEqual({ type: 'ban', until_ms: now + BAN_DURATION_MS, reason: 'payment_late' });
    }
    expect(s.phase).toBe('Closing');
    expect(s.banned_until_ms).toBe(now + BAN_DURATION_MS);
  });
});

describe('payee: prices, rollover and closing', () => {
  it('holds a new price until the unpaid piece is paid, then announces it', async () => {
    let s = deliver(serving(ledger(C1, { escrow_units: 10_000n })), 0);
    const held = crankPayee(s, { type: 'price_changed', price_units_per_kib: 20n }, T0);
    expect(held.effects).toEqual([]);
    expect(held.state.price_units_per_kib).toBe(PRICE);
    const paid = await pay(held.state, await sign(PIECE_COST, 1n));
    expect(paid.effects).toEqual([{ type: 'announce_price', price_units_per_kib: 20n }]);
    s = deliver(paid.state, 1);
    expect(s.owed_units).toBe(PIECE_COST + 2n * PIECE_COST);
    expect(crankPayee(serving(), { type: 'price_changed', price_units_per_kib: 7n }, T0).effects).toEqual([{ type: 'announce_price', price_units_per_kib: 7n }]);
  });

  it('closes a fully allocated channel and keeps earning on the next one', async () => {
    let s = serving(ledger(C1, { escrow_units: 500n }));
    for (let i = 0; i < 3; i++) {
      s = deliver(s, i);
      const step = await pay(s, await sign(BigInt(i + 1) * PIECE_COST, BigInt(i + 1)));
      s = step.state;
      if (i === 2) expect(step.effects).toEqual([{ type: 'close_channel', state: expect.objectContaining({ amount_units: 480n }) }]);
    }
    expect(s.phase).toBe('WaitingForChannel');
    expect(canServe(s, T0)).toBe(false);
    s = run(s, [{ type: 'channel_announced', channel_id: C2 }, { type: 'ledger_channel', channel_id: C2, channel: ledger(C2) }]).state;
    s = deliver(s, 3);
    s = (await pay(s, await sign(PIECE_COST, 1n, C2))).state;
    expect(earnedUnits(s)).toBe(4n * PIECE_COST);
    s = crankPayee(s, { type: 'channel_closed', channel_id: C1 }, T0).state;
    const done = crankPayee(s, { type: 'done' }, T0);
    expect(done.effects).toEqual([{ type: 'close_channel', state: expect.objectContaining({ channel_id: C2, amount_units: PIECE_COST }) }]);
    expect(done.state.phase).toBe('Closing');
    expect(crankPayee(done.state, { type: 'channel_closed', channel_id: C2 }, T0).state.phase).toBe('Closed');
    expect(crankPayee(serving(), { type: 'done' }, T0).state.phase).toBe('Closed');
  });

  it('stops starting pieces near the timeout and closes CLOSE_MARGIN_MS before it', async () => {
    let s = deliver(serving(), 0);
    s = (await pay(s, await sign(PIECE_COST, 1n))).state;
    const expires = T0 + 3_600_000;
    expect(canServe(s, expires - ROLLOVER_MARGIN_MS - 1)).toBe(true);
    expect(canServe(s, expires - ROLLOVER_MARGIN_MS)).toBe(false);
    expect(crankPayee(s, { type: 'tick' }, expires - CLOSE_MARGIN_MS - 1).effects).toEqual([]);
    const step = crankPayee(s, { type: 'tick' }, expires - CLOSE_MARGIN_MS);
    expect(step.effects).toEqual([{ type: 'close_channel', state: expect.objectContaining({ amount_units: PIECE_COST }) }]);
    expect(step.state.phase).toBe('WaitingForChannel');
    expect(earnedUnits(step.state)).toBe(PIECE_COST);
  });

  it('stops serving while MAX_PENDING_CLOSES closes await the ledger', async () => {
    let s = serving(ledger(channelIdOf(100)));
    for (let i = 0; i < MAX_PENDING_CLOSES; i++) {
      const id = channelIdOf(100 + i);
      s = deliver(s, i);
      s = (await pay(s, await sign(PIECE_COST, 1n, id))).state;
      const next = ledger(channelIdOf(101 + i));
      s = run(s, [{ type: 'channel_announced', channel_id: next.channel_id }, { type: 'ledger_channel', channel_id: next.channel_id, channel: next }]).state;
    }
    expect(s.closing).toHaveLength(MAX_PENDING_CLOSES);
    expect(canServe(s, T0)).toBe(false);
    expect(canServe(crankPayee(s, { type: 'channel_closed', channel_id: channelIdOf(100) }, T0).state, T0)).toBe(true);
  });
});

describe('payee: purity and persistence', () => {
  it('never mutates its inputs', async () => {
    const s = deepFreeze(deliver(serving(), 0));
    const p = deepFreeze(await sign(PIECE_COST, 1n));
    expect(() => crankPayee(s, { type: 'payment_verified', payment: p, ok: true }, T0)).not.toThrow();
    expect(() => crankPayee(s, { type: 'tick' }, T0 + PAYMENT_DEADLINE_MS)).not.toThrow();
  });

  it('round-trips through JSON and refuses a broken state', async () => {
    let s = deliver(serving(), 0);
    s = (await pay(s, await sign(PIECE_COST, 1n))).state;
    s = deliver(s, 1);
    const json = JSON.parse(JSON.stringify(payeeToJson(s)));
    expect(payeeFromJson(json)).toEqual(s);
    expect(() => payeeFromJson({ ...json, channel: { ...json.channel, paid_units: '1001' } })).toThrow(ChannelInvariantError);
    expect(() => payeeFromJson({ ...json, owed_units: '9999' })).toThrow(/exposure/);
    expect(() => payeeFromJson({ ...json, settled_units: -1 })).toThrow(ChannelInvariantError);
    expect(() => payeeFromJson({ ...json, phase: 'Dancing' })).toThrow(ChannelInvariantError);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

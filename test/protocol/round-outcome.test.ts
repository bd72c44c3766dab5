// A choke round's money outcome per peer, and what it does to paid sessions: unit cases, then a property over the
// pure choker, the outcome rule and both channel machines fed random bid changes, reserves, slot counts, joins,
// leaves and bans across many rounds (the three-peer scenario of issue 11 is one of its cases).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { peerId, type PeerId } from '../../src/protocol/auction.ts';
import { chokeRound, INITIAL_CHOKE_STATE, type ChokeConfig, type ChokePeer, type ChokeState } from '../../src/protocol/choker.ts';
import { roundOutcomes, sessionAction, sessionActionOnBid, type PeerOutcome } from '../../src/protocol/round-outcome.ts';
import { canServe, crankPayee, createPayee, exposureUnits, type PayeeEffect, type PayeeEvent, type PayeeState } from '../../src/protocol/channel-payee.ts';
import { endPaidSession } from '../../src/protocol/channel-payee-end.ts';
import { crankPayer, createPayer, SESSION_STOPS, type PayerEvent, type PayerState } from '../../src/protocol/channel-payer.ts';
import { costForBytes, type Units } from '../../src/protocol/money.ts';
import { signPaymentState, type SignedPaymentState } from '../../src/protocol/payment-state.ts';
import { party, SimLedger, UNLIMITED } from './channel-harness.ts';

const charged = (price: bigint): PeerOutcome => ({ kind: 'charged', price_units_per_kib: price });
const view = (price: bigint | null, bid: bigint | null, payment_late = false, interested = true) => ({
  price_units_per_kib: price, bid_units_per_kib: bid, payment_late, interested,
});

describe('round outcomes', () => {
  it('charges the winners at the clearing price, serves the rest of the unchoked free, chokes the others', () => {
    const peers: ChokePeer[] = ['a', 'b', 'c', 'd'].map((id, i) => ({
      id: peerId(id), interested: id !== 'd', banned: false, payment_late: false, speed: true,
      bid_units_per_kib: [508n, 600n, 32n, 900n][i] ?? null, bytes_received: 0, bytes_sent: 0,
    }));
    const config: ChokeConfig = { regular_slots: 1, tit_for_tat_slots: 0, reserve_units_per_kib: 100n, is_seed: true, optimistic_period_ms: 0 };
    const out = roundOutcomes(chokeRound(peers, config, INITIAL_CHOKE_STATE, 0));
    expect(out.get(peerId('b'))).toEqual(charged(508n)); // outbid a, pays a's bid
    expect([out.get(peerId('a'))?.kind, out.get(peerId('c'))?.kind].sort()).toEqual(['choked', 'free']); // one optimistic
    expect(out.get(peerId('d'))).toEqual({ kind: 'choked' });
  });

  it('opens, re-prices, restarts and ends sessions; a late payer keeps its session so it can pay or be banned', () => {
    expect(sessionAction(charged(5n), view(null, 10n))).toEqual({ type: 'open', price_units_per_kib: 5n });
    expect(sessionAction(charged(5n), view(5n, 10n))).toEqual({ type: 'keep' });
    expect(sessionAction(charged(7n), view(5n, 10n))).toEqual({ type: 'reprice', price_units_per_kib: 7n });
    expect(sessionAction(charged(3n), view(8n, 4n))).toEqual({ type: 'restart', price_units_per_kib: 3n });
    expect(sessionAction({ kind: 'free' }, view(5n, 10n))).toEqual({ type: 'end' });
    expect(sessionAction({ kind: 'choked' }, view(5n, 10n))).toEqual({ type: 'end' });
    // A requester that asks for nothing (done downloading) is served nothing and charged nothing; its session waits
    // for the payment of its last unit and its own `done` (ending it now would race that payment).
    expect(sessionAction({ kind: 'choked' }, view(5n, 10n, false, false))).toEqual({ type: 'keep' });
    expect(sessionAction({ kind: 'free' }, view(null, 10n))).toEqual({ type: 'keep' });
    expect(sessionAction({ kind: 'choked' }, view(5n, 10n, true))).toEqual({ type: 'keep' });
    expect(() => sessionAction(charged(11n), view(null, 10n))).toThrow(/above the bid/);
    expect(sessionActionOnBid(view(508n, 32n))).toEqual({ type: 'end' });
    expect(sessionActionOnBid(view(508n, null))).toEqual({ type: 'end' });
    expect(sessionActionOnBid(view(508n, 508n))).toEqual({ type: 'keep' });
    expect(sessionActionOnBid(view(508n, 32n, true))).toEqual({ type: 'keep' });
  });
});

const PIECE = 16 * 1024;
const PROVIDER = party(40);
const KEY_SLOTS = 6;
const requesters = Array.from({ length: KEY_SLOTS }, (_, i) => party(41 + i));
const RUNS = Number(process.env.PROPS_RUNS ?? 150);
const seen = { charged_rounds: 0, ended: 0, refused_units: 0, paid_units: 0, free_units: 0 };

/** One requester as both machines see it; the wire between them is instant and ordered. */
interface Peer {
  readonly id: PeerId;
  readonly index: number;
  /** The requester's current bid; `sent` is the one the provider has received (they differ while a bid is in flight). */
  bid: Units | null;
  sent: Units | null;
  interested: boolean;
  banned: boolean;
  payee: PayeeState | null;
  payer: PayerState | null;
  outcome: PeerOutcome;
  /** A unit the provider delivered that the requester has not verified yet. */
  inFlight: number | null;
  nextUnit: number;
}

const op = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('bid' as const), who: fc.nat(KEY_SLOTS - 1), bid: fc.option(fc.bigInt(1n, 60n), { nil: null, freq: 6 }), delivered: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('round' as const) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('send' as const), who: fc.nat(KEY_SLOTS - 1) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('serve' as const), who: fc.nat(KEY_SLOTS - 1), units: fc.integer({ min: 1, max: 4 }) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('verify' as const), who: fc.nat(KEY_SLOTS - 1) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constantFrom('join' as const, 'leave' as const, 'ban' as const, 'interest' as const), who: fc.nat(KEY_SLOTS - 1) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 20_000 }) }), weight: 1 },
);

class Swarm {
  readonly peers = new Map<number, Peer>();
  readonly ledger = new SimLedger();
  choke: ChokeState = INITIAL_CHOKE_STATE;
  now = 5_000_000;

  constructor(readonly config: ChokeConfig) {}

  join(index: number): void {
    if (this.peers.has(index)) return;
    this.peers.set(index, {
      id: peerId(`p${index}`), index, bid: null, sent: null, interested: true, banned: false, payee: null, payer: null, outcome: { kind: 'choked' }, inFlight: null, nextUnit: 0,
    });
  }

  /** The provider's shell: apply one session action (speed-provider.ts does the same with I/O around it). */
  async round(): Promise<void> {
    const list = [...this.peers.values()];
    const snapshot: ChokePeer[] = list.map((p) => ({
      id: p.id, interested: p.interested, banned: p.banned, payment_late: late(p), speed: true, bid_units_per_kib: p.sent, bytes_received: 0, bytes_sent: p.nextUnit,
    }));
    const round = chokeRound(snapshot, this.config, this.choke, this.now);
    this.choke = round.state;
    const outcomes = roundOutcomes(round);
    const prices = new Set([...outcomes.values()].flatMap((o) => (o.kind === 'charged' ? [o.price_units_per_kib] : [])));
    expect(prices.size).toBeLessThanOrEqual(1); // winners pay one uniform price
    if (prices.size > 0) seen.charged_rounds++;
    for (const p of list) {
      const outcome = outcomes.get(p.id) ?? { kind: 'choked' };
      p.outcome = outcome;
      const action = sessionAction(outcome, sessionView(p));
      if (action.type === 'end' || action.type === 'restart') await this.end(p);
      if (action.type === 'open' || action.type === 'restart') await this.open(p, action.price_units_per_kib);
      if (action.type === 'reprice') await this.payeeDo(p, { type: 'price_changed', price_units_per_kib: action.price_units_per_kib });
    }
  }

  async end(p: Peer): Promise<void> {
    if (!p.payee) return;
    seen.ended++;
    const step = endPaidSession(p.payee, this.now, true);
    p.payee = step.state;
    await this.payeeEffects(p, step.effects);
    // The `not_charged` error reaches the requester next, in order.
    if (p.payer) p.payer = crankPayer(p.payer, { type: 'not_charged' }, this.now).state;
  }

  async open(p: Peer, price: Units): Promise<void> {
    p.payee = createPayee({ payee_key: PROVIDER.key, payer_key: requesters[p.index]!.key, piece_length_bytes: PIECE, min_escrow_units: 0n }, price);
    await this.announce(p, price);
  }

  /** A bid_response reaches the requester; a stopped session is replaced by a fresh one (speed-requester.ts). */
  async announce(p: Peer, price: Units): Promise<void> {
    const stop = p.payer?.stop_reason;
    if (!p.payer || (stop && SESSION_STOPS.includes(stop) && p.bid !== null && price <= p.bid)) {
      p.payer = createPayer(requesters[p.index]!.key, PIECE, 1000);
    }
    await this.payerDo(p, {
      type: 'bid_response', payee_key: PROVIDER.key, price_units_per_kib: price, min_escrow_units: 0n, bid_units_per_kib: p.bid ?? 0n,
      remaining_bytes: 100 * PIECE, budget: UNLIMITED,
    });
  }

  /**
   * The requester's bid changes. Delivered: its payer re-checks the price at once and the bid reaches the provider.
   * Not delivered: both are still pending (the next delivered bid carries them), so only the per-unit check stands.
   */
  async setBid(p: Peer, bid: Units | null, delivered = true): Promise<void> {
    p.bid = bid;
    if (!delivered) return;
    if (p.payer) await this.payerDo(p, { type: 'bid_changed', bid_units_per_kib: bid });
    p.sent = bid;
    if (sessionActionOnBid(sessionView(p)).type === 'end') await this.end(p);
  }

  /** The provider's serving gate: a unit goes out free without a live session, charged only if canServe. */
  async send(p: Peer): Promise<void> {
    if (p.inFlight !== null || p.outcome.kind === 'choked') return;
    const s = p.payee;
    if (s && isLive(s)) {
      if (!canServe(s, this.now)) return;
      // A unit is charged only to a winner of the last round, at a price within its current bid.
      expect(p.outcome.kind).toBe('charged');
      expect(s.price_units_per_kib).toBeLessThanOrEqual(p.sent ?? -1n);
      await this.payeeDo(p, { type: 'piece_started', index: p.nextUnit, bytes: PIECE });
      await this.payeeDo(p, { type: 'piece_delivered', index: p.nextUnit });
    } else seen.free_units++;
    p.inFlight = p.nextUnit++;
  }

  async verify(p: Peer): Promise<void> {
    if (p.inFlight === null) return;
    const index = p.inFlight;
    p.inFlight = null;
    if (p.payer?.phase !== 'Paying') return;
    await this.payerDo(p, { type: 'piece_verified', index, bytes: PIECE, remaining_bytes: 100 * PIECE, budget: UNLIMITED, bid_units_per_kib: p.bid });
    if (p.payer.stop_reason === 'price_above_bid') seen.refused_units++;
  }

  async payerDo(p: Peer, e: PayerEvent): Promise<void> {
    if (!p.payer) return;
    const step = crankPayer(p.payer, e, this.now);
    p.payer = step.state;
    for (const effect of step.effects) {
      if (effect.type === 'open_channel') {
        const ch = this.ledger.open(requesters[p.index]!.key, effect.payee_key, effect.escrow_units, effect.timeout_ms, this.now);
        await this.payerDo(p, { type: 'channel_opened', channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms, budget: UNLIMITED });
      } else if (effect.type === 'send_channel') {
        await this.payeeDo(p, { type: 'channel_announced', channel_id: effect.channel_id });
      } else if (effect.type === 'pay') {
        // Nobody is charged above its own current bid, nor while it is not a winner.
        const price = p.payer.price_units_per_kib;
        expect(p.bid).not.toBeNull();
        expect(price).toBeLessThanOrEqual(p.bid as Units);
        expect(effect.delta_units).toBe(costForBytes(price, BigInt(PIECE)));
        seen.paid_units++;
        const signed = await signPaymentState(requesters[p.index]!.signer, effect.state);
        await this.pay(p, signed);
      }
    }
  }

  async pay(p: Peer, payment: SignedPaymentState): Promise<void> {
    if (!p.payee) return;
    const first = crankPayee(p.payee, { type: 'payment', payment }, this.now);
    p.payee = first.state;
    if (first.effects.some((e) => e.type === 'verify_payment')) await this.payeeDo(p, { type: 'payment_verified', payment, ok: true });
  }

  async payeeDo(p: Peer, e: PayeeEvent): Promise<void> {
    if (!p.payee) return;
    const step = crankPayee(p.payee, e, this.now);
    p.payee = step.state;
    await this.payeeEffects(p, step.effects);
  }

  async payeeEffects(p: Peer, effects: readonly PayeeEffect[]): Promise<void> {
    for (const effect of effects) {
      if (effect.type === 'fetch_channel') await this.payeeDo(p, { type: 'ledger_channel', channel_id: effect.channel_id, channel: this.ledger.get(effect.channel_id) });
      else if (effect.type === 'announce_price') await this.announce(p, effect.price_units_per_kib);
      else if (effect.type === 'close_channel') {
        this.ledger.close(effect.state);
        await this.payeeDo(p, { type: 'channel_closed', channel_id: effect.state.channel_id });
      } else if (effect.type === 'ban') p.banned = true;
    }
  }

  /** Checked after every step of the run. */
  check(): void {
    for (const p of this.peers.values()) {
      const s = p.payee;
      if (!s) continue;
      // Exposure: never more than one unit's cost outstanding.
      expect(exposureUnits(s)).toBeLessThanOrEqual(costForBytes(s.price_units_per_kib, BigInt(PIECE)));
      if (!isLive(s) || late(p)) continue;
      // A live session belongs to a winner of the last round, at a price within its current bid — or to a peer
      // choked for paying late, that has paid since (nothing is served to it before the next round decides).
      expect(p.outcome.kind).not.toBe('free');
      if (p.outcome.kind !== 'charged') continue;
      expect(p.sent).not.toBeNull();
      expect(sessionView(p).price_units_per_kib as Units).toBeLessThanOrEqual(p.sent as Units);
    }
  }
}

const isLive = (s: PayeeState) => s.phase !== 'Closing' && s.phase !== 'Closed';
const late = (p: Peer) => p.payee?.unpaid?.deadline_missed === true;

function sessionView(p: Peer) {
  const s = p.payee;
  const pending = s?.pending_price_units_per_kib ?? 0n;
  const price = s && isLive(s) ? (pending > s.price_units_per_kib ? pending : s.price_units_per_kib) : null;
  return { price_units_per_kib: price, bid_units_per_kib: p.sent, payment_late: late(p), interested: p.interested };
}

describe('paid sessions across rounds (property)', () => {
  it('nobody is charged above its own current bid, non-winners are never charged, winners pay one price', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 }), fc.bigInt(1n, 40n), fc.integer({ min: 1, max: KEY_SLOTS }),
        fc.array(op, { minLength: 30, maxLength: 150 }),
        async (slots, tft, reserve, initial, ops) => {
          const regular_slots = Math.max(slots, tft);
          const swarm = new Swarm({ regular_slots, tit_for_tat_slots: Math.min(tft, regular_slots), reserve_units_per_kib: reserve, is_seed: true, optimistic_period_ms: 0 });
          for (let i = 0; i < initial; i++) swarm.join(i);
          for (const o of ops) {
            const p = 'who' in o ? swarm.peers.get(o.who) : undefined;
            switch (o.kind) {
              case 'bid': if (p) await swarm.setBid(p, o.bid, o.delivered); break;
              case 'round': await swarm.round(); break;
              case 'send': if (p) await swarm.send(p); break;
              case 'verify': if (p) await swarm.verify(p); break;
              case 'serve':
                for (let i = 0; p && i < o.units; i++) {
                  await swarm.send(p);
                  await swarm.verify(p);
                }
                break;
              case 'join': swarm.join(o.who); break;
              case 'leave': swarm.peers.delete(o.who); break;
              case 'ban': if (p) p.banned = true; break;
              case 'interest': if (p) p.interested = !p.interested; break;
              case 'tick':
                swarm.now += o.ms;
                for (const q of swarm.peers.values()) await swarm.payeeDo(q, { type: 'tick' });
                break;
            }
            swarm.check();
          }
        },
      ),
      { numRuns: RUNS },
    );
    // The runs exercised what the property is about.
    expect(seen.charged_rounds).toBeGreaterThan(0);
    expect(seen.ended).toBeGreaterThan(0);
    expect(seen.paid_units).toBeGreaterThan(0);
    expect(seen.refused_units).toBeGreaterThan(0);
    expect(seen.free_units).toBeGreaterThan(0);
  }, 120_000);

  it('the issue-11 scenario: A wins, lowers its bid below the reserve, B takes the slot; A is charged nothing more', async () => {
    const swarm = new Swarm({ regular_slots: 1, tit_for_tat_slots: 0, reserve_units_per_kib: 100n, is_seed: true, optimistic_period_ms: 0 });
    swarm.join(0);
    const a = swarm.peers.get(0)!;
    await swarm.setBid(a, 508n);
    await swarm.round();
    expect(a.outcome).toEqual(charged(100n));
    for (let i = 0; i < 3; i++) {
      await swarm.send(a);
      await swarm.verify(a);
    }
    expect(a.payee?.channel?.paid_units).toBe(3n * costForBytes(100n, BigInt(PIECE)));
    await swarm.send(a); // a unit in flight when the bid falls
    await swarm.setBid(a, 32n);
    expect(a.payee?.phase).toMatch(/Clos/);
    expect(a.payer?.stop_reason).toBe('price_above_bid');
    swarm.join(1);
    const b = swarm.peers.get(1)!;
    await swarm.setBid(b, 600n);
    await swarm.round();
    expect(b.outcome).toEqual(charged(100n));
    expect(a.outcome.kind).not.toBe('charged');
    const channelsOf = () => [...swarm.ledger.channels.values()].filter((c) => c.payer_key === requesters[0]!.key).length;
    const channels = channelsOf();
    const closedFor = () => [...swarm.ledger.channels.values()].filter((c) => c.payer_key === requesters[0]!.key).reduce((t, c) => t + (c.closed_amount_units ?? 0n), 0n);
    const before = closedFor();
    for (let i = 0; i < 6; i++) {
      await swarm.round();
      await swarm.verify(a);
      await swarm.send(a);
      swarm.check();
    }
    expect(closedFor()).toBe(before); // the demoted requester's spend on the ledger does not grow
    expect(before).toBe(3n * costForBytes(100n, BigInt(PIECE)));
    expect(channelsOf()).toBe(channels); // and it opens no channel while it is not a winner
    expect(a.nextUnit).toBeGreaterThan(5); // while it was still served, free
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { costForBytes, type Units } from '../../src/protocol/money.ts';
import { nobleVerify, publicKeyFromHex } from '../../src/protocol/ed25519.ts';
import { encodePaymentState, signPaymentState, type SignedPaymentState } from '../../src/protocol/payment-state.ts';
import { canServe, crankPayee, createPayee, earnedUnits, exposureUnits, type PayeeEvent, type PayeeState } from '../../src/protocol/channel-payee.ts';
import { crankPayer, createPayer, isPiecePaid, sentUnits, type Budget, type PayerEffect } from '../../src/protocol/channel-payer.ts';
import { ROLLOVER_MARGIN_MS } from '../../src/protocol/channel-types.ts';
import { channelIdOf, nobleVerifyPayment, Pair, party, SimLedger } from './channel-harness.ts';

const payer = party(1);
const payee = party(2);
const mallory = party(3);
const T0 = 10_000_000;
const RUNS = Number(process.env.PROPS_RUNS ?? 60);
/** Counts across runs, so a property that passes only because nothing happened is caught. */
const seen = { accepted: 0, banned: 0, rolled: 0, repriced: 0, churned: 0, payer_rolled: 0, payer_stopped: 0 };

const payeeOp = fc.oneof(
  { arbitrary: fc.constant({ kind: 'piece' as const }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('honest' as const), extra: fc.bigInt(0n, 400n), gap: fc.bigInt(1n, 3n) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constantFrom('forged', 'tampered', 'wrong_channel', 'over_escrow', 'lower', 'reuse_seq', 'replay', 'candidate') }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 20_000 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('price' as const), price: fc.bigInt(1n, 40n) }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'rollover' as const }), weight: 1 },
);

describe('payee properties', () => {
  it('never accepts a state beyond escrow, lower than the last, with a used seq, or signed by another key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 16 * 1024 }), fc.bigInt(1n, 20n), fc.bigInt(320n, 20_000n), fc.array(payeeOp, { minLength: 1, maxLength: 40 }),
        async (piece_length_bytes, price, escrow_units, ops) => {
          const ledger = new SimLedger();
          const terms = { payee_key: payee.key, payer_key: payer.key, piece_length_bytes, min_escrow_units: 0n };
          let s: PayeeState = createPayee(terms, price);
          let now = T0;
          const sent: SignedPaymentState[] = [];
          const accepted = new Set<string>();
          const crank = (e: PayeeEvent) => {
            const prev = s;
            const step = crankPayee(s, e, now);
            s = step.state;
            for (const effect of step.effects) if (effect.type === 'close_channel') ledger.close(effect.state);
            if (step.effects.some((x) => x.type === 'ban')) seen.banned++;
            if (s.channel?.last && s.channel.last !== prev.channel?.last) seen.accepted++;
            checkStep(prev, s, accepted);
            return step;
          };
          const openChannel = () => {
            const ch = ledger.open(payer.key, payee.key, escrow_units, 3_600_000, now);
            crank({ type: 'channel_announced', channel_id: ch.channel_id });
            if (s.candidate_id === ch.channel_id) crank({ type: 'ledger_channel', channel_id: ch.channel_id, channel: ch });
          };
          const send = async (p: SignedPaymentState) => {
            sent.push(p);
            const first = crank({ type: 'payment', payment: p });
            const v = first.effects.find((e) => e.type === 'verify_payment');
            if (v) crank({ type: 'payment_verified', payment: p, ok: await nobleVerifyPayment(p, v.payer_key) });
          };
          openChannel();
          for (const op of ops) {
            const ch = s.channel;
            const id = ch?.channel_id ?? channelIdOf(999);
            const paid = ch?.paid_units ?? 0n;
            const seq = ch?.seq ?? 0n;
            const esc = ch?.escrow_units ?? escrow_units;
            switch (op.kind) {
              case 'piece':
                if (canServe(s, now)) {
                  crank({ type: 'piece_started', index: 0, bytes: piece_length_bytes });
                  crank({ type: 'piece_delivered', index: 0 });
                }
                break;
              case 'honest': {
                const want = paid + exposureUnits(s) + op.extra;
                const amount = want > esc ? esc : want;
                if (amount > paid) await send(await signPaymentState(payer.signer, { channel_id: id, amount_units: amount, seq: seq + op.gap }));
                break;
              }
              case 'forged': await send(await signPaymentState(mallory.signer, { channel_id: id, amount_units: paid + 1n, seq: seq + 1n })); break;
              case 'tampered': {
                const p = await signPaymentState(payer.signer, { channel_id: id, amount_units: paid + 1n, seq: seq + 1n });
                await send({ ...p, amount_units: p.amount_units + 1n });
                break;
              }
              case 'wrong_channel': await send(await signPaymentState(payer.signer, { channel_id: channelIdOf(777), amount_units: paid + 1n, seq: seq + 1n })); break;
              case 'over_escrow': await send(await signPaymentState(payer.signer, { channel_id: id, amount_units: esc + 1n, seq: seq + 1n })); break;
              case 'lower': await send(await signPaymentState(payer.signer, { channel_id: id, amount_units: paid > 0n ? paid - 1n : 0n, seq: seq + 1n })); break;
              case 'reuse_seq': await send(await signPaymentState(payer.signer, { channel_id: id, amount_units: paid + 1n, seq })); break;
              case 'replay': if (sent.length) await send(sent[Math.floor(sent.length / 2)]!); break;
              case 'candidate':
                if (s.candidate_id) await send(await signPaymentState(payer.signer, { channel_id: s.candidate_id, amount_units: 1n, seq: 1n }));
                break;
              case 'tick': now += op.ms; crank({ type: 'tick' }); break;
              case 'price': crank({ type: 'price_changed', price_units_per_kib: op.price }); break;
              case 'rollover': if (s.phase === 'Serving' || s.phase === 'WaitingForChannel') openChannel(); break;
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(seen.accepted).toBeGreaterThan(RUNS);
    expect(seen.banned).toBeGreaterThan(RUNS / 10);
  });
});

/** What every payee step must keep, whatever the requester sent. */
function checkStep(prev: PayeeState, next: PayeeState, accepted: Set<string>): void {
  const ch = next.channel;
  if (!ch) return;
  expect(ch.paid_units <= ch.escrow_units).toBe(true);
  const before = prev.channel?.channel_id === ch.channel_id ? prev.channel : null;
  if (before && ch.last !== before.last) {
    expect(ch.paid_units > before.paid_units && ch.seq > before.seq).toBe(true);
  }
  if (ch.last) {
    expect(ch.last.channel_id).toBe(ch.channel_id);
    expect(nobleVerify(ch.last.signature, encodePaymentState(ch.last), publicKeyFromHex(payer.key))).toBe(true);
    if (ch.last !== before?.last) {
      const key = `${ch.channel_id}/${ch.seq}`;
      expect(accepted.has(key)).toBe(false);
      accepted.add(key);
    }
  }
}

const payerOp = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('piece' as const), index: fc.nat(29), bytes: fc.integer({ min: 1, max: 16 * 1024 * 1024 }) }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('price' as const), price: fc.bigInt(1n, 60n) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 3_600_000 }) }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'bad_piece' as const }), weight: 1 },
);

describe('payer properties', () => {
  it('never pays beyond escrow or the caps, nor one piece twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt(1n, 20n), fc.bigInt(0n, 100_000n), fc.bigInt(0n, 4_000_000n), fc.bigInt(0n, 4_000_000n), fc.array(payerOp, { minLength: 1, maxLength: 60 }),
        async (price, min_escrow_units, torrent_cap, day_cap, ops) => {
          const L = 16 * 1024 * 1024; // MAX_CHANNEL_BYTES holds 4 such pieces: channels roll over often
          const ledger = new SimLedger();
          let s = createPayer(payer.key, L, 30);
          let now = T0;
          let spent: Units = 0n;
          const paidIndices = new Set<number>();
          const budget = (): Budget => ({ torrent_cap_units: torrent_cap, torrent_spent_units: spent, day_cap_units: day_cap, day_spent_units: spent });
          const handle = (effects: readonly PayerEffect[]) => {
            for (const effect of effects) {
              if (effect.type === 'pay') {
                expect(paidIndices.has(effect.index)).toBe(false);
                paidIndices.add(effect.index);
                spent += effect.delta_units;
                const ch = ledger.get(effect.state.channel_id);
                expect(ch && effect.state.amount_units <= ch.escrow_units).toBe(true);
              }
              if (effect.type === 'stop_requesting') seen.payer_stopped++;
              if (effect.type === 'open_channel') {
                if (ledger.channels.size > 0) seen.payer_rolled++;
                expect(effect.escrow_units <= torrent_cap - spent && effect.escrow_units <= day_cap - spent).toBe(true);
                const ch = ledger.open(payer.key, effect.payee_key, effect.escrow_units, effect.timeout_ms, now);
                const step = crankPayer(s, { type: 'channel_opened', channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms, remaining_bytes: 30 * L, budget: budget() }, now);
                s = step.state;
                handle(step.effects);
              }
            }
          };
          const apply = (step: ReturnType<typeof crankPayer>) => {
            s = step.state;
            handle(step.effects);
          };
          apply(crankPayer(s, { type: 'bid_response', payee_key: payee.key, price_units_per_kib: price, min_escrow_units, bid_units_per_kib: 50n, remaining_bytes: 30 * L, budget: budget() }, now));
          for (const op of ops) {
            if (op.kind === 'piece') apply(crankPayer(s, { type: 'piece_verified', index: op.index, bytes: op.bytes, remaining_bytes: 30 * L, budget: budget(), bid_units_per_kib: 50n }, now));
            if (op.kind === 'price') apply(crankPayer(s, { type: 'bid_response', payee_key: payee.key, price_units_per_kib: op.price, min_escrow_units, bid_units_per_kib: 50n, remaining_bytes: 30 * L, budget: budget() }, now));
            if (op.kind === 'tick') {
              now += op.ms;
              apply(crankPayer(s, { type: 'tick', remaining_bytes: 30 * L, budget: budget() }, now));
            }
            if (op.kind === 'bad_piece' && s.phase === 'Paying') apply(crankPayer(s, { type: 'piece_failed', index: 0 }, now));
            expect(spent <= torrent_cap && spent <= day_cap).toBe(true);
            expect(sentUnits(s)).toBe(spent);
            for (const i of paidIndices) expect(isPiecePaid(s, i)).toBe(true);
          }
        },
      ),
      { numRuns: RUNS * 3 },
    );
    expect(seen.payer_rolled).toBeGreaterThan(RUNS / 10);
    expect(seen.payer_stopped).toBeGreaterThan(RUNS / 10);
  });
});

const pairOp = fc.oneof(
  { arbitrary: fc.constant({ kind: 'send' as const }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'to_payer' as const }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'to_payee' as const }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 200 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('price' as const), price: fc.bigInt(1n, 30n) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'jump' as const }), weight: 1 },
);

describe('payer and payee together', () => {
  it('end with accepted == sent, every piece paid once, and never more than one piece exposed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(16 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.bigInt(1n, 20n), fc.array(pairOp, { maxLength: 80 }),
        async (L, N, lastFraction, price, ops) => {
          const pair = new Pair({ piece_length_bytes: L, piece_count: N, last_piece_bytes: Math.max(1, Math.floor(L * lastFraction)), price_units_per_kib: price });
          let maxPrice = price;
          const exposed = () => expect(exposureUnits(pair.payee) <= costForBytes(maxPrice, BigInt(L))).toBe(true);
          await pair.start();
          for (const op of ops) {
            if (op.kind === 'send') await pair.providerSends();
            if (op.kind === 'to_payer') await pair.deliverToPayer();
            if (op.kind === 'to_payee') await pair.deliverToPayee();
            if (op.kind === 'tick') await pair.advance(op.ms);
            if (op.kind === 'price') {
              maxPrice = op.price > maxPrice ? op.price : maxPrice;
              await pair.changePrice(op.price);
            }
            if (op.kind === 'jump' && pair.payer.channel) {
              await pair.flush();
              await pair.advance(Math.max(0, pair.payer.channel.expires_at_ms - ROLLOVER_MARGIN_MS - pair.now_ms));
            }
            exposed();
          }
          for (let guard = 0; pair.nextPiece < N && guard < 4 * N + 10; guard++) {
            await pair.flush();
            await pair.providerSends();
            exposed();
          }
          await pair.flush();
          // Price rises and idle timeouts can make the payer give up channels it never paid on; past
          // MAX_EMPTY_CHANNELS it stops. The books must balance all the same; only completeness is waived.
          const churned = pair.payer.stop_reason === 'channel_churn';
          seen.churned += churned ? 1 : 0;
          expect(pair.payer.phase).toBe(churned ? 'Stopped' : 'Done');
          expect(pair.payee.phase).toBe('Closed');
          expect(earnedUnits(pair.payee)).toBe(sentUnits(pair.payer));
          expect(pair.payee.owed_units).toBe(sentUnits(pair.payer));
          if (!churned) {
            expect(pair.nextPiece).toBe(N);
            for (let i = 0; i < N; i++) expect(isPiecePaid(pair.payer, i)).toBe(true);
          }
          expect(pair.payeeEffects.filter((e) => e.type === 'choke' || e.type === 'ban')).toEqual([]);
          seen.rolled += pair.ledger.channels.size > 1 ? 1 : 0;
          seen.repriced += pair.payeeEffects.some((e) => e.type === 'announce_price') ? 1 : 0;
          const closed = [...pair.ledger.channels.values()].reduce((sum, c) => sum + (c.closed_amount_units ?? 0n), 0n);
          expect(closed).toBe(sentUnits(pair.payer));
        },
      ),
      { numRuns: RUNS },
    );
    expect(seen.rolled).toBeGreaterThan(RUNS / 10);
    expect(seen.repriced).toBeGreaterThan(RUNS / 10);
    expect(seen.churned).toBeLessThan(RUNS / 10);
  });

  it('works end to end on the WebCrypto path too', async () => {
    const { createWebCryptoSigner, WebCryptoVerifier, publicKeyFromHex: pk } = await import('../../src/protocol/ed25519.ts');
    const subtle = globalThis.crypto.subtle;
    const verifier = new WebCryptoVerifier(subtle);
    const signer = await createWebCryptoSigner(subtle, new Uint8Array(32).fill(1));
    const pair = new Pair({
      piece_length_bytes: 16 * 1024 * 1024, piece_count: 9, price_units_per_kib: 3n,
      sign: (_s, state) => signPaymentState(signer, state),
      verify: async (p, key) => verifier.verify(p.signature, encodePaymentState(p), pk(key)),
    });
    await pair.start();
    do await pair.flush();
    while (await pair.providerSends());
    expect(pair.payee.phase).toBe('Closed');
    expect(earnedUnits(pair.payee)).toBe(9n * 3n * 16n * 1024n);
    expect(pair.ledger.channels.size).toBe(3);
  });
});


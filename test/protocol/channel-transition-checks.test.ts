// The machines assert their invariants after every transition but re-derive only what a transition can change:
// these tests show a broken invariant is still caught there, and that the parts skipped by identity (keys, sizes,
// the paid-piece set, the channel) are checked in full at creation and at load.
import { describe, expect, it } from 'vitest';
import { crankPayee, createPayee, type PayeeState } from '../../src/protocol/channel-payee.ts';
import { payeeFromJson, payeeToJson } from '../../src/protocol/channel-payee-json.ts';
import { crankPayer, createPayer, type Budget, type PayerState } from '../../src/protocol/channel-payer.ts';
import { payerFromJson, payerToJson } from '../../src/protocol/channel-payer-json.ts';
import { ChannelInvariantError } from '../../src/protocol/channel-types.ts';
import type { PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { channelIdOf, party } from './channel-harness.ts';

const payer = party(1);
const payee = party(2);
const PIECE = 16 * 1024;
const T0 = 10_000_000;
const C1 = channelIdOf(1);
const BUDGET: Budget = { torrent_cap_units: 10n ** 9n, torrent_spent_units: 0n, day_cap_units: 10n ** 9n, day_spent_units: 0n };

function paying(): PayerState {
  const priced = crankPayer(createPayer(payer.key, PIECE, 100), {
    type: 'bid_response', payee_key: payee.key, price_units_per_kib: 10n, min_escrow_units: 0n, bid_units_per_kib: 50n,
    remaining_bytes: 10 * PIECE, budget: BUDGET,
  }, T0).state;
  const escrow_units = priced.requested_escrow_units ?? 0n;
  return crankPayer(priced, { type: 'channel_opened', channel_id: C1, escrow_units, expires_at_ms: T0 + 3_600_000, budget: BUDGET }, T0).state;
}

function serving(): PayeeState {
  const s = createPayee({ payee_key: payee.key, payer_key: payer.key, piece_length_bytes: PIECE, min_escrow_units: 0n }, 10n);
  const checking = crankPayee(s, { type: 'channel_announced', channel_id: C1 }, T0).state;
  const channel = { channel_id: C1, payer_key: payer.key, payee_key: payee.key, escrow_units: 1_600n, expires_at_ms: T0 + 3_600_000, open: true };
  return crankPayee(checking, { type: 'ledger_channel', channel_id: C1, channel }, T0).state;
}

describe('invariants per transition', () => {
  it('payer: a broken invariant over changeable fields is caught even by a step that changes nothing', () => {
    const s = paying();
    expect(s.phase).toBe('Paying');
    const broken: PayerState = { ...s, owed: { index: 3, cost_units: 160n } };
    expect(() => crankPayer(broken, { type: 'tick', remaining_bytes: PIECE, budget: BUDGET }, T0)).toThrow(/owed piece waits/);
  });

  it('payer: a channel object the step builds is checked in full', () => {
    const s = paying();
    const ch = s.channel;
    if (!ch) throw new Error('no channel');
    // A seq that does not count the payments, carried into the exhausted copy a near-timeout tick makes.
    const broken: PayerState = { ...s, channel: { ...ch, amount_units: 160n, seq: 0n } };
    expect(() => crankPayer(broken, { type: 'tick', remaining_bytes: 5 * PIECE, budget: BUDGET }, ch.expires_at_ms - 1)).toThrow(/seq counts the payments/);
  });

  it('payee: a broken exposure is caught by a tick that changes nothing', () => {
    const s = serving();
    expect(s.phase).toBe('Serving');
    expect(() => crankPayee({ ...s, owed_units: 999n }, { type: 'tick' }, T0)).toThrow(/nothing owed/);
  });

  it('payee: every changeable amount is checked on every step', () => {
    const s = serving();
    expect(() => crankPayee({ ...s, settled_units: -1n }, { type: 'tick' }, T0)).toThrow(/non-negative/);
    expect(() => crankPayee({ ...s, price_units_per_kib: 0n }, { type: 'tick' }, T0)).toThrow(/price must be positive/);
  });

  it('the parts skipped per transition are checked in full at creation and at load', () => {
    expect(() => createPayer('not-a-key' as PublicKeyHex, PIECE, 100)).toThrow(/payer_key/);
    expect(() => createPayee({ payee_key: payee.key, payer_key: payer.key, piece_length_bytes: 0, min_escrow_units: 0n }, 10n)).toThrow(/piece_length/);
    const payerJson = payerToJson(paying()) as Record<string, unknown>;
    expect(() => payerFromJson({ ...payerJson, payer_key: 'f'.repeat(63) })).toThrow(ChannelInvariantError);
    const payeeJson = payeeToJson(serving()) as Record<string, unknown>;
    expect(() => payeeFromJson({ ...payeeJson, terms: { ...(payeeJson.terms as object), piece_length_bytes: -1 } })).toThrow(ChannelInvariantError);
  });
});

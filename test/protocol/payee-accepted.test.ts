// Which payment a payee step accepted: the shell reports it (payment_received, the torrent's earned record) from
// acceptedPayment. The payment that uses up an exactly-sized escrow retires the channel in the same step; it must
// still be reported (the app once showed every such download one piece short of what the ledger settled).
import { describe, expect, it } from 'vitest';
import { acceptedPayment, crankPayee, createPayee, earnedUnits, type PayeeEvent, type PayeeState } from '../../src/protocol/channel-payee.ts';
import { pieceCostUnits } from '../../src/protocol/channel-types.ts';
import { signPaymentState } from '../../src/protocol/payment-state.ts';
import { channelIdOf, party } from './channel-harness.ts';

const PIECE = 16 * 1024;
const PRICE = 50n;
const payer = party(7);
const payee = party(8);
const channel_id = channelIdOf(1);
const COST = pieceCostUnits(PRICE, PIECE);

function step(s: PayeeState, e: PayeeEvent): PayeeState {
  return crankPayee(s, e, 1_000).state;
}

/** A session serving on a channel whose escrow pays exactly `pieces` pieces. */
function serving(pieces: bigint): PayeeState {
  let s = createPayee({ payee_key: payee.key, payer_key: payer.key, piece_length_bytes: PIECE, min_escrow_units: 0n }, PRICE);
  s = step(s, { type: 'channel_announced', channel_id });
  return step(s, {
    type: 'ledger_channel', channel_id,
    channel: { channel_id, payer_key: payer.key, payee_key: payee.key, escrow_units: COST * pieces, expires_at_ms: 1_000 + 3_600_000, open: true },
  });
}

async function payPiece(s: PayeeState, index: number, seq: bigint): Promise<{ before: PayeeState; after: PayeeState }> {
  let t = step(s, { type: 'piece_started', index, bytes: PIECE });
  t = step(t, { type: 'piece_delivered', index });
  const payment = await signPaymentState(payer.signer, { channel_id, amount_units: COST * seq, seq });
  const before = step(t, { type: 'payment', payment });
  return { before, after: step(before, { type: 'payment_verified', payment, ok: true }) };
}

describe('acceptedPayment', () => {
  it('reports each payment on a live channel, and the one that exhausts the escrow as the state the channel closes with', async () => {
    let s = serving(2n);
    const first = await payPiece(s, 0, 1n);
    expect(acceptedPayment(first.before, first.after)?.amount_units).toBe(COST);
    expect(first.after.channel?.channel_id).toBe(channel_id);
    s = first.after;
    const last = await payPiece(s, 1, 2n);
    expect(last.after.channel).toBeNull(); // exhausted: retired in the same step, now closing
    expect(last.after.closing.map((c) => c.amount_units)).toEqual([2n * COST]);
    const accepted = acceptedPayment(last.before, last.after);
    expect(accepted).toMatchObject({ channel_id, amount_units: 2n * COST, seq: 2n });
    expect(earnedUnits(last.after)).toBe(2n * COST);
  });

  it('reports nothing for a step that accepted no payment', async () => {
    const s = serving(2n);
    const started = step(s, { type: 'piece_started', index: 0, bytes: PIECE });
    expect(acceptedPayment(s, started)).toBeNull();
    const forged = await signPaymentState(payee.signer, { channel_id, amount_units: COST, seq: 1n });
    const delivered = step(started, { type: 'piece_delivered', index: 0 });
    const refused = crankPayee(delivered, { type: 'payment_verified', payment: forged, ok: false }, 1_000).state;
    expect(acceptedPayment(delivered, refused)).toBeNull();
  });
});

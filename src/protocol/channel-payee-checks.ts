// The provider's acceptance rule for a payment state, before and after its signature is checked: its own channel,
// within escrow, strictly higher cumulative amount and seq. Cumulative states make a stale one harmless, so it is ignored.
import { SIGNATURE_BYTES } from './ed25519.ts';
import { MAX_AMOUNT_UNITS } from './money.ts';
import { isChannelId, MAX_SEQ, type SignedPaymentState } from './payment-state.ts';
import type { Reaction, Rejection } from './channel-types.ts';
import type { PayeeState } from './channel-payee.ts';

export type PaymentRejectionCode =
  | 'malformed' | 'session_closed' | 'retired_channel' | 'channel_unchecked' | 'wrong_channel'
  | 'exceeds_escrow' | 'stale_amount' | 'stale_sequence';

export const PAYMENT_REACTIONS: Record<PaymentRejectionCode, Reaction> = {
  malformed: 'disconnect',
  // Races the honest payer can lose: a payment in flight while we closed or replaced the channel, or a duplicate.
  session_closed: 'ignore',
  retired_channel: 'ignore',
  stale_amount: 'ignore',
  // The payer pays only for delivered pieces, which start only on an accepted channel: paying early is a fault.
  channel_unchecked: 'warn',
  // A higher amount under a used seq is a conflicting state no honest payer signs.
  stale_sequence: 'warn',
  wrong_channel: 'disconnect',
  // A promise the ledger will not honour: an attempt to be served against money that does not exist.
  exceeds_escrow: 'ban',
};

/** Null when `payment` may be accepted once its signature verifies; otherwise why not and how to react. */
export function checkPayment(s: PayeeState, payment: SignedPaymentState): Rejection<PaymentRejectionCode> | null {
  const ch = s.channel;
  if (!isWellFormed(payment, ch?.last?.channel_id)) return reject('malformed');
  if (s.phase === 'Closing' || s.phase === 'Closed') return reject('session_closed');
  if (!ch || payment.channel_id !== ch.channel_id) {
    if (s.retired_ids.includes(payment.channel_id)) return reject('retired_channel');
    if (payment.channel_id === s.candidate_id) return reject('channel_unchecked');
    return reject('wrong_channel');
  }
  if (payment.amount_units > ch.escrow_units) return reject('exceeds_escrow');
  if (payment.amount_units <= ch.paid_units) return reject('stale_amount');
  if (payment.seq <= ch.seq) return reject('stale_sequence');
  return null;
}

function reject(code: PaymentRejectionCode): Rejection<PaymentRejectionCode> {
  return { code, reaction: PAYMENT_REACTIONS[code] };
}

/**
 * `accepted_id`: the channel id of the last payment accepted on the current channel, which passed this check (or the
 * loader's) already; the same id needs no second pattern match.
 */
function isWellFormed(p: SignedPaymentState, accepted_id: string | undefined): boolean {
  return (
    p.signature instanceof Uint8Array &&
    p.signature.length === SIGNATURE_BYTES &&
    ((accepted_id !== undefined && p.channel_id === accepted_id) || isChannelId(p.channel_id)) &&
    typeof p.amount_units === 'bigint' &&
    p.amount_units >= 0n &&
    p.amount_units <= MAX_AMOUNT_UNITS &&
    typeof p.seq === 'bigint' &&
    p.seq >= 0n &&
    p.seq <= MAX_SEQ
  );
}

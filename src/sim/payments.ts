// Payment shell: the real payer and payee channel machines on every paid stream, effects performed at once against the
// sim ledger. Signatures are real Ed25519 or trusted (the verified-flag path; see docs/sim/README.md).
import { sha256 } from '@noble/hashes/sha2.js';
import { canServe, crankPayee, createPayee, earnedUnits, type PayeeEffect, type PayeeEvent } from '../protocol/channel-payee.ts';
import { canRequest, crankPayer, createPayer, type Budget, type PayerEffect, type PayerEvent, type PayerState } from '../protocol/channel-payer.ts';
import { PAYMENT_DEADLINE_MS } from '../protocol/channel-types.ts';
import { nobleSign, nobleVerify, publicKeyFromHex, publicKeyFromSecret, SIGNATURE_BYTES, toPublicKeyHex, type PublicKeyHex } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import { encodePaymentState, type SignedPaymentState } from '../protocol/payment-state.ts';
import type { SwarmConfig } from './config.ts';
import { recordEarning } from './departure.ts';
import type { SimPeer, Stream } from './peer.ts';
import { EV_PAYMENT_TICK, type Swarm } from './swarm.ts';
import { setChoked } from './transfer.ts';

/** The verified-flag path's placeholder: well-formed, never checked, because the sim's own payer produced it. */
const TRUSTED_SIGNATURE = new Uint8Array(SIGNATURE_BYTES);
const secrets = new Map<string, Uint8Array>();

/** Payment key of peer `index`: a real Ed25519 key when signatures are real, else a unique well-formed stand-in. */
export function keyFor(config: SwarmConfig, index: number): PublicKeyHex {
  if (config.signatures === 'trusted') return index.toString(16).padStart(64, '0') as PublicKeyHex;
  const secret = sha256(new TextEncoder().encode(`seedpay-sim/${config.seed}/${index}`));
  const key = toPublicKeyHex(publicKeyFromSecret(secret));
  secrets.set(key, secret);
  return key;
}

export function paysNoMore(s: Stream): boolean {
  const phase = s.payer?.phase;
  return phase === 'Done' || phase === 'Stopped' || phase === 'Banned';
}

function budgetOf(peer: SimPeer): Budget {
  // The caps are the peer's whole unspent wealth: its free balance plus escrow it has not yet signed over.
  const cap = peer.spent_units + peer.free_units + peer.locked_units;
  return { torrent_cap_units: cap, torrent_spent_units: peer.spent_units, day_cap_units: cap, day_spent_units: peer.spent_units };
}

function remainingBytes(sw: Swarm, peer: SimPeer): number {
  return (sw.config.piece_count - peer.have_count) * sw.config.piece_bytes;
}

/** The provider sold this stream a slot at `price`: start or reprice the pair's sessions. */
export function ensurePaidSlot(sw: Swarm, s: Stream, price_units_per_kib: Units, now: number): void {
  if (!s.payer || !s.payee) {
    const { up, down } = s;
    const terms = { payee_key: up.key, payer_key: down.key, piece_length_bytes: sw.config.piece_bytes, min_escrow_units: 0n };
    s.payer = createPayer(down.key, sw.config.piece_bytes, sw.config.piece_count);
    s.payee = createPayee(terms, price_units_per_kib);
    bidResponse(sw, s, price_units_per_kib, now);
  } else if (s.payee.price_units_per_kib !== price_units_per_kib && s.payee.pending_price_units_per_kib !== price_units_per_kib) {
    payeeDo(sw, s, { type: 'price_changed', price_units_per_kib }, now);
  }
  flush(sw);
}

export function mayStartPaid(sw: Swarm, s: Stream, now: number): boolean {
  if (!s.payee || !s.payer || paysNoMore(s)) return false;
  if (canServe(s.payee, now) && canRequest(s.payer, budgetOf(s.down), now)) return true;
  // Stalled: let the time-driven rules run (a late payment, a channel near its timeout), then look again.
  payeeDo(sw, s, { type: 'tick' }, now);
  if (s.payer) payerDo(sw, s, { type: 'tick', remaining_bytes: remainingBytes(sw, s.down), budget: budgetOf(s.down) }, now);
  flush(sw);
  return s.conn.open && s.payee !== null && s.payer !== null && canServe(s.payee, now) && canRequest(s.payer, budgetOf(s.down), now);
}

export function startPaidPiece(sw: Swarm, s: Stream, index: number, bytes: number, now: number): void {
  payeeDo(sw, s, { type: 'piece_started', index, bytes }, now);
  s.unpaid_pieces++;
  if (s.unpaid_pieces > s.max_unpaid_pieces) s.max_unpaid_pieces = s.unpaid_pieces;
  if (s.unpaid_pieces > s.up.max_unpaid_out) s.up.max_unpaid_out = s.unpaid_pieces;
  if (s.unpaid_pieces > sw.recorder.max_unpaid_pieces) sw.recorder.max_unpaid_pieces = s.unpaid_pieces;
  flush(sw);
}

/**
 * A paid piece arrived: the requester verifies it and pays — or, if a cheat, not — and the provider notes the
 * delivery. With no network latency in the sim an honest payment lands in the same millisecond as the last block;
 * the payee treats a delivery notice after its payment as nothing to time, so that no-op crank is skipped.
 */
export function afterPaidPiece(sw: Swarm, s: Stream, index: number, bad: boolean, now: number): void {
  const { down } = s;
  if (bad) {
    payeeDo(sw, s, { type: 'piece_delivered', index }, now);
    payerDo(sw, s, { type: 'piece_failed', index }, now);
  } else if (down.spec.cheat === 'non_payer' && s.paid_pieces >= sw.config.cheaters.pay_pieces) {
    payeeDo(sw, s, { type: 'piece_delivered', index }, now);
    s.withheld++;
    sw.recorder.withheld_payments++;
    sw.queue.push(now + PAYMENT_DEADLINE_MS, EV_PAYMENT_TICK, s.id, s.token);
  } else {
    const bytes = sw.config.piece_bytes;
    payerDo(sw, s, {
      type: 'piece_verified', index, bytes, remaining_bytes: remainingBytes(sw, down), budget: budgetOf(down), bid_units_per_kib: down.bid_units_per_kib ?? null,
    }, now);
    if (s.payee?.unpaid) payeeDo(sw, s, { type: 'piece_delivered', index }, now);
  }
  flush(sw);
}

export function onPaymentTick(sw: Swarm, s: Stream, now: number): void {
  payeeDo(sw, s, { type: 'tick' }, now);
  flush(sw);
}

/** The pair is finished (connection closed, requester complete): both sides end and the channels settle. */
export function closeSessions(sw: Swarm, s: Stream, now: number): void {
  if (s.payer && !paysNoMore(s)) payerDo(sw, s, { type: 'done' }, now);
  const phase = s.payee?.phase;
  if (s.payee && phase !== 'Closing' && phase !== 'Closed') payeeDo(sw, s, { type: 'done' }, now);
  flush(sw);
}

function bidResponse(sw: Swarm, s: Stream, price_units_per_kib: Units, now: number): void {
  const { up, down } = s;
  payerDo(sw, s, {
    type: 'bid_response', payee_key: up.key, price_units_per_kib, min_escrow_units: 0n,
    bid_units_per_kib: down.bid_units_per_kib ?? 0n, remaining_bytes: remainingBytes(sw, down), budget: budgetOf(down),
  }, now);
}

function payerDo(sw: Swarm, s: Stream, event: PayerEvent, now: number): void {
  const payer = s.payer as PayerState;
  const step = crankPayer(payer, event, now);
  sw.recorder.payer_cranks++;
  s.payer = step.state;
  if (step.rejection?.reaction === 'disconnect' || step.rejection?.reaction === 'ban') defer(sw, () => sw.disconnect(s.conn, now));
  const { up, down } = s;
  // Indexed loops: for-of here allocated an iterator result per effect (these functions recurse, so V8 keeps them).
  const effects = step.effects;
  for (let i = 0; i < effects.length; i++) {
    const effect = effects[i] as PayerEffect;
    switch (effect.type) {
      case 'open_channel': {
        const ch = sw.ledger.open(down, up, effect.escrow_units, effect.timeout_ms, now);
        const opened: PayerEvent = ch
          ? {
              type: 'channel_opened', channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms,
              budget: budgetOf(down), remaining_bytes: remainingBytes(sw, down),
            }
          : { type: 'channel_open_failed' };
        payerDo(sw, s, opened, now);
        break;
      }
      case 'send_channel': payeeDo(sw, s, { type: 'channel_announced', channel_id: effect.channel_id }, now); break;
      case 'pay': {
        sw.ledger.signed(effect.state.channel_id, effect.state.amount_units);
        down.spent_units += effect.delta_units;
        s.paid_pieces++;
        const payment = sign(sw, down, effect.state);
        // Verified-flag path: the sim built this payment, so the shell reports it verified without the `payment`
        // step whose only job is to ask for that verification; `payment_verified` re-runs every check itself.
        if (sw.config.signatures === 'trusted') payeeDo(sw, s, { type: 'payment_verified', payment, ok: true }, now);
        else payeeDo(sw, s, { type: 'payment', payment }, now);
        break;
      }
      case 'send_done': {
        const phase = s.payee?.phase;
        if (phase !== 'Closing' && phase !== 'Closed') payeeDo(sw, s, { type: 'done' }, now);
        break;
      }
      case 'ban_provider': defer(sw, () => sw.ban(down, up, now + sw.config.horizon_ms, now)); break;
      case 'stop_requesting': break;
    }
  }
}

function payeeDo(sw: Swarm, s: Stream, event: PayeeEvent, now: number): void {
  const prev = s.payee;
  if (!prev) return;
  const step = crankPayee(prev, event, now);
  sw.recorder.payee_cranks++;
  const next = step.state;
  s.payee = next;
  const { up, down } = s;
  // Earnings move only with the settled total or the current channel's paid amount: most steps skip the bigint sums.
  if (next.settled_units !== prev.settled_units || next.channel?.paid_units !== prev.channel?.paid_units) {
    const earned = earnedUnits(next) - earnedUnits(prev);
    if (earned > 0n) {
      up.earned_units += earned;
      s.unpaid_pieces--;
      sw.recorder.paid_pieces++;
      recordEarning(sw, up, earned, now);
    }
  }
  if (step.rejection?.reaction === 'disconnect') defer(sw, () => sw.disconnect(s.conn, now));
  const effects = step.effects;
  for (let i = 0; i < effects.length; i++) {
    const effect = effects[i] as PayeeEffect;
    switch (effect.type) {
      case 'fetch_channel':
        payeeDo(sw, s, { type: 'ledger_channel', channel_id: effect.channel_id, channel: sw.ledger.get(effect.channel_id) }, now);
        break;
      case 'verify_payment':
        payeeDo(sw, s, { type: 'payment_verified', payment: effect.payment, ok: verify(sw, effect.payment, effect.payer_key) }, now);
        break;
      case 'announce_price': bidResponse(sw, s, effect.price_units_per_kib, now); break;
      case 'choke':
        s.payment_late = true;
        setChoked(s);
        sw.recorder.payment_chokes++;
        break;
      case 'ban': defer(sw, () => sw.ban(up, down, effect.until_ms, now)); break;
      case 'close_channel':
        sw.ledger.close(effect.state);
        payeeDo(sw, s, { type: 'channel_closed', channel_id: effect.state.channel_id }, now);
        break;
      // The provider's wire `error` reaches the requester at once: it drops that channel and may open another.
      case 'reject_channel': if (s.payer) payerDo(sw, s, { type: 'channel_rejected', channel_id: effect.channel_id }, now); break;
    }
  }
}

function sign(sw: Swarm, payer: SimPeer, state: { channel_id: SignedPaymentState['channel_id']; amount_units: Units; seq: bigint }): SignedPaymentState {
  if (sw.config.signatures === 'trusted') {
    return { channel_id: state.channel_id, amount_units: state.amount_units, seq: state.seq, signature: TRUSTED_SIGNATURE };
  }
  const secret = secrets.get(payer.key);
  if (!secret) throw new Error('payments: no secret for a real-signature peer');
  return { ...state, signature: nobleSign(secret, encodePaymentState(state)) };
}

function verify(sw: Swarm, payment: SignedPaymentState, payer_key: PublicKeyHex): boolean {
  if (sw.config.signatures === 'trusted') return true;
  return nobleVerify(payment.signature, encodePaymentState(payment), publicKeyFromHex(payer_key));
}

// Disconnects and bans wait until the machines' current chain of effects has run, so no crank sees its own
// session torn down underneath it.
function defer(sw: Swarm, action: () => void): void {
  sw.deferred.push(action);
}

function flush(sw: Swarm): void {
  while (sw.deferred.length > 0) {
    const actions = sw.deferred.splice(0);
    for (const action of actions) action();
  }
}

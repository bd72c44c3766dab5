// Provider side of Speed on one wire: the requester's bid, the payee channel machine (protocol/channel-payee.ts)
// driven by wire events, and the serving gate (speed-gate.ts) that holds back blocks while a piece is unpaid.
// The machine decides; this shell performs its effects (ledger reads and closes, signature checks, choke, ban).
import { publicKeyFromHex, type PublicKeyHex } from '../protocol/ed25519.ts';
import {
  acceptedPayment, crankPayee, createPayee, earnedUnits, type LedgerChannel, type PayeeEffect, type PayeeEvent, type PayeeState, type PayeeStep,
} from '../protocol/channel-payee.ts';
import { endPaidSession, forgiveInFlight, MAX_FORGIVEN_UNITS } from '../protocol/channel-payee-end.ts';
import { PAYMENT_DEADLINE_MS } from '../protocol/channel-types.ts';
import { banUntil, isLateBeyondBan } from '../protocol/bans.ts';
import { sessionActionOnBid, type SessionView } from '../protocol/round-outcome.ts';
import type { SpeedMessage } from '../protocol/messages.ts';
import type { Units } from '../protocol/money.ts';
import { encodePaymentState, type ChannelId, type SessionContext, type SignedPaymentState } from '../protocol/payment-state.ts';
import { speedContext } from '../protocol/session-context.ts';
import type { SpeedContext } from './speed-context.ts';
import type { SpeedExtension } from './speed-extension.ts';
import { OrderedInbox } from './ordered-inbox.ts';
import { ServingGate } from './speed-gate.ts';
import type { Wire } from './wire.ts';

/** A piece the requester stopped asking for counts as delivered after this long (its payment deadline starts). */
export const DELIVERY_IDLE_MS = 5_000;
export interface ProviderDeps {
  readonly ctx: SpeedContext;
  readonly info_hash: string;
  readonly piece_length: number;
  pieceBytes(index: number): number;
  /** The machine's state changed in a way worth saving (payments, closes). */
  persist(payer_key: PublicKeyHex, state: PayeeState): void;
  /** Ask the ledger to close with this state; resolves true once closed. */
  closeChannel(state: SignedPaymentState): Promise<boolean>;
  /** A payment state accepted: `amount_units` cumulative on `channel_id` (the torrent's money record keeps it). */
  earned(channel_id: ChannelId, amount_units: Units): void;
  /** The requester changed its bid: the torrent runs a round soon, so a bidder that would win is charged at once. */
  bidChanged(): void;
}

/** A session still charging (or about to): not closing, not closed. */
const isLive = (s: PayeeState) => s.phase !== 'Closing' && s.phase !== 'Closed';

export class ProviderSession {
  readonly wire: Wire;
  readonly ext: SpeedExtension;
  readonly payer_key: PublicKeyHex;
  bid_units_per_kib: Units | null = null;
  payee: PayeeState | null;
  #deps: ProviderDeps;
  readonly #gate: ServingGate;
  /** What this session sells: its torrent. A channel bound to anything else is not a channel for this session. */
  readonly #context: SessionContext;

  constructor(wire: Wire, ext: SpeedExtension, payer_key: PublicKeyHex, deps: ProviderDeps, resumed: PayeeState | null) {
    this.wire = wire;
    this.ext = ext;
    this.payer_key = payer_key;
    this.#deps = deps;
    this.payee = resumed;
    this.#context = speedContext(deps.info_hash);
    this.#gate = new ServingGate(wire, {
      payee: () => this.payee,
      crank: (event) => this.crank(event),
      pieceBytes: (index) => deps.pieceBytes(index),
      now: () => deps.ctx.now(),
    });
  }

  /** Earned from this requester while the wire lasted: closed sessions plus the current one. */
  get earned_units(): Units {
    return this.retired_units + this.session_earned_units;
  }

  /** Earned in the current paid session (its channel may still be open). */
  get session_earned_units(): Units {
    return this.payee ? earnedUnits(this.payee) : 0n;
  }

  /** Earned in sessions that closed and were replaced by a new one on this wire. */
  retired_units: Units = 0n;

  get price_units_per_kib(): Units | null {
    return this.payee?.price_units_per_kib ?? null;
  }

  /** Choker input: owes a payment past its deadline. */
  get payment_late(): boolean {
    return this.payee?.unpaid?.deadline_missed === true;
  }

  /** The auction made this requester a winner at `price`: open (or re-price) its paid session. */
  charge(price_units_per_kib: Units): void {
    const key = this.#deps.ctx.paymentKey;
    if (!key) return;
    if (!this.payee || !isLive(this.payee)) {
      if (this.payee) this.retired_units += earnedUnits(this.payee);
      this.payee = createPayee(
        { payee_key: key, payer_key: this.payer_key, piece_length_bytes: this.#deps.piece_length, min_escrow_units: 0n },
        price_units_per_kib,
      );
      this.#announcePrice(price_units_per_kib);
      return;
    }
    if (this.payee.price_units_per_kib !== price_units_per_kib) this.crank({ type: 'price_changed', price_units_per_kib });
    // A session resumed from a vanished wire has not told this wire its terms yet; a requester still without a
    // channel may have missed them.
    else if (!this.#announced || this.payee.phase === 'WaitingForChannel') this.#announcePrice(this.payee.price_units_per_kib);
  }

  /** The round's view of this session (protocol/round-outcome.ts decides what to do with it). */
  get view(): SessionView {
    const s = this.payee;
    // A new price waiting for the unit in flight counts too: the requester must have bid for both.
    const pending = s?.pending_price_units_per_kib ?? 0n;
    const price = s && isLive(s) ? (pending > s.price_units_per_kib ? pending : s.price_units_per_kib) : null;
    const { bid_units_per_kib, payment_late } = this;
    return { price_units_per_kib: price, bid_units_per_kib, payment_late, interested: this.wire.peerInterested };
  }

  /**
   * This requester is no longer charged (it stopped winning, or we stopped selling): tell it first, so it pays
   * nothing more on this session, then end the session — the unit in flight forgiven (a bounded number of times),
   * the channel closed with the best state signed. Its old price is never charged again.
   */
  end(code: 'not_charged' | 'not_selling'): void {
    const s = this.payee;
    if (!s || !isLive(s)) return;
    const reason = code === 'not_selling' ? 'the provider stopped selling; its pieces are free now' : 'not charged any more: lost the auction';
    this.ext.send({ type: 'error', code, reason });
    const forgive = this.#forgiven < MAX_FORGIVEN_UNITS;
    const forgiven = forgiveInFlight(s, true);
    if (forgive && forgiven !== s) this.#forgiven++;
    this.#apply(s, endPaidSession(s, this.#deps.ctx.now(), forgive));
    this.#gate.release(); // blocks held back for payment go out now, free (or are dropped by the choke that follows)
  }

  #announced = false;

  /** The signature check the last payment started (set by its verify_payment effect). */
  #verifying: Promise<void> | null = null;
  readonly #inbox = new OrderedInbox();

  /**
   * The requester's messages, in arrival order: a payment's signature check is asynchronous, and a `done` (or a
   * bid) right behind the last payment must not close the channel before that payment counts.
   */
  onMessage(message: SpeedMessage): void {
    this.#inbox.push(() => this.#handle(message));
  }

  /** Returns the signature check to wait for, after a payment. */
  #handle(message: SpeedMessage): Promise<void> | undefined {
    switch (message.type) {
      case 'bid':
        this.bid_units_per_kib = message.price_units_per_kib === 0n ? null : message.price_units_per_kib;
        if (sessionActionOnBid(this.view).type === 'end') this.end('not_charged');
        this.#deps.bidChanged();
        return;
      case 'channel':
        if (this.payee) this.crank({ type: 'channel_announced', channel_id: message.channel_id });
        return;
      case 'payment': {
        if (!this.payee) return;
        const { channel_id, amount_units, seq, signature } = message;
        this.#verifying = null;
        this.crank({ type: 'payment', payment: { channel_id, amount_units, seq, signature } });
        return this.#verifying ?? undefined;
      }
      case 'done':
        if (this.payee) this.crank({ type: 'done' });
        return;
      default:
        return; // bid_response and error are for requesters; errors are information only
    }
  }

  tick(now_ms: number): void {
    const s = this.payee;
    if (!s) return;
    const u = s.unpaid;
    if (u && u.delivered_at_ms === null && this.#gate.idle_ms(now_ms) > DELIVERY_IDLE_MS) {
      this.crank({ type: 'piece_delivered', index: u.index });
    }
    this.crank({ type: 'tick' });
    if (isLateBeyondBan(this.payee?.unpaid ?? null, now_ms)) {
      this.crank({ type: 'done' }); // closes the channel with the best state it did sign
      this.#perform({ type: 'ban', until_ms: banUntil(now_ms), reason: 'payment_late' });
      return;
    }
    this.#gate.flush();
  }

  #forgiven = 0;

  /** The wire is gone: hand the machine back so the torrent keeps it (the requester may come back) or closes it. */
  detach(): PayeeState | null {
    this.#gate.detach();
    return this.payee;
  }

  crank(event: PayeeEvent): void {
    if (!this.payee) return;
    const before = this.payee;
    this.#apply(before, crankPayee(before, event, this.#deps.ctx.now()));
  }

  /** Takes a step of the payee machine: logs its rejection, reports earnings, performs its effects, saves. */
  #apply(before: PayeeState, step: PayeeStep): void {
    this.payee = step.state;
    if (step.rejection && step.rejection.reaction !== 'ignore') {
      this.#deps.ctx.log('warn', `payee ${this.wire.peerId?.slice(0, 8)}: ${step.rejection.code} (${step.rejection.reaction})`);
    }
    const accepted = acceptedPayment(before, step.state);
    if (accepted) {
      const { channel_id, amount_units, seq } = accepted;
      this.#deps.ctx.wallet({ kind: 'payment_received', info_hash: this.#deps.info_hash, channel_id, amount_units, seq });
      this.#deps.earned(channel_id, amount_units);
    }
    for (const effect of step.effects) this.#perform(effect);
    if (step.state !== before) this.#deps.persist(this.payer_key, step.state);
    this.#gate.flush();
  }

  #perform(effect: PayeeEffect): void {
    const { ctx, info_hash } = this.#deps;
    switch (effect.type) {
      case 'fetch_channel':
        void this.#fetchChannel(effect.channel_id);
        return;
      case 'reject_channel':
        this.ext.send({ type: 'error', code: 'bad_channel', reason: effect.code });
        return;
      case 'verify_payment': {
        const { payment, payer_key } = effect;
        this.#verifying = ctx.verifier.verify(payment.signature, encodePaymentState(payment, this.#context), publicKeyFromHex(payer_key))
          .then((ok) => this.crank({ type: 'payment_verified', payment, ok }));
        return;
      }
      case 'announce_price':
        this.#announcePrice(effect.price_units_per_kib);
        return;
      case 'choke':
        this.ext.send({ type: 'error', code: effect.reason === 'payment_late' ? 'late_payment' : 'bad_payment', reason: effect.reason });
        this.#gate.drop();
        this.wire.choke();
        ctx.wallet({ kind: 'peer_choked', info_hash, peer_id: this.wire.peerId ?? '', reason: effect.reason });
        return;
      case 'ban':
        ctx.bans.ban([this.wire.peerId, this.payer_key], effect.until_ms);
        ctx.wallet({
          kind: 'peer_banned', info_hash, peer_id: this.wire.peerId ?? '', role: 'requester', reason: effect.reason, until_ms: effect.until_ms,
        });
        this.ext.send({ type: 'error', code: 'banned', reason: effect.reason });
        this.#gate.drop();
        this.wire.choke();
        setTimeout(() => this.wire.destroy(), 100);
        return;
      case 'close_channel': {
        const channel_id = effect.state.channel_id;
        void this.#deps.closeChannel(effect.state).then((closed) => {
          if (closed) this.crank({ type: 'channel_closed', channel_id });
        });
        return;
      }
    }
  }

  #announcePrice(price_units_per_kib: Units): void {
    const key = this.#deps.ctx.paymentKey;
    const ledger_id = this.#deps.ctx.localHandshake()?.ledger_id;
    if (!key || !ledger_id) return;
    this.#announced = true;
    this.ext.send({
      type: 'bid_response',
      price_units_per_kib,
      payee_pk: key,
      ledger_id,
      min_escrow_units: 0n,
      piece_length_bytes: this.#deps.piece_length,
      max_unpaid_pieces: 1,
      payment_deadline_ms: PAYMENT_DEADLINE_MS,
    });
  }

  async #fetchChannel(channel_id: ChannelId): Promise<void> {
    let info: LedgerChannel | null = null;
    try {
      const ch = await this.#deps.ctx.ledger?.channel(channel_id);
      // A channel opened for another torrent (or another service) pays that session only: as if it did not exist.
      if (ch && ch.context === this.#context) {
        info = {
          channel_id: ch.channel_id, payer_key: ch.payer, payee_key: ch.payee, escrow_units: ch.escrow_units,
          expires_at_ms: ch.expires_at_ms, open: ch.state === 'open',
        };
      }
    } catch {
      info = null;
    }
    if (this.payee?.candidate_id === channel_id) this.crank({ type: 'ledger_channel', channel_id, channel: info });
  }
}

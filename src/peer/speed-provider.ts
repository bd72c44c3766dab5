// Provider side of Speed on one wire: the requester's bid, the payee channel machine (protocol/channel-payee.ts)
// driven by wire events, and the serving gate that holds back blocks so no more than one piece is ever unpaid.
// The machine decides; this shell performs its effects (ledger reads and closes, signature checks, choke, ban).
import { publicKeyFromHex, type PublicKeyHex } from '../protocol/ed25519.ts';
import {
  assertPayeeInvariants, canServe, crankPayee, createPayee, earnedUnits, type LedgerChannel, type PayeeEffect, type PayeeEvent,
  type PayeeState,
} from '../protocol/channel-payee.ts';
import { PAYMENT_DEADLINE_MS } from '../protocol/channel-types.ts';
import { BAN_DURATION_MS } from '../protocol/channel-payee.ts';
import type { SpeedMessage } from '../protocol/messages.ts';
import type { Units } from '../protocol/money.ts';
import { encodePaymentState, type ChannelId, type SignedPaymentState } from '../protocol/payment-state.ts';
import type { SpeedContext } from './speed-context.ts';
import type { SpeedExtension } from './speed-extension.ts';
import type { Wire } from './wire.ts';

/** Blocks held back while a piece is unpaid: a requester's pipeline is rarely deeper; more is refused. */
export const MAX_HELD_BLOCKS = 512;
/** A piece the requester stopped asking for counts as delivered after this long (its payment deadline starts). */
export const DELIVERY_IDLE_MS = 5_000;
/**
 * A requester still owing a piece this long after its deadline (already choked for it) is banned. The payee
 * machine chokes on a missed deadline and bans on repeated failures, but a requester that simply never pays
 * fails only once; this rule ends that session.
 */
export const LATE_BAN_AFTER_MS = PAYMENT_DEADLINE_MS;

/** In-flight pieces forgiven per requester (see forgiveInFlight): bounds what reconnecting can take for free. */
export const MAX_FORGIVEN_PIECES = 4;

/**
 * Drops the one unpaid piece when the requester can no longer complete it: we choked it mid-piece (`delivered`
 * false: only a piece never fully sent), or its connection ended and it came back (`delivered` true: a reload loses
 * every piece not yet verified, even one fully received). Such a requester cannot pay for the piece and asks for
 * other pieces first, which the gate holds back behind the unpaid one: both sides would wait out the deadline. The
 * loss is at most that one piece, the exposure the paper accepts (and the caller bounds how often it forgives). A
 * piece already past its deadline is not forgiven. The payee machine has no event for this, so the shell rewrites
 * the state and re-asserts the machine's invariants. If the requester did pay it, the payment arrives as credit.
 */
export function forgiveInFlight(state: PayeeState, delivered: boolean): PayeeState {
  const u = state.unpaid;
  if (!u || u.deadline_missed || (!delivered && u.delivered_at_ms !== null)) return state;
  const next: PayeeState = { ...state, unpaid: null, owed_units: state.owed_units - u.cost_units, pending_price_units_per_kib: null };
  const pending = state.pending_price_units_per_kib;
  const priced = pending === null ? next : { ...next, price_units_per_kib: pending };
  assertPayeeInvariants(priced);
  return priced;
}

export interface ProviderDeps {
  readonly ctx: SpeedContext;
  readonly info_hash: string;
  readonly piece_length: number;
  pieceBytes(index: number): number;
  /** The machine's state changed in a way worth saving (payments, closes). */
  persist(payer_key: PublicKeyHex, state: PayeeState): void;
  /** Ask the ledger to close with this state; resolves true once closed. */
  closeChannel(state: SignedPaymentState): Promise<boolean>;
}

export class ProviderSession {
  readonly wire: Wire;
  readonly ext: SpeedExtension;
  readonly payer_key: PublicKeyHex;
  bid_units_per_kib: Units | null = null;
  payee: PayeeState | null;
  #deps: ProviderDeps;
  #send: (index: number, offset: number, buffer: Uint8Array) => void;
  #held: Array<{ index: number; offset: number; buffer: Uint8Array }> = [];
  #sent = new Map<number, number>();
  #lastSent_ms = 0;
  #detached = false;

  constructor(wire: Wire, ext: SpeedExtension, payer_key: PublicKeyHex, deps: ProviderDeps, resumed: PayeeState | null) {
    this.wire = wire;
    this.ext = ext;
    this.payer_key = payer_key;
    this.#deps = deps;
    this.payee = resumed;
    this.#send = wire.piece.bind(wire);
    wire.piece = (index, offset, buffer) => this.#offer(index, offset, buffer);
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
    if (!this.payee || this.payee.phase === 'Closed') {
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

  #announced = false;

  /** The user opted out of selling: an open paid session ends (the channel closes with the best state signed). */
  stopSelling(): void {
    const phase = this.payee?.phase;
    if (!phase || phase === 'Closing' || phase === 'Closed') return;
    this.ext.send({ type: 'error', code: 'not_selling', reason: 'the provider stopped selling; its pieces are free now' });
    this.crank({ type: 'done' });
  }

  onMessage(message: SpeedMessage): void {
    switch (message.type) {
      case 'bid':
        this.bid_units_per_kib = message.price_units_per_kib === 0n ? null : message.price_units_per_kib;
        return;
      case 'channel':
        if (this.payee) this.crank({ type: 'channel_announced', channel_id: message.channel_id });
        return;
      case 'payment':
        if (this.payee) {
          const { channel_id, amount_units, seq, signature } = message;
          this.crank({ type: 'payment', payment: { channel_id, amount_units, seq, signature } });
        }
        return;
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
    if (u && u.delivered_at_ms === null && this.#lastSent_ms > 0 && now_ms - this.#lastSent_ms > DELIVERY_IDLE_MS) {
      this.crank({ type: 'piece_delivered', index: u.index });
    }
    this.crank({ type: 'tick' });
    const late = this.payee?.unpaid;
    if (late?.deadline_missed && late.delivered_at_ms !== null && now_ms >= late.delivered_at_ms + PAYMENT_DEADLINE_MS + LATE_BAN_AFTER_MS) {
      this.crank({ type: 'done' }); // closes the channel with the best state it did sign
      this.#perform({ type: 'ban', until_ms: now_ms + BAN_DURATION_MS, reason: 'payment_late' });
      return;
    }
    this.#flush();
  }

  /** We choke this requester (it lost the auction): an unfinished unpaid piece could never be completed. */
  choked(): boolean {
    if (!this.payee || this.#forgiven >= MAX_FORGIVEN_PIECES) return false;
    const before = this.payee;
    const next = forgiveInFlight(before, false);
    if (next === before) return false;
    this.#forgiven++;
    this.payee = next;
    this.#dropHeld();
    if (next.price_units_per_kib !== before.price_units_per_kib) this.#announcePrice(next.price_units_per_kib);
    this.#deps.persist(this.payer_key, next);
    return true;
  }

  #forgiven = 0;

  /** The wire is gone: hand the machine back so the torrent keeps it (the requester may come back) or closes it. */
  detach(): PayeeState | null {
    this.#detached = true;
    this.wire.piece = this.#send;
    this.#held = [];
    return this.payee;
  }

  crank(event: PayeeEvent): void {
    if (!this.payee) return;
    const before = this.payee;
    const step = crankPayee(before, event, this.#deps.ctx.now());
    this.payee = step.state;
    if (step.rejection && step.rejection.reaction !== 'ignore') {
      this.#deps.ctx.log('warn', `payee ${this.wire.peerId?.slice(0, 8)}: ${step.rejection.code} (${step.rejection.reaction})`);
    }
    if (earnedUnits(step.state) > earnedUnits(before) && step.state.channel) {
      const ch = step.state.channel;
      this.#deps.ctx.wallet({ kind: 'payment_received', info_hash: this.#deps.info_hash, channel_id: ch.channel_id, amount_units: ch.paid_units, seq: ch.seq });
    }
    for (const effect of step.effects) this.#perform(effect);
    if (step.state !== before) this.#deps.persist(this.payer_key, step.state);
    this.#flush();
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
      case 'verify_payment':
        void this.#verify(effect.payment, effect.payer_key);
        return;
      case 'announce_price':
        this.#announcePrice(effect.price_units_per_kib);
        return;
      case 'choke':
        this.ext.send({ type: 'error', code: effect.reason === 'payment_late' ? 'late_payment' : 'bad_payment', reason: effect.reason });
        this.#dropHeld();
        this.wire.choke();
        ctx.wallet({ kind: 'peer_choked', info_hash, peer_id: this.wire.peerId ?? '', reason: effect.reason });
        return;
      case 'ban':
        ctx.bans.ban([this.wire.peerId, this.payer_key], effect.until_ms);
        ctx.wallet({
          kind: 'peer_banned', info_hash, peer_id: this.wire.peerId ?? '', role: 'requester', reason: effect.reason, until_ms: effect.until_ms,
        });
        this.ext.send({ type: 'error', code: 'banned', reason: effect.reason });
        this.#dropHeld();
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
      if (ch) {
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

  async #verify(payment: SignedPaymentState, payer_key: PublicKeyHex): Promise<void> {
    const ok = await this.#deps.ctx.verifier.verify(payment.signature, encodePaymentState(payment), publicKeyFromHex(payer_key));
    this.crank({ type: 'payment_verified', payment, ok });
  }

  /** The gate: a block goes out if it belongs to the one unpaid piece, or if a new piece may start now. */
  #offer(index: number, offset: number, buffer: Uint8Array): void {
    if (this.#detached || !this.payee || this.payee.phase === 'Closed' || this.payee.phase === 'Closing') {
      return this.#send(index, offset, buffer);
    }
    if (this.#held.length === 0 && this.#mayStart(index)) return this.#deliver(index, offset, buffer);
    if (this.#held.length >= MAX_HELD_BLOCKS) {
      if (this.wire.hasFast) this.wire.reject(index, offset, buffer.length);
      return;
    }
    this.#held.push({ index, offset, buffer });
  }

  #mayStart(index: number): boolean {
    const s = this.payee;
    if (!s) return true;
    if (s.unpaid) return s.unpaid.index === index && !s.unpaid.deadline_missed;
    const now = this.#deps.ctx.now();
    if (!canServe(s, now)) return false;
    this.crank({ type: 'piece_started', index, bytes: this.#deps.pieceBytes(index) });
    this.#sent.set(index, 0);
    return true;
  }

  #deliver(index: number, offset: number, buffer: Uint8Array): void {
    this.#send(index, offset, buffer);
    this.#lastSent_ms = this.#deps.ctx.now();
    const sent = (this.#sent.get(index) ?? 0) + buffer.length;
    this.#sent.set(index, sent);
    const u = this.payee?.unpaid;
    if (u && u.index === index && u.delivered_at_ms === null && sent >= this.#deps.pieceBytes(index)) {
      this.#sent.delete(index);
      this.crank({ type: 'piece_delivered', index });
    }
  }

  #flushing = false;

  #flush(): void {
    if (this.#flushing || this.#detached) return;
    this.#flushing = true;
    try {
      while (this.#held.length > 0) {
        const next = this.#held[0];
        if (!next || !this.#mayStart(next.index)) break;
        this.#held.shift();
        this.#deliver(next.index, next.offset, next.buffer);
      }
    } finally {
      this.#flushing = false;
    }
  }

  #dropHeld(): void {
    for (const block of this.#held) if (this.wire.hasFast) this.wire.reject(block.index, block.offset, block.buffer.length);
    this.#held = [];
  }
}


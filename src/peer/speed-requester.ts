// Requester side of Speed on one wire: answers the provider's bid response by opening a ledger channel, then signs
// one cumulative payment state per verified piece (protocol/channel-payer.ts decides; this shell signs, persists
// before sending, and talks to the ledger). Effects run one at a time, so payments leave in sequence order.
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import {
  crankPayer, createPayer, SESSION_STOPS, sentUnits, type PayerEffect, type PayerEvent, type PayerState,
} from '../protocol/channel-payer.ts';
import { banUntil } from '../protocol/bans.ts';
import type { BidMessage, BidResponseMessage } from '../protocol/messages.ts';
import type { Units } from '../protocol/money.ts';
import { signPaymentState, type ChannelId, type SessionContext } from '../protocol/payment-state.ts';
import { speedContext } from '../protocol/session-context.ts';
import type { SpeedContext } from './speed-context.ts';
import type { SpeedExtension } from './speed-extension.ts';
import type { Wire } from './wire.ts';

export interface RequesterDeps {
  readonly ctx: SpeedContext;
  readonly info_hash: string;
  readonly piece_length: number;
  readonly piece_count: number;
  remainingBytes(): number;
  /** The bid we last sent to providers (the price must not exceed it). */
  currentBid(): Units | null;
  persist(payee_key: PublicKeyHex, state: PayerState): Promise<void>;
  /** A saved state for this provider whose channel the ledger still holds open, or null. */
  restore(payee_key: PublicKeyHex): Promise<PayerState | null>;
  stopRequesting(wire: Wire): void;
  /** A payment state we signed (cumulative on its channel) for piece `index`, or re-sent on resume (null). */
  paid(channel_id: ChannelId, amount_units: Units, index: number | null): void;
}

export class RequesterSession {
  readonly wire: Wire;
  readonly ext: SpeedExtension;
  payer: PayerState | null = null;
  payee_key: PublicKeyHex | null = null;
  #deps: RequesterDeps;
  /** What our channels to this provider pay for: this torrent (every state is signed over it). */
  readonly #context: SessionContext;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(wire: Wire, ext: SpeedExtension, deps: RequesterDeps) {
    this.wire = wire;
    this.ext = ext;
    this.#deps = deps;
    this.#context = speedContext(deps.info_hash);
  }

  get paid_units(): Units {
    return this.#retired_units + (this.payer ? sentUnits(this.payer) : 0n);
  }

  /** Paid on channels of earlier sessions with this provider (it stopped charging us, then charged again). */
  #retired_units = 0n;

  /**
   * The provider says it no longer charges us (we lost the auction, or it stopped selling; it closes our channel
   * with the last state we signed). Taking its word costs us nothing — we only stop paying it; its units come free
   * from now on, or not at all if it lied.
   */
  notCharged(): void {
    this.#enqueue(() => this.#crank({ type: 'not_charged' }));
  }

  /**
   * Our bid changed: a price above it is not paid again (the payer checks it on every unit, too). The bid leaves
   * through the same queue as payments, after every payment already decided: the provider reads them in the order we
   * decided them, so a payment cannot arrive after a lower bid has ended the session it pays for.
   */
  bidChanged(message: BidMessage): void {
    this.#enqueue(async () => {
      await this.#crank({ type: 'bid_changed', bid_units_per_kib: this.#deps.currentBid() });
      this.ext.send(message);
    });
  }

  get price_units_per_kib(): Units | null {
    return this.payer && this.payer.price_units_per_kib > 0n ? this.payer.price_units_per_kib : null;
  }

  /** True while this provider charges us: its pieces are paid when they verify. */
  get paying(): boolean {
    return this.payer?.phase === 'Paying' || this.payer?.phase === 'WaitingForChannel';
  }

  onBidResponse(message: BidResponseMessage): void {
    this.#enqueue(async () => {
      const bid = this.#deps.currentBid();
      if (bid === null) return; // we never bid: a response is unsolicited
      const stop = this.payer?.stop_reason;
      if (this.payer && stop && SESSION_STOPS.includes(stop) && message.price_units_per_kib <= bid) {
        // It charges us again, at a price we bid for: a fresh session on a new channel (the old one is closed).
        this.#retired_units += sentUnits(this.payer);
        this.payer = null;
      }
      if (this.payer === null) {
        const key = this.#deps.ctx.paymentKey;
        if (!key) return;
        this.payee_key = message.payee_pk;
        const restored = await this.#deps.restore(message.payee_pk);
        this.payer = restored ?? createPayer(key, this.#deps.piece_length, this.#deps.piece_count);
        const ch = restored?.channel;
        const signer = this.#deps.ctx.signer;
        if (ch && signer) {
          // Resume the same channel; re-send its last state (Ed25519 is deterministic: the same signature), in case
          // the reload came between saving it and sending it. The provider ignores a state it already has.
          this.ext.send({ type: 'channel', channel_id: ch.channel_id });
          if (ch.seq > 0n) {
            const last = await signPaymentState(signer, { channel_id: ch.channel_id, amount_units: ch.amount_units, seq: ch.seq }, this.#context);
            this.#deps.paid(ch.channel_id, ch.amount_units, null); // the torrent's record may have missed it at the reload
            this.ext.send({ type: 'payment', ...last });
          }
        }
      }
      await this.#crank({
        type: 'bid_response',
        payee_key: message.payee_pk,
        price_units_per_kib: message.price_units_per_kib,
        min_escrow_units: message.min_escrow_units,
        bid_units_per_kib: bid,
        remaining_bytes: this.#deps.remainingBytes(),
        budget: this.#deps.ctx.budget(this.#deps.info_hash),
      });
    });
  }

  /** Resolves once the payment for this piece is saved and sent (or refused). */
  pieceVerified(index: number, bytes: number): Promise<void> {
    return this.#enqueue(() =>
      this.#crank({
        type: 'piece_verified', index, bytes, remaining_bytes: this.#deps.remainingBytes(), budget: this.#deps.ctx.budget(this.#deps.info_hash),
        bid_units_per_kib: this.#deps.currentBid(),
      }),
    );
  }

  pieceFailed(index: number): void {
    this.#enqueue(() => this.#crank({ type: 'piece_failed', index }));
  }

  tick(): void {
    this.#enqueue(() =>
      this.#crank({ type: 'tick', remaining_bytes: this.#deps.remainingBytes(), budget: this.#deps.ctx.budget(this.#deps.info_hash) }),
    );
  }

  /** The download completed: tell the provider, so it closes the channel and is credited. */
  finish(): void {
    this.#enqueue(() => this.#crank({ type: 'done' }));
  }

  close(): void {
    this.#closed = true;
  }

  /** Resolves once every queued step has run (tests and shutdown). */
  settled(): Promise<void> {
    return this.#chain;
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(step).catch((error: unknown) => {
      this.#deps.ctx.log('error', `payer ${this.wire.peerId?.slice(0, 8)}: ${error instanceof Error ? error.message : String(error)}`);
    });
    return this.#chain;
  }

  async #crank(event: PayerEvent): Promise<void> {
    if (!this.payer) return;
    const step = crankPayer(this.payer, event, this.#deps.ctx.now());
    this.payer = step.state;
    if (step.rejection && step.rejection.reaction !== 'ignore') {
      this.#deps.ctx.log('warn', `payer ${this.wire.peerId?.slice(0, 8)}: ${step.rejection.code}`);
      if (step.rejection.reaction === 'disconnect' || step.rejection.reaction === 'ban') this.wire.destroy();
    }
    let persisted = false;
    for (const effect of step.effects) {
      if (effect.type === 'pay') persisted = true;
      await this.#perform(effect);
    }
    if (!persisted && this.payee_key) await this.#deps.persist(this.payee_key, this.payer);
  }

  async #perform(effect: PayerEffect): Promise<void> {
    const { ctx, info_hash } = this.#deps;
    switch (effect.type) {
      case 'open_channel': {
        let opened: { channel_id: ChannelId; escrow_units: Units; expires_at_ms: number } | null = null;
        try {
          opened = await ctx.signedCall((ledger, signer) =>
            ledger.openChannel(signer, { payee: effect.payee_key, escrow_units: effect.escrow_units, timeout_ms: effect.timeout_ms, context: this.#context }));
        } catch (error) {
          ctx.wallet({ kind: 'channel_open_failed', info_hash, payee: effect.payee_key, message: (error as Error).message.slice(0, 1000) });
        }
        void ctx.refreshBalance(true);
        if (!opened) return this.#crank({ type: 'channel_open_failed' });
        ctx.wallet({ kind: 'channel_opened', info_hash, channel_id: opened.channel_id, payee: effect.payee_key, escrow_units: opened.escrow_units });
        return this.#crank({
          type: 'channel_opened',
          channel_id: opened.channel_id,
          escrow_units: opened.escrow_units,
          expires_at_ms: opened.expires_at_ms,
          budget: ctx.budget(info_hash),
        });
      }
      case 'send_channel': {
        const ch = this.payer?.channel;
        if (ch && ch.channel_id === effect.channel_id) this.ext.send({ type: 'channel', channel_id: ch.channel_id });
        return;
      }
      case 'pay': {
        const signer = ctx.signer;
        if (!signer || !this.payer || !this.payee_key) return;
        const signed = await signPaymentState(signer, effect.state, this.#context);
        // Saved before it leaves: after a reload we resume from this state and never pay a piece twice.
        await this.#deps.persist(this.payee_key, this.payer);
        ctx.recordSpend(info_hash, effect.delta_units);
        this.#deps.paid(signed.channel_id, signed.amount_units, effect.index);
        this.ext.send({ type: 'payment', ...signed });
        ctx.wallet({
          kind: 'payment_sent', info_hash, channel_id: signed.channel_id, piece: effect.index, delta_units: effect.delta_units,
          amount_units: signed.amount_units, seq: signed.seq,
        });
        return;
      }
      case 'send_done':
        this.ext.send({ type: 'done' });
        return;
      case 'stop_requesting':
        ctx.log('info', `stopped paying ${this.wire.peerId?.slice(0, 8)}: ${effect.reason}`);
        this.#deps.stopRequesting(this.wire);
        return;
      case 'ban_provider': {
        const until_ms = banUntil(ctx.now());
        ctx.bans.ban([this.wire.peerId, this.payee_key, this.ext.remote?.payment_pk], until_ms);
        ctx.wallet({ kind: 'peer_banned', info_hash, peer_id: this.wire.peerId ?? '', role: 'provider', reason: effect.reason, until_ms });
        if (!this.#closed) this.wire.destroy();
        return;
      }
    }
  }
}

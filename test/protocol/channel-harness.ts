// Test shell for the channel machines: an in-memory ledger and a payer/payee pair joined by two ordered queues
// (the wire), performing every effect the way src/peer will. Shared by the property tests and the crypto bench.
import { createNobleSigner, nobleVerify, publicKeyFromHex, toPublicKeyHex, type PublicKeyHex, type Signer } from '../../src/protocol/ed25519.ts';
import type { Units } from '../../src/protocol/money.ts';
import { encodePaymentState, signPaymentState, type ChannelId, type SignedPaymentState } from '../../src/protocol/payment-state.ts';
import { canServe, crankPayee, createPayee, type LedgerChannel, type PayeeEffect, type PayeeEvent, type PayeeState } from '../../src/protocol/channel-payee.ts';
import { crankPayer, createPayer, type Budget, type PayerEffect, type PayerEvent, type PayerState } from '../../src/protocol/channel-payer.ts';

export interface Party {
  readonly signer: Signer;
  readonly key: PublicKeyHex;
}

export function party(seed: number): Party {
  const signer = createNobleSigner(new Uint8Array(32).fill(seed & 0xff));
  return { signer, key: toPublicKeyHex(signer.publicKey) };
}

export function channelIdOf(n: number): ChannelId {
  return n.toString(16).padStart(64, '0') as ChannelId;
}

export const nobleVerifyPayment = async (p: SignedPaymentState, key: PublicKeyHex): Promise<boolean> =>
  nobleVerify(p.signature, encodePaymentState(p), publicKeyFromHex(key));

export class SimLedger {
  readonly channels = new Map<ChannelId, LedgerChannel & { closed_amount_units: Units | null }>();
  #next = 1;

  open(payer_key: PublicKeyHex, payee_key: PublicKeyHex, escrow_units: Units, timeout_ms: number, now_ms: number): LedgerChannel {
    const channel_id = channelIdOf(this.#next++);
    const ch = { channel_id, payer_key, payee_key, escrow_units, expires_at_ms: now_ms + timeout_ms, open: true, closed_amount_units: null };
    this.channels.set(channel_id, ch);
    return ch;
  }

  get(id: ChannelId): LedgerChannel | null {
    return this.channels.get(id) ?? null;
  }

  /** Closes with the payer's signed state; refuses anything the real ledger would. */
  close(state: SignedPaymentState): void {
    const ch = this.channels.get(state.channel_id);
    if (!ch || !ch.open) throw new Error('close of an unknown or closed channel');
    if (state.amount_units > ch.escrow_units) throw new Error('close beyond escrow');
    if (!nobleVerify(state.signature, encodePaymentState(state), publicKeyFromHex(ch.payer_key))) throw new Error('close with a bad signature');
    this.channels.set(state.channel_id, { ...ch, open: false, closed_amount_units: state.amount_units });
  }
}

type ToPayee = { type: 'channel'; channel_id: ChannelId } | { type: 'payment'; payment: SignedPaymentState } | { type: 'done' };
type ToPayer = { type: 'piece'; index: number; bytes: number } | { type: 'price'; price_units_per_kib: Units };

export interface PairOptions {
  piece_length_bytes: number;
  piece_count: number;
  /** Bytes of the last piece (defaults to a full piece). */
  last_piece_bytes?: number;
  price_units_per_kib: Units;
  min_escrow_units?: Units;
  budget?: Budget;
  sign?: (signer: Signer, p: { channel_id: ChannelId; amount_units: Units; seq: bigint }) => Promise<SignedPaymentState>;
  verify?: (p: SignedPaymentState, key: PublicKeyHex) => Promise<boolean>;
  payer?: Party;
  payee?: Party;
}

export const UNLIMITED: Budget = { torrent_cap_units: 1n << 60n, torrent_spent_units: 0n, day_cap_units: 1n << 60n, day_spent_units: 0n };

/** A requester and a provider for one torrent, wired through queues; every state change goes through the cranks. */
export class Pair {
  payer: PayerState;
  payee: PayeeState;
  readonly ledger = new SimLedger();
  readonly toPayee: ToPayee[] = [];
  readonly toPayer: ToPayer[] = [];
  readonly payerEffects: PayerEffect[] = [];
  readonly payeeEffects: PayeeEffect[] = [];
  now_ms = 1_000_000;
  spent_units = 0n;
  nextPiece = 0;
  received = 0;
  bid_units_per_kib: Units;
  readonly o: Required<Omit<PairOptions, 'payer' | 'payee'>> & { payer: Party; payee: Party };

  constructor(options: PairOptions) {
    this.o = {
      last_piece_bytes: options.piece_length_bytes, min_escrow_units: 0n, budget: UNLIMITED,
      sign: signPaymentState, verify: nobleVerifyPayment, payer: party(1), payee: party(2), ...options,
    };
    this.bid_units_per_kib = options.price_units_per_kib * 1000n;
    this.payer = createPayer(this.o.payer.key, options.piece_length_bytes, options.piece_count);
    const terms = { payee_key: this.o.payee.key, payer_key: this.o.payer.key, piece_length_bytes: options.piece_length_bytes, min_escrow_units: this.o.min_escrow_units };
    this.payee = createPayee(terms, options.price_units_per_kib);
  }

  budget(): Budget {
    const b = this.o.budget;
    return { ...b, torrent_spent_units: b.torrent_spent_units + this.spent_units, day_spent_units: b.day_spent_units + this.spent_units };
  }

  bytesOf(index: number): number {
    return index === this.o.piece_count - 1 ? this.o.last_piece_bytes : this.o.piece_length_bytes;
  }

  remainingBytes(): number {
    let bytes = 0;
    for (let i = this.received; i < this.o.piece_count; i++) bytes += this.bytesOf(i);
    return bytes;
  }

  async start(): Promise<void> {
    await this.payerDo({
      type: 'bid_response', payee_key: this.o.payee.key, price_units_per_kib: this.payee.price_units_per_kib,
      min_escrow_units: this.o.min_escrow_units, bid_units_per_kib: this.bid_units_per_kib, remaining_bytes: this.remainingBytes(), budget: this.budget(),
    });
  }

  /** The provider starts and finishes the next piece if it may. */
  async providerSends(): Promise<boolean> {
    if (this.nextPiece >= this.o.piece_count) return false;
    if (!canServe(this.payee, this.now_ms)) return false;
    const index = this.nextPiece++;
    const bytes = this.bytesOf(index);
    await this.payeeDo({ type: 'piece_started', index, bytes });
    await this.payeeDo({ type: 'piece_delivered', index });
    this.toPayer.push({ type: 'piece', index, bytes });
    return true;
  }

  async deliverToPayer(): Promise<boolean> {
    const m = this.toPayer.shift();
    if (!m) return false;
    if (m.type === 'piece') {
      this.received++;
      await this.payerDo({ type: 'piece_verified', index: m.index, bytes: m.bytes, remaining_bytes: this.remainingBytes(), budget: this.budget(), bid_units_per_kib: this.bid_units_per_kib });
    } else {
      await this.payerDo({
        type: 'bid_response', payee_key: this.o.payee.key, price_units_per_kib: m.price_units_per_kib, min_escrow_units: this.o.min_escrow_units,
        bid_units_per_kib: this.bid_units_per_kib, remaining_bytes: this.remainingBytes(), budget: this.budget(),
      });
    }
    return true;
  }

  async deliverToPayee(): Promise<boolean> {
    const m = this.toPayee.shift();
    if (!m) return false;
    if (m.type === 'channel') await this.payeeDo({ type: 'channel_announced', channel_id: m.channel_id });
    else if (m.type === 'payment') await this.payeeDo({ type: 'payment', payment: m.payment });
    else await this.payeeDo({ type: 'done' });
    return true;
  }

  async changePrice(price_units_per_kib: Units): Promise<void> {
    await this.payeeDo({ type: 'price_changed', price_units_per_kib });
  }

  async advance(ms: number): Promise<void> {
    this.now_ms += ms;
    await this.payeeDo({ type: 'tick' });
    await this.payerDo({ type: 'tick', remaining_bytes: this.remainingBytes(), budget: this.budget() });
  }

  async flush(): Promise<void> {
    while ((await this.deliverToPayer()) || (await this.deliverToPayee()));
  }

  async payerDo(event: PayerEvent): Promise<void> {
    const step = crankPayer(this.payer, event, this.now_ms);
    this.payer = step.state;
    for (const effect of step.effects) {
      this.payerEffects.push(effect);
      switch (effect.type) {
        case 'open_channel': {
          const ch = this.ledger.open(this.o.payer.key, effect.payee_key, effect.escrow_units, effect.timeout_ms, this.now_ms);
          await this.payerDo({ type: 'channel_opened', channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms, remaining_bytes: this.remainingBytes(), budget: this.budget() });
          break;
        }
        case 'send_channel': this.toPayee.push({ type: 'channel', channel_id: effect.channel_id }); break;
        case 'pay':
          this.spent_units += effect.delta_units;
          this.toPayee.push({ type: 'payment', payment: await this.o.sign(this.o.payer.signer, effect.state) });
          break;
        case 'send_done': this.toPayee.push({ type: 'done' }); break;
        default: break;
      }
    }
  }

  async payeeDo(event: PayeeEvent): Promise<void> {
    const step = crankPayee(this.payee, event, this.now_ms);
    this.payee = step.state;
    for (const effect of step.effects) {
      this.payeeEffects.push(effect);
      switch (effect.type) {
        case 'fetch_channel':
          await this.payeeDo({ type: 'ledger_channel', channel_id: effect.channel_id, channel: this.ledger.get(effect.channel_id) });
          break;
        case 'verify_payment':
          await this.payeeDo({ type: 'payment_verified', payment: effect.payment, ok: await this.o.verify(effect.payment, effect.payer_key) });
          break;
        case 'announce_price': this.toPayer.push({ type: 'price', price_units_per_kib: effect.price_units_per_kib }); break;
        case 'close_channel':
          this.ledger.close(effect.state);
          await this.payeeDo({ type: 'channel_closed', channel_id: effect.state.channel_id });
          break;
        default: break;
      }
    }
  }
}

// The simulator's in-memory ledger: free balances on the peers, escrow in channels, close by the payee's last
// state, refund on expiry. It keeps the ledger's one invariant — money is neither made nor lost — checkable.
import type { LedgerChannel } from '../protocol/channel-payee.ts';
import { nobleVerify, publicKeyFromHex } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import { encodePaymentState, type ChannelId, type SignedPaymentState } from '../protocol/payment-state.ts';
import type { SimPeer } from './peer.ts';

interface SimChannel extends LedgerChannel {
  readonly payer: SimPeer;
  readonly payee: SimPeer;
  /** The payer's latest signed amount: what is no longer its own to bid with. */
  signed_units: Units;
  closed_units: Units | null;
}

export class SimLedger {
  readonly #channels = new Map<ChannelId, SimChannel>();
  readonly #verify: boolean;
  #next = 1;
  opened = 0;
  failed_opens = 0;

  constructor(verify_signatures: boolean) {
    this.#verify = verify_signatures;
  }

  /** Opens a channel funded from the payer's free balance, or null when it cannot cover the escrow. */
  open(payer: SimPeer, payee: SimPeer, escrow_units: Units, timeout_ms: number, now_ms: number): LedgerChannel | null {
    if (escrow_units <= 0n || escrow_units > payer.free_units) {
      this.failed_opens++;
      return null;
    }
    const channel_id = (this.#next++).toString(16).padStart(64, '0') as ChannelId;
    const ch: SimChannel = {
      channel_id, payer_key: payer.key, payee_key: payee.key, escrow_units, expires_at_ms: now_ms + timeout_ms, open: true,
      payer, payee, signed_units: 0n, closed_units: null,
    };
    payer.free_units -= escrow_units;
    payer.locked_units += escrow_units;
    this.#channels.set(channel_id, ch);
    this.opened++;
    return ch;
  }

  get(channel_id: ChannelId): LedgerChannel | null {
    const ch = this.#channels.get(channel_id);
    return ch ? { ...ch, open: ch.closed_units === null } : null;
  }

  /** The payer signed a higher cumulative amount: that much of its escrow is spent. */
  signed(channel_id: ChannelId, amount_units: Units): void {
    const ch = this.#need(channel_id);
    const delta = amount_units - ch.signed_units;
    if (delta <= 0n || amount_units > ch.escrow_units) throw new Error('ledger: signed amount must rise within escrow');
    ch.signed_units = amount_units;
    ch.payer.locked_units -= delta;
  }

  /** Payee closes with the payer's state: it gets the amount, the payer the rest. */
  close(state: SignedPaymentState): void {
    const ch = this.#need(state.channel_id);
    if (ch.closed_units !== null) throw new Error('ledger: channel already closed');
    if (state.amount_units > ch.escrow_units) throw new Error('ledger: close beyond escrow');
    if (this.#verify && !nobleVerify(state.signature, encodePaymentState(state), publicKeyFromHex(ch.payer_key))) {
      throw new Error('ledger: close with a bad signature');
    }
    this.#settle(ch, state.amount_units);
  }

  /** End of run: every channel nobody closed times out and refunds its payer, as the ledger's timeout would. */
  expireAll(): void {
    for (const ch of this.#channels.values()) if (ch.closed_units === null) this.#settle(ch, 0n);
  }

  /** Money in escrow right now, for the conservation check. */
  escrowUnits(): Units {
    let total = 0n;
    for (const ch of this.#channels.values()) if (ch.closed_units === null) total += ch.escrow_units;
    return total;
  }

  #settle(ch: SimChannel, amount_units: Units): void {
    ch.closed_units = amount_units;
    ch.payer.locked_units -= ch.escrow_units - ch.signed_units;
    ch.payer.free_units += ch.escrow_units - amount_units;
    ch.payee.free_units += amount_units;
    // Closed channels are no longer needed: forgetting them keeps a day-long run's memory flat.
    this.#channels.delete(ch.channel_id);
  }

  #need(channel_id: ChannelId): SimChannel {
    const ch = this.#channels.get(channel_id);
    if (!ch) throw new Error(`ledger: unknown channel ${channel_id}`);
    return ch;
  }
}

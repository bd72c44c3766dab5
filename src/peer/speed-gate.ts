// The provider's serving gate on one wire: webtorrent's wire.piece is wrapped so that, while a paid session runs,
// a block goes out only if it belongs to the one unpaid piece or a new piece may start now (channel-payee.ts
// canServe); other blocks wait here, and the payment that settles the piece releases them. Exposure: one piece.
// Blocks of the piece in flight never wait behind held ones: stores answer requests out of order.
import { canServe, type PayeeEvent, type PayeeState } from '../protocol/channel-payee.ts';
import { wrapPiece } from './wire-patches.ts';
import type { Wire } from './wire.ts';

/** Blocks held back while a piece is unpaid: a requester's pipeline is rarely deeper; more is refused. */
export const MAX_HELD_BLOCKS = 512;

/** What the gate asks of the session it guards. */
export interface GatedSession {
  /** The paid session's state, or null: nothing is charged, every block goes out. */
  payee(): PayeeState | null;
  crank(event: PayeeEvent): void;
  pieceBytes(index: number): number;
  now(): number;
}

export class ServingGate {
  readonly #wire: Wire;
  readonly #session: GatedSession;
  #send: (index: number, offset: number, buffer: Uint8Array) => void = () => {};
  readonly #unwrap: () => void;
  #held: Array<{ index: number; offset: number; buffer: Uint8Array }> = [];
  #sent = new Map<number, number>();
  #lastSent_ms = 0;
  #detached = false;
  #flushing = false;

  constructor(wire: Wire, session: GatedSession) {
    this.#wire = wire;
    this.#session = session;
    this.#unwrap = wrapPiece(wire, (send) => {
      this.#send = send;
      return (index, offset, buffer) => this.#offer(index, offset, buffer);
    });
  }

  /** How long no block went out (0 before the first): a piece the requester stopped asking for counts as delivered. */
  idle_ms(now_ms: number): number {
    return this.#lastSent_ms > 0 ? now_ms - this.#lastSent_ms : 0;
  }

  /** The session ended (the requester is served free now): held blocks go out as they are. */
  release(): void {
    for (const block of this.#held.splice(0)) this.#send(block.index, block.offset, block.buffer);
  }

  /** The wire is gone: webtorrent's piece() comes back, held blocks are forgotten. */
  detach(): void {
    this.#detached = true;
    this.#unwrap();
    this.#held = [];
  }

  /** The gate: a block goes out if it belongs to the one unpaid piece, or if a new piece may start now. */
  #offer(index: number, offset: number, buffer: Uint8Array): void {
    const phase = this.#session.payee()?.phase;
    if (this.#detached || phase === undefined || phase === 'Closed' || phase === 'Closing') {
      return this.#send(index, offset, buffer);
    }
    // A block of the piece in flight goes at once even with others held: the store answers requests out of order
    // (a file-backed store does), and holding it behind the next piece's block would wait for a payment that waits
    // for it — a deadlock the idle rule then turns into a late-payment ban.
    const u = this.#session.payee()?.unpaid;
    if (u ? u.index === index && !u.deadline_missed : this.#held.length === 0 && this.#mayStart(index)) {
      return this.#deliver(index, offset, buffer);
    }
    if (this.#held.length >= MAX_HELD_BLOCKS) {
      if (this.#wire.hasFast) this.#wire.reject(index, offset, buffer.length);
      return;
    }
    this.#held.push({ index, offset, buffer });
  }

  /** With no piece in flight: may this one start now? (canServe says no while one is unpaid.) */
  #mayStart(index: number): boolean {
    const s = this.#session.payee();
    if (!s) return true;
    const now = this.#session.now();
    if (!canServe(s, now)) return false;
    this.#session.crank({ type: 'piece_started', index, bytes: this.#session.pieceBytes(index) });
    this.#sent.set(index, 0);
    return true;
  }

  #deliver(index: number, offset: number, buffer: Uint8Array): void {
    this.#send(index, offset, buffer);
    this.#lastSent_ms = this.#session.now();
    const sent = (this.#sent.get(index) ?? 0) + buffer.length;
    this.#sent.set(index, sent);
    const u = this.#session.payee()?.unpaid;
    if (u && u.index === index && u.delivered_at_ms === null && sent >= this.#session.pieceBytes(index)) {
      this.#sent.delete(index);
      this.#session.crank({ type: 'piece_delivered', index });
    }
  }

  /** Sends held blocks that may go now (after a payment, a tick, a price change). */
  flush(): void {
    if (this.#flushing || this.#detached) return;
    this.#flushing = true;
    try {
      for (let i = this.#nextSendable(); i >= 0; i = this.#nextSendable()) {
        const [next] = this.#held.splice(i, 1);
        if (next) this.#deliver(next.index, next.offset, next.buffer);
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** The held block that may go now: one of the piece in flight, else the oldest if its piece may start; -1: none. */
  #nextSendable(): number {
    if (this.#held.length === 0) return -1;
    const u = this.#session.payee()?.unpaid;
    if (u) return u.deadline_missed ? -1 : this.#held.findIndex((block) => block.index === u.index);
    const head = this.#held[0];
    return head && this.#mayStart(head.index) ? 0 : -1;
  }

  /** Refuses every held block (fast extension) and forgets them: we choke or ban this requester. */
  drop(): void {
    for (const block of this.#held) if (this.#wire.hasFast) this.#wire.reject(block.index, block.offset, block.buffer.length);
    this.#held = [];
  }
}

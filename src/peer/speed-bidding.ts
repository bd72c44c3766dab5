// Requester's bids for one torrent (white paper, "Automatic Bidding"): protocol/bidder.ts computes spending rate ×
// balance ÷ remaining KiB and decides when a new bid is due; this shell broadcasts it to every Speed provider
// and greets each newly connected provider with the current bid.
import { decideBid, INITIAL_BIDDER_STATE, type BidderState, type BidSettings } from '../protocol/bidder.ts';
import type { Units } from '../protocol/money.ts';
import type { SpeedContext } from './speed-context.ts';
import type { SpeedExtension } from './speed-extension.ts';
import type { RequesterSession } from './speed-requester.ts';

export class SpeedBidding {
  readonly #ctx: SpeedContext;
  readonly #remainingBytes: () => number;
  readonly #requesters: () => RequesterSession[];
  #state: BidderState = INITIAL_BIDDER_STATE;
  #settingsKey = '';

  constructor(ctx: SpeedContext, remainingBytes: () => number, requesters: () => RequesterSession[]) {
    this.#ctx = ctx;
    this.#remainingBytes = remainingBytes;
    this.#requesters = requesters;
  }

  lastSent(): Units | null {
    return this.#state.last_sent_units_per_kib;
  }

  /** A provider just negotiated Speed: tell it what we bid (computing the first bid if none went out yet). */
  greet(ext: SpeedExtension): void {
    if (this.tick(false)) return; // the first bid just went out to everyone, this provider included
    const bid = this.lastSent();
    if (bid !== null && bid > 0n) ext.send({ type: 'bid', price_units_per_kib: bid });
  }

  /** Returns true when a new bid was broadcast. */
  tick(done: boolean): boolean {
    const s = this.#ctx.settings;
    const settings: BidSettings = {
      enabled: s.bidding && this.#ctx.paymentKey !== null,
      spending_rate_ppm: s.spending_rate_ppm,
      max_price_units_per_kib: s.max_price_units_per_kib,
    };
    const key = `${settings.enabled}:${settings.spending_rate_ppm}:${settings.max_price_units_per_kib}`;
    const settings_changed = this.#settingsKey !== '' && key !== this.#settingsKey;
    this.#settingsKey = key;
    const remaining = done ? 0n : BigInt(this.#remainingBytes());
    const decision = decideBid(
      this.#state,
      { balance_units: this.#ctx.balance_units, remaining_bytes: remaining, settings, settings_changed },
      this.#ctx.now(),
    );
    this.#state = decision.state;
    const bid = decision.send;
    if (!bid) return false;
    for (const requester of this.#requesters()) requester.bidChanged(bid);
    return true;
  }
}

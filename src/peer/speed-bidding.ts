// Requester's bids for one torrent (white paper, "Automatic Bidding"): protocol/bidder.ts computes spending rate ×
// balance ÷ remaining KiB and decides when a new bid is due; this shell broadcasts it to every Speed provider
// and greets each newly connected provider with the current bid. It also keeps the signed demand bid the UI thread
// publishes on the tracker's demand board (protocol/demand-bid.ts, docs/cdn-board.md), re-signed when it changes.
import { decideBid, INITIAL_BIDDER_STATE, type BidderState, type BidSettings } from '../protocol/bidder.ts';
import { buildDemandBidField, demandBidDue, type DemandBidField } from '../protocol/demand-bid.ts';
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
  /** The signed bid on the demand board for this torrent, or null (never bid, or no key to sign with). */
  demand_bid: DemandBidField | null = null;
  #signing = false;

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

  /** Re-signs the demand-board bid when it is due: our bid or the bytes still wanted changed enough, or it nears expiry. */
  refreshDemandBid(info_hash: string, done: boolean): void {
    const signer = this.#ctx.signer;
    if (!signer || this.#signing) return;
    const price_units_per_kib = done || !this.#ctx.settings.bidding ? 0n : (this.lastSent() ?? 0n);
    const next = { price_units_per_kib, wanted_bytes: done ? 0n : BigInt(this.#remainingBytes()) };
    const now_ms = Date.now(); // a wall-clock time the tracker checks against its own
    if (!demandBidDue(this.demand_bid, next, now_ms)) return;
    this.#signing = true;
    void buildDemandBidField(signer, { info_hash, ...next }, { now_ms, ...(this.demand_bid ? { last_issued_at_ms: this.demand_bid.issued_at_ms } : {}) })
      .then(({ field }) => {
        this.demand_bid = field;
      })
      .catch((error: unknown) => this.#ctx.log('warn', `demand bid: ${(error as Error).message}`))
      .finally(() => {
        this.#signing = false;
      });
  }
}

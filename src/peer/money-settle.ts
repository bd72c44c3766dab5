// Reconciles each torrent's money record (torrent-money.ts) with the ledger: a channel we paid on or earned on counts
// what was signed until the ledger closes it, then what the ledger settled. Asks the ledger about unsettled
// channels every little while, a bounded number per round, for every torrent — Speed on or off.
import type { ChannelId } from '../protocol/payment-state.ts';
import type { SpeedContext } from './speed-context.ts';
import type { ManagedTorrent } from './torrent-view.ts';

/** How often unsettled channels are looked up on the ledger. */
export const SETTLE_INTERVAL_MS = 5_000;
/** Ledger reads per round, over all torrents: a peer with many open channels is reconciled over several rounds. */
export const MAX_SETTLE_READS = 16;

export class MoneySettler {
  readonly #ctx: SpeedContext;
  readonly #torrents: () => Iterable<ManagedTorrent>;
  #running = false;

  constructor(ctx: SpeedContext, torrents: () => Iterable<ManagedTorrent>) {
    this.#ctx = ctx;
    this.#torrents = torrents;
    setInterval(() => void this.round(), SETTLE_INTERVAL_MS);
  }

  /** One reconciliation round (also called by tests); overlapping rounds are skipped. */
  async round(): Promise<void> {
    const ledger = this.#ctx.ledger;
    if (!ledger || this.#running) return;
    this.#running = true;
    try {
      let reads = 0;
      for (const managed of this.#torrents()) {
        for (const channel_id of managed.money.unsettled()) {
          if (reads++ >= MAX_SETTLE_READS) return;
          const ch = await ledger.channel(channel_id as ChannelId).catch(() => null);
          if (ch && ch.state !== 'open') managed.money.settled(channel_id, ch.paid_units);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

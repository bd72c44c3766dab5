// Channels this process opened and saw committed, kept so a close can check its payment signature without first
// reading the channel from the store (a round trip on PostgreSQL). Only facts fixed at open are trusted from here
// (payer, payee, context, escrow): the close itself is decided on the row loaded inside its transaction.
import type { ChannelId } from '../protocol/payment-state.ts';
import type { ChannelRow } from './store.ts';

/** Channels remembered; beyond this the oldest is forgotten (a close then reads the store, as before). */
export const MAX_REMEMBERED_CHANNELS = 16_384;

export class OpenChannels {
  readonly #rows = new Map<ChannelId, ChannelRow>();

  /** Call only with a row as committed by an open. */
  remember(row: ChannelRow): void {
    if (row.state !== 'open') return;
    if (this.#rows.size >= MAX_REMEMBERED_CHANNELS) this.#rows.delete(this.#rows.keys().next().value as ChannelId);
    this.#rows.set(row.id, row);
  }

  /** The channel as opened (its state may have moved on since: the close's transaction decides on the stored row). */
  opened(id: ChannelId): ChannelRow | undefined {
    return this.#rows.get(id);
  }

  forget(id: ChannelId): void {
    this.#rows.delete(id);
  }

  get size(): number {
    return this.#rows.size;
  }
}

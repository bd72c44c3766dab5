// The requester's saved payer states, one per torrent and provider: the only code that knows their storage keys.
// A state is saved before each payment leaves, so a reload resumes the same channel and never pays a piece twice.
import { payerFromJson, payerToJson } from '../protocol/channel-payer-json.ts';
import type { PayerState } from '../protocol/channel-payer.ts';
import { isNearTimeout } from '../protocol/channel-types.ts';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { hasPiece } from '../protocol/piece-set.ts';
import type { SpeedContext } from './speed-context.ts';

const keyOf = (info_hash: string, payee_key: string) => `payer:${info_hash}:${payee_key}`;

export class PayerStore {
  readonly #ctx: SpeedContext;
  readonly #info_hash: string;

  constructor(ctx: SpeedContext, info_hash: string) {
    this.#ctx = ctx;
    this.#info_hash = info_hash;
  }

  save(payee_key: PublicKeyHex, state: PayerState): Promise<void> {
    return this.#ctx.storage?.saveChannel(keyOf(this.#info_hash, payee_key), payerToJson(state)) ?? Promise.resolve();
  }

  /** A saved state still paying on a channel the ledger holds open (and not near its timeout), or null. */
  async restore(payee_key: PublicKeyHex): Promise<PayerState | null> {
    const json = await this.#ctx.storage?.loadChannel(keyOf(this.#info_hash, payee_key));
    if (json === undefined) return null;
    try {
      const state = payerFromJson(json);
      const ch = state.channel;
      if (state.phase !== 'Paying' || !ch || isNearTimeout(ch.expires_at_ms, this.#ctx.now())) return null;
      const onLedger = await this.#ctx.ledger?.channel(ch.channel_id);
      return onLedger?.state === 'open' ? state : null;
    } catch {
      return null;
    }
  }

  /**
   * A piece we paid for was verified and stored before the payment was signed, but the saved bitfield lags by up
   * to a save interval: after a reload, trust the payer states too, so no paid piece is fetched (and charged) again.
   */
  async paidPieces(bitfield: Uint8Array | null): Promise<Uint8Array | null> {
    let out = bitfield ? Uint8Array.from(bitfield) : null;
    for (const [, json] of (await this.#ctx.storage?.loadChannels(keyOf(this.#info_hash, ''))) ?? []) {
      try {
        const paid = payerFromJson(json).paid_pieces;
        out ??= new Uint8Array(Math.ceil(paid.piece_count / 8));
        if (out.length !== Math.ceil(paid.piece_count / 8)) continue;
        for (let i = 0; i < paid.piece_count; i++) if (hasPiece(paid, i)) out[i >> 3] = (out[i >> 3] ?? 0) | (0x80 >> (i & 7));
      } catch {
        // a corrupt record adds nothing
      }
    }
    return out;
  }
}

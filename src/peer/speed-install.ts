// Wires Speed into the worker's engine: one SpeedContext (wallet key, ledger, settings, bans) and a SpeedTorrent
// for every torrent added with Speed on. Torrents with Speed off run as plain BitTorrent.
import { payerFromJson } from '../protocol/channel-payer-json.ts';
import { hasPiece } from '../protocol/piece-set.ts';
import type { PeerEngine } from './engine.ts';
import type { InitParams, PeerEvent } from './rpc-schema.ts';
import { SpeedContext } from './speed-context.ts';
import { SpeedTorrent } from './speed-torrent.ts';

export interface SpeedControl {
  readonly context: SpeedContext;
  configure(params: InitParams): void;
  setWallet(key: CryptoKey, public_key: Uint8Array): Promise<string>;
  clearWallet(): void;
}

/**
 * A piece we paid for was verified and stored before the payment was signed, but the saved bitfield lags by up to
 * a save interval: after a reload, trust the payer states too, so no paid piece is fetched (and charged) again.
 */
async function paidPieces(context: SpeedContext, info_hash: string, bitfield: Uint8Array | null): Promise<Uint8Array | null> {
  let out = bitfield ? Uint8Array.from(bitfield) : null;
  for (const [, json] of (await context.storage?.loadChannels(`payer:${info_hash}:`)) ?? []) {
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

export function installSpeed(engine: PeerEngine, emit: (event: PeerEvent) => void): SpeedControl {
  const context = new SpeedContext(emit);
  context.storageSource = () => engine.storage;
  engine.setHookFactory(
    (managed) => (managed.speed ? new SpeedTorrent(managed, context) : null),
    (info_hash, bitfield) => paidPieces(context, info_hash, bitfield),
  );
  return {
    context,
    configure(params) {
      context.configure(params.speed, params.ledger_url);
    },
    setWallet: (key, public_key) => context.setWallet(key, public_key),
    clearWallet: () => context.clearWallet(),
  };
}

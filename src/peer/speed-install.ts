// Wires Speed into the worker's engine: one SpeedContext (wallet key, ledger, settings, bans) and a SpeedTorrent
// for every torrent added with Speed on. Torrents with Speed off run as plain BitTorrent.
import type { PeerEngine } from './engine.ts';
import type { InitParams, PeerEvent } from './rpc-schema.ts';
import { MoneySettler } from './money-settle.ts';
import { PayerStore } from './payer-store.ts';
import { SpeedContext } from './speed-context.ts';
import { SpeedTorrent } from './speed-torrent.ts';

export interface SpeedControl {
  readonly context: SpeedContext;
  configure(params: InitParams): void;
  setWallet(key: CryptoKey, public_key: Uint8Array): Promise<string>;
  clearWallet(): void;
}

export function installSpeed(engine: PeerEngine, emit: (event: PeerEvent) => void): SpeedControl {
  const context = new SpeedContext(emit);
  context.storageSource = () => engine.storage;
  new MoneySettler(context, () => engine.torrents.values());
  engine.setHookFactory(
    (managed) => (managed.speed ? new SpeedTorrent(managed, context) : null),
    (info_hash, bitfield) => new PayerStore(context, info_hash).paidPieces(bitfield),
  );
  return {
    context,
    configure(params) {
      context.configure(params.speed, params.ledger_url);
    },
    async setWallet(key, public_key) {
      const before = context.localHandshake()?.payment_pk ?? null;
      const payment_pk = await context.setWallet(key, public_key);
      // A wire's extensions are fixed at its handshake: connections formed while locked stay legacy (and unpaid)
      // until they re-form, so a wallet unlocked now re-forms those of every Speed torrent (the UI re-announces).
      const after = context.localHandshake()?.payment_pk ?? null;
      if (after !== null && after !== before) {
        for (const managed of engine.torrents.values()) if (managed.speed && managed.torrent.wires.length > 0) engine.reform(managed);
      }
      return payment_pk;
    },
    clearWallet: () => context.clearWallet(),
  };
}

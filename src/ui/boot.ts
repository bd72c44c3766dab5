// Wires the app's state together once at start: settings → peer and auto-lock; wallet sessions → peer (the
// non-extractable payment key) and the account view; page activity → the idle lock. The only place that knows
// every singleton, so views stay simple.
import { createExchangeApi } from './exchange/exchange-api.ts';
import { createLedgerApi } from './ledger/ledger-adapter.ts';
import { withEarnUploadLimit } from './earn/earn-settings.ts';
import { createPeerApi } from './peer/peer-adapter.ts';
import { account } from './state/account.svelte.ts';
import { exchange } from './state/exchange.svelte.ts';
import { earn } from './state/earn.svelte.ts';
import { firstRun } from './state/first-run.svelte.ts';
import { metrics } from './state/metrics.svelte.ts';
import { peer } from './state/peer.svelte.ts';
import { proxyProvider } from './state/proxy-provider.svelte.ts';
import { route } from './state/route.svelte.ts';
import { settings, toPeerSettings } from './state/settings.svelte.ts';
import { wallet } from './state/wallet.svelte.ts';

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export async function boot(): Promise<void> {
  route.listen();
  account.setApi(createLedgerApi(location.origin));
  exchange.setApi(createExchangeApi(location.origin), () => void account.refresh());
  await Promise.all([settings.load(), wallet.load(), firstRun.load(), metrics.load()]);

  wallet.setAutoLock(settings.current.auto_lock_ms);
  // The browser's proxy provider, if turned on, serves from the next unlock on (it needs the wallet's key).
  void proxyProvider.load();
  // Earn mode, if turned on, follows the demand board from the next unlock on (it is paid to the wallet's key).
  void earn.load();
  for (const type of ACTIVITY_EVENTS) addEventListener(type, () => wallet.touch(), { passive: true });

  // The peer starts in the background; the wallet and settings reach it as soon as it is up.
  void peer.start(await createPeerApi()).then(() => {
    // Earn mode's upload limit caps every torrent while it is on (the lower of the two limits holds).
    const apply = () => void peer.applySettings(withEarnUploadLimit(toPeerSettings(settings.current), earn.settings));
    settings.subscribe(apply);
    earn.subscribe(apply);
    wallet.onSession((session) => {
      void peer.setPaymentKey(session ? { key: session.paymentKey.key, publicKey: session.paymentKey.publicKey } : null);
    });
  });
  account.setMoneyProbe(() => peer.torrents.some((t) => t.earned_units > 0n || t.paid_units > 0n));
  wallet.onSession((session) => account.follow(session?.account.paymentPublicKeyHex ?? null, { new_key: wallet.newKey }));
  // The exchange follows the unlocked wallet's two addresses; a new one is funded on the local test chain at once.
  wallet.onSession((session) => exchange.follow(session ? { payment: session.account.paymentPublicKeyHex, tron: session.account.tronAddress } : null));
}

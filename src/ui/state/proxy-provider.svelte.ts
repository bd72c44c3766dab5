// "Serve proxy requests from this browser" as the app sees it: the settings (kept with the app's preferences), and
// the browser provider itself, running while they say so and the wallet is unlocked (it is paid to the wallet's key
// and signs what it serves with it); a change of limits restarts it with the new ones.
import { loadPref, savePref } from '../lib/prefs-store.ts';
import { LedgerClient } from '../../wallet/ledger-client.ts';
import type { BrowserProvider, BrowserProviderStatus } from '../proxy/browser-provider.ts';
import { DEFAULT_PROVIDER_SETTINGS, parseProviderSettings, serializeProviderSettings, toProviderLimits, type ProxyProviderSettings } from '../proxy/provider-settings.ts';
import { wallet } from './wallet.svelte.ts';

const PREF_KEY = 'proxy_provider';
/** How often the view's "served" line is refreshed while the provider runs. */
const STATUS_EVERY_MS = 2_000;

class ProxyProviderState {
  #settings = $state<ProxyProviderSettings>(DEFAULT_PROVIDER_SETTINGS);
  #status = $state<BrowserProviderStatus | null>(null);
  #error = $state<string | null>(null);
  #provider: BrowserProvider | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #loaded = false;

  get settings(): ProxyProviderSettings { return this.#settings; }
  /** Null while not serving. */
  get status(): BrowserProviderStatus | null { return this.#status; }
  get error(): string | null { return this.#error; }

  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    this.#settings = parseProviderSettings(await loadPref(PREF_KEY));
    wallet.onSession(() => void this.#apply(true));
    await this.#apply(false);
  }

  async update(change: Partial<ProxyProviderSettings>): Promise<void> {
    this.#settings = parseProviderSettings(serializeProviderSettings({ ...this.#settings, ...change }));
    await savePref(PREF_KEY, serializeProviderSettings(this.#settings));
    await this.#apply(true);
  }

  /** Stops the running provider when asked (`restart`) or no longer wanted, then starts one if wanted. */
  async #apply(restart: boolean): Promise<void> {
    const signer = wallet.signer;
    const want = this.#settings.enabled && signer !== null;
    if (this.#provider && (restart || !want)) this.#stop();
    if (!want || this.#provider) return;
    const { BrowserProvider } = await import('../proxy/browser-provider.ts');
    const provider = new BrowserProvider(signer, new LedgerClient({ baseUrl: `${location.origin}/ledger` }), toProviderLimits(this.#settings));
    this.#provider = provider;
    try {
      await provider.start();
      this.#error = null;
      this.#status = provider.status();
      this.#timer = setInterval(() => (this.#status = provider.status()), STATUS_EVERY_MS);
    } catch {
      this.#stop();
      this.#error = 'Could not join the peers that use this service. Check the connection and turn it on again.';
    }
  }

  #stop(): void {
    this.#provider?.stop();
    this.#provider = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#status = null;
  }
}

export const proxyProvider = new ProxyProviderState();

// The unlocked account's money as the ledger reports it: balance, escrowed, earned and spent totals, and history.
// Refreshed on unlock, on a timer while visible, and after anything that moves money (an airdrop, a payment).
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { AccountTotals, HistoryEntry, LedgerApi } from '../ledger/ledger-api.ts';

/** How often totals refresh while the app is open; payments settle within seconds, so this is calm, not chatty. */
export const ACCOUNT_REFRESH_MS = 10_000;
/** Rows of history shown; older entries stay on the ledger. */
export const HISTORY_ROWS = 50;

class AccountState {
  #totals = $state<AccountTotals | null>(null);
  #history = $state<readonly HistoryEntry[]>([]);
  #error = $state<string | null>(null);
  #updated_ms = $state<number | null>(null);
  #airdropped = $state(false);
  #api: LedgerApi | null = null;
  #account: PublicKeyHex | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  get totals(): AccountTotals | null {
    return this.#totals;
  }
  get history(): readonly HistoryEntry[] {
    return this.#history;
  }
  get error(): string | null {
    return this.#error;
  }
  get updatedMs(): number | null {
    return this.#updated_ms;
  }
  get airdropped(): boolean {
    return this.#airdropped;
  }
  get api(): LedgerApi | null {
    return this.#api;
  }

  setApi(api: LedgerApi | null): void {
    this.#api = api;
  }

  /** Follow this account (after unlock), or none (after lock: totals are hidden again). */
  follow(account: PublicKeyHex | null): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#account = account;
    if (!account) {
      this.#totals = null;
      this.#history = [];
      this.#error = null;
      this.#airdropped = false;
      return;
    }
    void this.refresh();
    this.#timer = setInterval(() => {
      if (document.visibilityState === 'visible') void this.refresh();
    }, ACCOUNT_REFRESH_MS);
  }

  async refresh(): Promise<void> {
    const account = this.#account;
    const api = this.#api;
    if (!account) return;
    if (!api) {
      this.#error = 'The ledger is not available on this server.';
      return;
    }
    try {
      const overview = await api.overview(account, HISTORY_ROWS);
      if (account !== this.#account) return; // locked or switched meanwhile
      this.#totals = overview.totals;
      this.#history = overview.history;
      this.#airdropped = overview.airdropped;
      this.#error = null;
      this.#updated_ms = Date.now();
    } catch (error) {
      this.#error = error instanceof Error ? `Could not reach the ledger: ${error.message}` : 'Could not reach the ledger.';
    }
  }
}

export const account = new AccountState();

// The unlocked account's money as the ledger reports it: balance, escrowed, earned and spent totals, and history.
// Refreshed on unlock, on a timer while visible, and after anything that moves money (an airdrop, a payment).
// A key the ledger has never seen (a new wallet before its airdrop) is not polled: the ledger answers 404 for it,
// which the browser logs as an error every time; it is asked again once money may have reached it.
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
  /** The ledger does not have this account (yet): the timer stays quiet until money may have reached it. */
  #missing = false;
  /** True once the peer reports money moving (earned or paid), which may have created the account. */
  #moneyMoved: () => boolean = () => false;

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

  /** What tells a not-yet-existing account that money may have reached it (the peer's earned and paid figures). */
  setMoneyProbe(moneyMoved: () => boolean): void {
    this.#moneyMoved = moneyMoved;
  }

  /**
   * Follow this account (after unlock), or none (after lock: totals are hidden again). A key made a moment ago
   * (`new_key`) cannot be on the ledger yet: it shows as empty without asking.
   */
  follow(account: PublicKeyHex | null, options: { readonly new_key?: boolean } = {}): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#account = account;
    this.#missing = false;
    if (!account) {
      this.#totals = null;
      this.#history = [];
      this.#error = null;
      this.#airdropped = false;
      return;
    }
    if (options.new_key) {
      this.#missing = true;
      this.#totals = { balance_units: 0n, escrowed_units: 0n, earned_units: 0n, spent_units: 0n };
      this.#history = [];
      this.#airdropped = false;
      this.#updated_ms = Date.now();
    } else void this.refresh();
    this.#timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      if (!this.#missing || this.#moneyMoved()) void this.refresh();
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
      this.#missing = !overview.exists;
      this.#error = null;
      this.#updated_ms = Date.now();
    } catch (error) {
      this.#error = error instanceof Error ? `Could not reach the ledger: ${error.message}` : 'Could not reach the ledger.';
    }
  }
}

export const account = new AccountState();

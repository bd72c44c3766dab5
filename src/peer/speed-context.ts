// What every Speed session in the worker shares: the wallet's signer (a non-extractable CryptoKey the UI handed
// over), the ledger client, the settings, the balance the bidder reads, spend against the user's caps, and the
// time-limited ban list (protocol/bans.ts). One instance per worker, owned by speed-install.ts.

export { BanList } from '../protocol/bans.ts';
import { isPublicKeyHex, signerFromCryptoKey, toPublicKeyHex, WebCryptoVerifier, type PublicKeyHex, type Signer } from '../protocol/ed25519.ts';
import type { SpeedHandshake } from '../protocol/messages-handshake.ts';
import { SPEED_PROTOCOL_VERSION } from '../protocol/messages-handshake.ts';
import type { Budget } from '../protocol/channel-payer.ts';
import type { Units } from '../protocol/money.ts';
import { LedgerApiError, LedgerClient } from '../wallet/ledger-client.ts';
import { BanList } from '../protocol/bans.ts';
import type { PeerStore } from './persist.ts';
import type { PeerEvent, SpeedSettings, WalletEvent } from './rpc-schema.ts';
import type { SpeedExtension } from './speed-extension.ts';
import type { Wire } from './wire.ts';

/** The balance the bidder divides is refreshed this often (and after every channel open). */
export const BALANCE_REFRESH_MS = 10_000;
const DAY_MS = 24 * 60 * 60_000;
/** A nonce lost to another client of the same key (the wallet tab) is retried this many times. */
const MAX_NONCE_RETRIES = 3;

/** What survives a reload besides channels: spend against the caps and the ban list (key in the channels store). */
export const SPEED_STATE_KEY = 'speed-state:v1';
/** Bans saved at most (the newest); the in-memory list may hold more. */
export const MAX_SAVED_BANS = 2000;
/** Per-torrent spend entries saved at most (the most recently spent-on torrents). */
export const MAX_SAVED_TORRENT_SPEND = 1000;
/** Spend and bans are written at most this often (a payment is per piece; its write need not be). */
export const SPEED_STATE_SAVE_DELAY_MS = 250;

interface SavedSpeedState {
  readonly day_start_ms: number;
  readonly day_spent_units: string;
  readonly torrents: Array<[string, string]>;
  readonly bans: Array<[string, number]>;
}

function isSavedSpeedState(v: unknown): v is SavedSpeedState {
  const o = v as Partial<SavedSpeedState> | null;
  const units = (x: unknown) => typeof x === 'string' && /^\d{1,20}$/.test(x);
  return (
    typeof o === 'object' && o !== null && Number.isSafeInteger(o.day_start_ms) && units(o.day_spent_units) &&
    Array.isArray(o.torrents) && o.torrents.every((t) => Array.isArray(t) && /^[0-9a-f]{40}$/.test(String(t[0])) && units(t[1])) &&
    Array.isArray(o.bans) && o.bans.every((b) => Array.isArray(b) && typeof b[0] === 'string' && b[0].length <= 128 && Number.isSafeInteger(b[1]))
  );
}

export class SpeedContext {
  readonly verifier = new WebCryptoVerifier(crypto.subtle);
  readonly bans = new BanList();
  readonly #emit: (event: PeerEvent) => void;
  #settings: SpeedSettings | null = null;
  #ledger: LedgerClient | null = null;
  #ledgerId: PublicKeyHex | null = null;
  #signer: Signer | null = null;
  #balance_units: Units = 0n;
  #balanceAt_ms = 0;
  #balanceRefresh: Promise<void> | null = null;
  /** Spend per torrent and per day (day = local midnight-free rolling window start). */
  readonly #spentByTorrent = new Map<string, Units>();
  #daySpent_units: Units = 0n;
  #dayStart_ms = Date.now();
  /**
   * Called with every new Speed wire and its extension before any message: the one place where behaviour may be
   * added to all wires. Only the fault injection of the end-to-end tests uses it (misbehave.ts).
   */
  wireTaps: ReadonlyArray<(wire: Wire, ext: SpeedExtension) => void> = [];
  /** Where channel states are saved; the engine opens it at init. */
  storageSource: () => PeerStore | null = () => null;

  get storage(): PeerStore | null {
    return this.storageSource();
  }

  constructor(emit: (event: PeerEvent) => void) {
    this.#emit = emit;
    this.bans.onChange = () => this.#save();
  }

  /**
   * Loads spend and bans saved by an earlier run (call once storage is open, before payments start): a reload must
   * neither reset the daily cap nor pardon a banned peer. Saves are batched (SPEED_STATE_SAVE_DELAY_MS), so what was
   * spent in the last moments before a crash is the only spend that can be missed.
   */
  async restore(): Promise<void> {
    if (this.#restored) return;
    this.#restored = true;
    const saved = await this.storage?.loadChannel(SPEED_STATE_KEY);
    if (!isSavedSpeedState(saved)) return;
    const now = this.now();
    if (saved.day_start_ms <= now && now - saved.day_start_ms < DAY_MS) {
      this.#dayStart_ms = saved.day_start_ms;
      this.#daySpent_units += BigInt(saved.day_spent_units);
    }
    for (const [hash, units] of saved.torrents) this.#spentByTorrent.set(hash, (this.#spentByTorrent.get(hash) ?? 0n) + BigInt(units));
    this.bans.load(saved.bans, now);
  }

  #restored = false;
  #saving: Promise<void> = Promise.resolve();
  #saveTimer: ReturnType<typeof setTimeout> | null = null;

  /** Resolves once every change so far has been written (tests, shutdown). */
  saved(): Promise<void> {
    return this.#saveTimer ? this.#write() : this.#saving;
  }

  /** Payments come once per piece: their spend (and any new ban) goes out in one write per batch. */
  #save(): void {
    this.#saveTimer ??= setTimeout(() => void this.#write(), SPEED_STATE_SAVE_DELAY_MS);
  }

  #write(): Promise<void> {
    if (this.#saveTimer) clearTimeout(this.#saveTimer);
    this.#saveTimer = null;
    this.#saving = this.#saving.then(async () => {
      const storage = this.storage;
      if (!storage) return;
      const state: SavedSpeedState = {
        day_start_ms: this.#dayStart_ms,
        day_spent_units: this.#daySpent_units.toString(),
        torrents: [...this.#spentByTorrent].slice(-MAX_SAVED_TORRENT_SPEND).map(([h, u]) => [h, u.toString()]),
        bans: this.bans.active(this.now(), MAX_SAVED_BANS),
      };
      await storage.saveChannel(SPEED_STATE_KEY, state).catch((error: unknown) => this.log('warn', `could not save spend and bans: ${String(error)}`));
    });
    return this.#saving;
  }

  now(): number {
    return Date.now();
  }

  get settings(): SpeedSettings {
    if (!this.#settings) throw new Error('speed: not configured');
    return this.#settings;
  }

  configure(settings: SpeedSettings, ledger_url: string | null): void {
    this.#settings = settings;
    if (ledger_url === null) {
      this.#ledger = null;
      this.#ledgerId = null;
      return;
    }
    if (!this.#ledger || this.#ledgerUrl !== ledger_url) {
      this.#ledgerUrl = ledger_url;
      this.#ledger = new LedgerClient({ baseUrl: ledger_url });
      this.#ledgerId = null;
    }
  }

  #ledgerUrl: string | null = null;

  get ledger(): LedgerClient | null {
    return this.#ledger;
  }

  get signer(): Signer | null {
    return this.#signer;
  }

  get paymentKey(): PublicKeyHex | null {
    return this.#signer ? toPublicKeyHex(this.#signer.publicKey) : null;
  }

  /** Our side of the Speed handshake, or null without a wallet or a reachable ledger (then we act as legacy). */
  localHandshake(): SpeedHandshake | null {
    const key = this.paymentKey;
    if (!key || !this.#ledgerId) return null;
    return { version: SPEED_PROTOCOL_VERSION, ledger_id: this.#ledgerId, payment_pk: key };
  }

  async setWallet(key: CryptoKey, public_key: Uint8Array): Promise<PublicKeyHex> {
    this.#signer = signerFromCryptoKey(crypto.subtle, key, public_key);
    const hex = toPublicKeyHex(public_key);
    if (!isPublicKeyHex(hex)) throw new Error('wallet: bad public key');
    if (this.#ledger) {
      this.#ledgerId = await this.#ledger.ledgerId();
      await this.refreshBalance(true);
    }
    return hex;
  }

  clearWallet(): void {
    this.#signer = null;
    this.#balance_units = 0n;
  }

  /** Spendable balance as last read from the ledger (escrow excluded). */
  get balance_units(): Units {
    if (this.now() - this.#balanceAt_ms > BALANCE_REFRESH_MS) void this.refreshBalance(false);
    return this.#balance_units;
  }

  refreshBalance(force: boolean): Promise<void> {
    const key = this.paymentKey;
    if (!this.#ledger || !key) return Promise.resolve();
    if (this.#balanceRefresh && !force) return this.#balanceRefresh;
    this.#balanceAt_ms = this.now();
    const refresh = this.#ledger.account(key).then(
      (account) => {
        this.#balance_units = account.balance_units;
      },
      () => {
        // unknown account (no airdrop yet) or ledger down: nothing to spend
        this.#balance_units = 0n;
      },
    );
    this.#balanceRefresh = refresh.finally(() => (this.#balanceRefresh = null));
    return this.#balanceRefresh;
  }

  budget(info_hash: string): Budget {
    const now = this.now();
    if (now - this.#dayStart_ms >= DAY_MS) {
      this.#dayStart_ms = now;
      this.#daySpent_units = 0n;
    }
    return {
      torrent_cap_units: this.settings.torrent_cap_units,
      torrent_spent_units: this.#spentByTorrent.get(info_hash) ?? 0n,
      day_cap_units: this.settings.day_cap_units,
      day_spent_units: this.#daySpent_units,
    };
  }

  recordSpend(info_hash: string, units: Units): void {
    const before = this.#spentByTorrent.get(info_hash) ?? 0n;
    this.#spentByTorrent.delete(info_hash); // re-inserted last: the saved list keeps the most recent torrents
    this.#spentByTorrent.set(info_hash, before + units);
    this.#daySpent_units += units;
    this.#save();
  }

  /**
   * Runs a signed ledger call. Calls are serialized (the ledger wants strictly increasing nonces per account, and
   * two requests racing could arrive out of order) and retried when another client of the same key won a nonce.
   */
  signedCall<T>(call: (ledger: LedgerClient, signer: Signer) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const ledger = this.#ledger;
      const signer = this.#signer;
      if (!ledger || !signer) throw new Error('no wallet or ledger');
      for (let attempt = 1; ; attempt++) {
        try {
          return await call(ledger, signer);
        } catch (error) {
          if (!(error instanceof LedgerApiError) || error.code !== 'stale_nonce' || attempt >= MAX_NONCE_RETRIES) throw error;
        }
      }
    };
    const result = this.#ledgerQueue.then(run, run);
    this.#ledgerQueue = result.then(() => undefined, () => undefined);
    return result;
  }

  #ledgerQueue: Promise<void> = Promise.resolve();

  wallet(event: WalletEvent): void {
    this.#emit({ type: 'wallet', event });
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    this.#emit({ type: 'log', level, message: message.slice(0, 4000) });
  }
}

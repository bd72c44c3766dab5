// Speed settings a person controls: persisted in IndexedDB, validated on load, pushed to the peer on every change
// so they take effect live (a bid-setting change makes the peer re-bid at once, as the paper requires).
import { spendingRateFromFraction } from '../../protocol/bidder.ts';
import { DEFAULT_RESERVE_UNITS_PER_KIB } from '../../protocol/choker.ts';
import { MAX_AMOUNT_UNITS, parseUnits, type Units } from '../../protocol/money.ts';
import { DEFAULT_IDLE_LOCK_MS, MAX_IDLE_LOCK_MS, MIN_IDLE_LOCK_MS } from '../../wallet/index.ts';
import { loadPref, savePref } from '../lib/prefs-store.ts';
import { DEFAULT_DAY_CAP_UNITS, DEFAULT_TORRENT_CAP_UNITS } from '../../peer/client.ts';
import type { PeerSettings } from '../peer/peer-api.ts';

const SETTINGS_KEY = 'settings';
/** A browser tab uploading faster than this is not something a person sets by hand; bounds the input. */
export const MAX_UPLOAD_LIMIT_KIB_S = 1_000_000;

export interface Settings {
  /** Paying and being paid, globally. Off = a plain BitTorrent client. */
  readonly speed_enabled: boolean;
  /** 0.0–1.0: share of the balance the auto-bidder may commit to what remains to download. */
  readonly spending_rate: number;
  /** Spend caps (null = none of the user's own); the names and defaults are the peer's (DEFAULT_SPEED_SETTINGS). */
  readonly torrent_cap_units: Units | null;
  readonly day_cap_units: Units | null;
  readonly reserve_units_per_kib: Units;
  /** null = unlimited. */
  readonly upload_limit_kib_s: number | null;
  /** False = never provide: no uploads sold for BTT. */
  readonly providing: boolean;
  readonly auto_lock_ms: number;
}

export const DEFAULT_SETTINGS: Settings = {
  speed_enabled: true,
  // The paper fixes 1.0 for the first release; we start a newcomer at a gentler half and say so in the UI.
  spending_rate: 0.5,
  torrent_cap_units: DEFAULT_TORRENT_CAP_UNITS,
  day_cap_units: DEFAULT_DAY_CAP_UNITS,
  reserve_units_per_kib: DEFAULT_RESERVE_UNITS_PER_KIB,
  upload_limit_kib_s: null,
  providing: true,
  auto_lock_ms: DEFAULT_IDLE_LOCK_MS,
};

function units(value: unknown, fallback: Units | null): Units | null {
  if (value === null) return null;
  if (typeof value !== 'string') return fallback;
  try {
    const parsed = parseUnits(value);
    return parsed <= MAX_AMOUNT_UNITS ? parsed : fallback;
  } catch {
    return fallback;
  }
}

/**
 * Reads a stored value field by field; anything malformed falls back to the default for that field. Settings saved
 * before the names matched the peer's (`cap_per_torrent_units`, `cap_per_day_units`, `provide`) are read as well.
 */
export function parseSettings(value: unknown): Settings {
  if (typeof value !== 'object' || value === null) return DEFAULT_SETTINGS;
  const raw = value as Record<string, unknown>;
  const rate = typeof raw.spending_rate === 'number' && Number.isFinite(raw.spending_rate) ? Math.min(1, Math.max(0, raw.spending_rate)) : DEFAULT_SETTINGS.spending_rate;
  const limit = raw.upload_limit_kib_s;
  const lock = raw.auto_lock_ms;
  return {
    speed_enabled: typeof raw.speed_enabled === 'boolean' ? raw.speed_enabled : DEFAULT_SETTINGS.speed_enabled,
    spending_rate: rate,
    torrent_cap_units: units(raw.torrent_cap_units ?? raw.cap_per_torrent_units, DEFAULT_SETTINGS.torrent_cap_units),
    day_cap_units: units(raw.day_cap_units ?? raw.cap_per_day_units, DEFAULT_SETTINGS.day_cap_units),
    reserve_units_per_kib: units(raw.reserve_units_per_kib, DEFAULT_SETTINGS.reserve_units_per_kib) ?? DEFAULT_SETTINGS.reserve_units_per_kib,
    upload_limit_kib_s:
      limit === null ? null : typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0 && limit <= MAX_UPLOAD_LIMIT_KIB_S ? limit : DEFAULT_SETTINGS.upload_limit_kib_s,
    providing: typeof (raw.providing ?? raw.provide) === 'boolean' ? (raw.providing ?? raw.provide) as boolean : DEFAULT_SETTINGS.providing,
    auto_lock_ms: typeof lock === 'number' && lock >= MIN_IDLE_LOCK_MS && lock <= MAX_IDLE_LOCK_MS ? lock : DEFAULT_SETTINGS.auto_lock_ms,
  };
}

function serialize(settings: Settings): Record<string, unknown> {
  const text = (value: Units | null) => (value === null ? null : value.toString());
  return {
    ...settings,
    torrent_cap_units: text(settings.torrent_cap_units),
    day_cap_units: text(settings.day_cap_units),
    reserve_units_per_kib: settings.reserve_units_per_kib.toString(),
  };
}

export function toPeerSettings(settings: Settings): PeerSettings {
  return {
    speed_enabled: settings.speed_enabled,
    spending_rate_ppm: spendingRateFromFraction(settings.spending_rate),
    torrent_cap_units: settings.torrent_cap_units,
    day_cap_units: settings.day_cap_units,
    reserve_units_per_kib: settings.reserve_units_per_kib,
    upload_limit_bytes_per_s: settings.upload_limit_kib_s === null ? null : settings.upload_limit_kib_s * 1024,
    providing: settings.providing,
  };
}

class SettingsState {
  #current = $state<Settings>(DEFAULT_SETTINGS);
  #loaded = $state(false);
  #listeners = new Set<(settings: Settings) => void>();

  get current(): Settings {
    return this.#current;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  async load(): Promise<void> {
    this.#current = parseSettings(await loadPref(SETTINGS_KEY));
    this.#loaded = true;
    this.#emit();
  }

  /** Applies a change at once (peer, auto-lock) and persists it. */
  async update(change: Partial<Settings>): Promise<void> {
    this.#current = parseSettings(serialize({ ...this.#current, ...change }));
    this.#emit();
    await savePref(SETTINGS_KEY, serialize(this.#current));
  }

  /** Called now with the current settings and after every change. */
  subscribe(listener: (settings: Settings) => void): () => void {
    this.#listeners.add(listener);
    if (this.#loaded) listener(this.#current);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const listener of this.#listeners) listener(this.#current);
  }
}

export const settings = new SettingsState();

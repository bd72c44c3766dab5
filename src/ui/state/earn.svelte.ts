// Earn mode as the app sees it: the settings (kept with the app's preferences), what earn mode joined (IndexedDB, so
// a reload still knows which torrents are its own to drop), and the shared loop (src/services/earn/earn-loop.ts)
// running on this page against the app's peer while earn mode is on, Speed sells upload and the wallet is unlocked.
import { EarnLoop, type EarnPeer, type EarnReport, type JoinedRecord } from '../../services/earn/earn-loop.ts';
import { parseJoinedRecord } from '../../services/earn/joined-record.ts';
import { DEFAULT_EARN_SETTINGS, parseEarnSettings, serializeEarnSettings, toLoopSettings, type EarnSettings } from '../earn/earn-settings.ts';
import { loadPref, savePref } from '../lib/prefs-store.ts';
import { peer } from './peer.svelte.ts';
import { settings } from './settings.svelte.ts';
import { wallet } from './wallet.svelte.ts';

const PREF_KEY = 'earn';
const JOINED_KEY = 'earn_joined';
/** Board reads while earn mode runs (one GET; catalogue entries are cached by the loop). */
export const EARN_POLL_MS = 5_000;
/** How often the panel's figures are refreshed from the peer's snapshot. */
const REPORT_EVERY_MS = 2_000;

/** Why earn mode is on but not running, for the Settings section; null when it runs or is off. */
export type EarnBlocked = 'locked' | 'speed_off' | 'not_providing' | 'engine' | null;

/** The app's peer as the loop's four calls: every torrent the app holds is listed, so a user's own is never joined. */
const appPeer: EarnPeer = {
  list: () => peer.torrents.map((t) => ({ info_hash: t.info_hash, length: t.length_bytes })),
  join: (magnet, timeout_ms) => peer.joinServing(magnet, timeout_ms),
  status: (info_hash) => {
    const t = peer.torrents.find((x) => x.info_hash === info_hash);
    return t ? { progress: t.progress, num_peers: t.peers, uploaded: t.uploaded_bytes, earned_units: t.earned_units } : null;
  },
  remove: (info_hash) => peer.removeServing(info_hash),
};

class EarnState {
  #settings = $state<EarnSettings>(DEFAULT_EARN_SETTINGS);
  #report = $state<EarnReport | null>(null);
  #joined = $state<readonly string[]>([]);
  #record: JoinedRecord = {};
  #loop: EarnLoop | null = null;
  #timers: ReturnType<typeof setInterval>[] = [];
  #loaded: Promise<void> | null = null;
  #listeners = new Set<(s: EarnSettings) => void>();

  get settings(): EarnSettings { return this.#settings; }
  /** Null while the loop is not running. */
  get report(): EarnReport | null { return this.#report; }
  get running(): boolean { return this.#loop !== null; }

  get blocked(): EarnBlocked {
    if (!this.#settings.enabled) return null;
    if (!settings.current.speed_enabled) return 'speed_off';
    if (!settings.current.providing) return 'not_providing';
    if (wallet.signer === null) return 'locked';
    if (!peer.ready) return 'engine';
    return null;
  }

  /** Whether earn mode joined this torrent (the only ones it ever removes). */
  has(info_hash: string): boolean {
    return this.#joined.includes(info_hash);
  }

  load(): Promise<void> {
    this.#loaded ??= (async () => {
      const [stored, joined] = await Promise.all([loadPref(PREF_KEY), loadPref(JOINED_KEY)]);
      this.#settings = parseEarnSettings(stored);
      this.#record = parseJoinedRecord(joined);
      this.#joined = Object.keys(this.#record);
      this.#emit();
      wallet.onSession(() => this.#apply(false));
      settings.subscribe(() => this.#apply(false));
      this.#apply(false);
    })();
    return this.#loaded;
  }

  async update(change: Partial<EarnSettings>): Promise<void> {
    await this.load();
    this.#settings = parseEarnSettings(serializeEarnSettings({ ...this.#settings, ...change }));
    await savePref(PREF_KEY, serializeEarnSettings(this.#settings));
    this.#emit();
    this.#apply(true);
  }

  /** Called now with the current settings and after every change (the peer's upload cap follows them). */
  subscribe(listener: (s: EarnSettings) => void): () => void {
    this.#listeners.add(listener);
    listener(this.#settings);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const listener of this.#listeners) listener(this.#settings);
  }

  /** Stops the loop when asked (`restart`: new settings) or no longer wanted, then starts one if wanted. */
  #apply(restart: boolean): void {
    const want = this.#settings.enabled && wallet.signer !== null && settings.current.speed_enabled && settings.current.providing;
    if (this.#loop && (restart || !want)) this.#stop();
    if (!want || this.#loop) return;
    const loop = new EarnLoop(toLoopSettings(this.#settings, location.origin), {
      peer: appPeer,
      joined: this.#record,
      save: async (joined) => {
        this.#record = joined;
        this.#joined = Object.keys(joined);
        await savePref(JOINED_KEY, joined);
      },
      log: (line) => console.info(line),
    });
    this.#loop = loop;
    const tick = () => {
      // The peer starts in the background: polls before it is up would see no torrents (every one a candidate).
      if (peer.ready) void loop.tick().then(() => this.#loop === loop && (this.#report = loop.report()));
    };
    this.#timers = [setInterval(tick, EARN_POLL_MS), setInterval(() => (this.#report = loop.report()), REPORT_EVERY_MS)];
    this.#report = loop.report();
    tick();
  }

  #stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#loop = null;
    this.#report = null;
  }
}

export const earn = new EarnState();

// Locks the wallet after a stretch without user activity, the way a banking app does. Timers are injected so the
// rule is testable without waiting; the app feeds it pointer/keyboard activity and lets it call lock().

/** Fifteen idle minutes: long enough not to nag during a download, short enough for a laptop left open. */
export const DEFAULT_IDLE_LOCK_MS = 15 * 60_000;
/** Bounds for the user's choice: one minute to one day. */
export const MIN_IDLE_LOCK_MS = 60_000;
export const MAX_IDLE_LOCK_MS = 24 * 60 * 60_000;
/** Activity events arrive in bursts; re-arming the timer more often than this buys nothing. */
const TOUCH_THROTTLE_MS = 1_000;

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

export class IdleLock {
  readonly #timers: Timers;
  readonly #onIdle: () => void;
  #idle_ms: number;
  #handle: unknown = null;
  #last_touch_ms = -Infinity;

  constructor(onIdle: () => void, idle_ms = DEFAULT_IDLE_LOCK_MS, timers: Timers = realTimers) {
    this.#onIdle = onIdle;
    this.#timers = timers;
    this.#idle_ms = clampIdle(idle_ms);
  }

  get idle_ms(): number {
    return this.#idle_ms;
  }

  /** Starts (or restarts) the countdown. */
  start(): void {
    this.stop();
    this.#last_touch_ms = this.#timers.now();
    this.#handle = this.#timers.setTimeout(() => {
      this.#handle = null;
      this.#onIdle();
    }, this.#idle_ms);
  }

  /** User activity: restart the countdown if one is running. */
  touch(): void {
    if (this.#handle === null) return;
    if (this.#timers.now() - this.#last_touch_ms < TOUCH_THROTTLE_MS) return;
    this.start();
  }

  stop(): void {
    if (this.#handle !== null) this.#timers.clearTimeout(this.#handle);
    this.#handle = null;
  }

  setIdle(idle_ms: number): void {
    this.#idle_ms = clampIdle(idle_ms);
    if (this.#handle !== null) this.start();
  }
}

function clampIdle(idle_ms: number): number {
  if (!Number.isFinite(idle_ms)) return DEFAULT_IDLE_LOCK_MS;
  return Math.min(MAX_IDLE_LOCK_MS, Math.max(MIN_IDLE_LOCK_MS, Math.round(idle_ms)));
}

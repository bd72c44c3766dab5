// The idle lock fires after the idle time, activity postpones it, and stop() cancels it.
import { describe, expect, it } from 'vitest';
import { IdleLock, MIN_IDLE_LOCK_MS, type Timers } from '../../src/wallet/auto-lock.ts';

function fakeTimers() {
  let now = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  let next = 1;
  const timers: Timers = {
    now: () => now,
    setTimeout: (callback, ms) => {
      pending.set(next, { at: now + ms, callback });
      return next++;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, timer] of [...pending]) {
      if (timer.at <= now) {
        pending.delete(id);
        timer.callback();
      }
    }
  };
  return { timers, advance };
}

describe('IdleLock', () => {
  it('locks after the idle time; activity postpones; stop cancels', () => {
    const { timers, advance } = fakeTimers();
    let locks = 0;
    const lock = new IdleLock(() => locks++, 5 * 60_000, timers);
    lock.start();
    advance(4 * 60_000);
    lock.touch();
    advance(4 * 60_000);
    expect(locks).toBe(0);
    advance(60_000);
    expect(locks).toBe(1);
    lock.touch(); // not running any more: activity does not re-arm a lock that fired
    advance(10 * 60_000);
    expect(locks).toBe(1);
    lock.start();
    lock.stop();
    advance(10 * 60_000);
    expect(locks).toBe(1);
  });

  it('clamps the idle time to its bounds', () => {
    const lock = new IdleLock(() => {}, 5, fakeTimers().timers);
    expect(lock.idle_ms).toBe(MIN_IDLE_LOCK_MS);
  });
});

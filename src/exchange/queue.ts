// The daily hot-wallet limit as a queue, never a refusal: withdrawals are paid first come, first served while the
// window's limit allows; the rest wait with a visible position and the time their window opens. Pure.

export interface Queued {
  readonly id: string;
  readonly amount_units: bigint;
}

export interface Plan {
  /** Ids to pay now, in order. */
  readonly pay_now: readonly string[];
  /** For every queued id: its position (1 = next) and when it should be paid (ms; `now_ms` if now). */
  readonly eta: ReadonlyMap<string, { position: number; eta_ms: number }>;
}

export const windowOf = (now_ms: number, window_ms: number): number => Math.floor(now_ms / window_ms);

/**
 * Strict FIFO: the head of the queue waits for room even if a smaller one behind it would fit, so positions only
 * ever move forward. Every amount must be ≤ the limit (the API refuses larger ones), so every item gets an ETA.
 */
export function planQueue(queue: readonly Queued[], spent_units: bigint, limit_units: bigint, now_ms: number, window_ms: number): Plan {
  if (limit_units <= 0n || window_ms <= 0) throw new RangeError('limit and window must be positive');
  const pay_now: string[] = [];
  const eta = new Map<string, { position: number; eta_ms: number }>();
  let window = windowOf(now_ms, window_ms);
  let room = limit_units - spent_units;
  let waiting = false;
  queue.forEach((item, index) => {
    if (item.amount_units > limit_units) throw new RangeError(`withdrawal ${item.id} exceeds the limit`);
    if (item.amount_units > room) {
      window += 1;
      room = limit_units;
      waiting = true;
    }
    room -= item.amount_units;
    if (!waiting) pay_now.push(item.id);
    eta.set(item.id, { position: index + 1, eta_ms: waiting ? window * window_ms : now_ms });
  });
  return { pay_now, eta };
}

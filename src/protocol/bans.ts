// Bans (white paper: repeat offenders are refused for a while): one list, one duration, and the rules that lead
// to a ban that are not a single rejected message — the requester that never pays, the provider whose data fails.
import { PAYMENT_DEADLINE_MS } from './channel-types.ts';
import type { UnpaidPiece } from './channel-payee.ts';

/** How long a banned peer (requester or provider) is refused, by peer id and payment key alike. */
export const BAN_DURATION_MS = 60 * 60_000;
/** Bans remembered at most; the oldest go first (a flood of fresh peer ids must not grow memory). */
export const MAX_BANS = 10_000;
/**
 * A requester still owing a unit this long after its deadline (already choked for it) is banned. The payee machine
 * chokes on a missed deadline and bans on repeated failures, but a requester that simply never pays fails only
 * once; this rule ends that session.
 */
export const LATE_BAN_AFTER_MS = PAYMENT_DEADLINE_MS;

/** The late-payment ban: true once the unpaid unit is past its deadline by LATE_BAN_AFTER_MS. */
export function isLateBeyondBan(unpaid: UnpaidPiece | null, now_ms: number): boolean {
  return (
    unpaid !== null && unpaid.deadline_missed && unpaid.delivered_at_ms !== null &&
    now_ms >= unpaid.delivered_at_ms + PAYMENT_DEADLINE_MS + LATE_BAN_AFTER_MS
  );
}

/**
 * Data that fails its hash bans every provider that sent blocks of it — a paying session's provider through the
 * payer machine (`ban_provider`), a legacy or unpaid one through this rule, for the same duration.
 */
export function banUntil(now_ms: number): number {
  return now_ms + BAN_DURATION_MS;
}

/** Time-limited bans by peer id and by payment key (peer ids change on every restart; keys do not). */
export class BanList {
  readonly #until = new Map<string, number>();
  /** Called after every new ban (the context saves the list, so a reload does not pardon a cheater). */
  onChange: () => void = () => {};

  ban(ids: readonly (string | null | undefined)[], until_ms: number): void {
    for (const id of ids) {
      if (!id) continue;
      this.#until.delete(id);
      this.#until.set(id, until_ms);
      if (this.#until.size > MAX_BANS) {
        const oldest = this.#until.keys().next().value;
        if (oldest !== undefined) this.#until.delete(oldest);
      }
    }
    this.onChange();
  }

  isBanned(ids: readonly (string | null | undefined)[], now_ms: number): boolean {
    for (const id of ids) {
      if (!id) continue;
      const until = this.#until.get(id);
      if (until === undefined) continue;
      if (until > now_ms) return true;
      this.#until.delete(id);
    }
    return false;
  }

  /** Takes back bans saved by an earlier run (those still running), without reporting them as new. */
  load(entries: readonly (readonly [string, number])[], now_ms: number): void {
    for (const [id, until] of entries) if (until > now_ms && id) this.#until.set(id, until);
  }

  /** Bans still running at `now_ms`, newest last, at most `limit`. */
  active(now_ms: number, limit: number): Array<[string, number]> {
    return [...this.#until].filter(([, until]) => until > now_ms).slice(-limit);
  }
}


// What the exchange's parts share: its store, its TRON client, the ledger's bridge, the clock, limits, and the
// fault hook the crash tests use to stop the exchange between any two of its effects.
import type { LedgerBridge } from '../ledger/service.ts';
import type { ExchangeStore } from './store.ts';
import type { TronClient } from './tron-client.ts';

/** The points between two effects where a crash matters most (see test/exchange/property.test.ts). */
export type FaultPoint =
  | 'after_credit'
  | 'before_cursor'
  | 'before_hold'
  | 'after_hold'
  | 'after_sign'
  | 'after_broadcast'
  | 'after_finalize'
  | 'after_release';

export interface ExchangeLimits {
  /** Units the hot wallet may pay per window; beyond it withdrawals queue. */
  readonly daily_limit_units: bigint;
  /** The limit's window: a UTC day by default. */
  readonly window_ms: number;
  /** Smallest withdrawal: below it the network fee would outweigh it. */
  readonly min_withdrawal_units: bigint;
  /** Signed payments per withdrawal before it is refunded (each one provably dead before the next). */
  readonly max_payment_attempts: number;
}

export interface ExchangeContext {
  readonly store: ExchangeStore;
  readonly tron: TronClient;
  readonly bridge: LedgerBridge;
  readonly now: () => number;
  readonly limits: ExchangeLimits;
  /** Throws to simulate a crash at `point`; a no-op in production. */
  readonly fault: (point: FaultPoint) => void;
}

/** A bug or an unreachable ledger: never a client's fault. Stops this tick; the next one retries from the store. */
export class ExchangeInvariantError extends Error {
  override name = 'ExchangeInvariantError';
}

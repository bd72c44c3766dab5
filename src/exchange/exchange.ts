// The exchange's shell: one tick at a time (scan deposits, then move withdrawals), every read for the API and the
// audit in between ticks, so the audit compares the ledger and the chain at one moment of the exchange.
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { SignedWithdrawal } from '../ledger/service.ts';
import type { ExchangeContext } from './context.ts';
import { depositStatus, scanDeposits, type DepositStatus } from './deposits.ts';
import type { DepositRow } from './store.ts';
import { processWithdrawals, requestWithdrawal, withdrawalView, type RequestResult, type WithdrawalView } from './withdrawals.ts';

/** Transfers listed per account in the timeline. */
export const MAX_TIMELINE_ROWS = 100;

export interface ExchangeAudit {
  readonly ok: boolean;
  /** Credited deposits less final withdrawals, holds included: what the ledger owes to TRON. */
  readonly liabilities_units: bigint;
  /** The hot wallet's BTT at the chain head. */
  readonly holdings_units: bigint;
  /** Paid on the chain (in a block) but not yet final on the ledger: already gone from the holdings. */
  readonly in_flight_units: bigint;
  readonly queued: number;
  readonly paying: number;
}

export class Exchange {
  readonly ctx: ExchangeContext;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(ctx: ExchangeContext) {
    this.ctx = ctx;
  }

  /** Runs `work` after everything queued before it (ticks, requests, audits never interleave). */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(work, work);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  tick(): Promise<void> {
    return this.#serial(async () => {
      await scanDeposits(this.ctx);
      await processWithdrawals(this.ctx);
    });
  }

  withdraw(w: SignedWithdrawal): Promise<RequestResult> {
    return this.#serial(() => requestWithdrawal(this.ctx, w));
  }

  deposit(tx_id: string): Promise<DepositStatus> {
    return this.#serial(() => depositStatus(this.ctx, tx_id));
  }

  withdrawal(id: string): Promise<WithdrawalView | null> {
    return this.#serial(async () => {
      const row = await this.ctx.store.withdrawal(id);
      return row ? withdrawalView(this.ctx, row) : null;
    });
  }

  transfers(account: PublicKeyHex): Promise<{ deposits: DepositRow[]; withdrawals: WithdrawalView[] }> {
    return this.#serial(async () => {
      const withdrawals: WithdrawalView[] = [];
      for (const w of await this.ctx.store.withdrawalsOf(account, MAX_TIMELINE_ROWS)) withdrawals.push(await withdrawalView(this.ctx, w));
      return { deposits: await this.ctx.store.depositsOf(account, MAX_TIMELINE_ROWS), withdrawals };
    });
  }

  /** Liabilities (less what is already paid on the chain) must never exceed what the hot wallet holds. */
  audit(): Promise<ExchangeAudit> {
    return this.#serial(async () => {
      const holdings_units = await this.ctx.tron.hotHoldings();
      const paying = await this.ctx.store.withdrawalsIn('paying', Number.MAX_SAFE_INTEGER);
      let in_flight_units = 0n;
      for (const w of paying) {
        for (const a of await this.ctx.store.attemptsOf(w.id)) {
          if ((await this.ctx.tron.blockOf(a.tx_id, false)) === null) continue;
          in_flight_units += w.amount_units;
          break;
        }
      }
      const liabilities_units = await this.ctx.bridge.liabilities();
      const queued = (await this.ctx.store.withdrawalsIn('queued', Number.MAX_SAFE_INTEGER)).length;
      return { ok: liabilities_units - in_flight_units <= holdings_units, liabilities_units, holdings_units, in_flight_units, queued, paying: paying.length };
    });
  }

  /** Waits for the running tick or request to end. */
  async idle(): Promise<void> {
    await this.#lock;
  }
}

// Deposits: the scanner credits every BTT transfer to the hot wallet once its block is solidified, from the cursor
// on, exactly once per txID (the ledger refuses a second credit), whatever restarts or re-orgs happen: only
// solidified blocks are read, and the cursor moves only after a block's credits are committed.
import { accountOfDepositMemo } from '../protocol/exchange-request.ts';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { ExchangeInvariantError, type ExchangeContext } from './context.ts';
import type { ChainTransfer } from './tron-client.ts';

/** Blocks scanned per tick: a node that was away catches up in bounded steps. */
export const MAX_SCAN_BLOCKS_PER_TICK = 200;
/** TRON's solidification depth, shown to users as k/19. */
export const CONFIRMATIONS_REQUIRED = 19;
const CURSOR_KEY = 'scan_cursor';

export type DepositProblem = 'unknown_transaction' | 'not_a_btt_transfer' | 'deposit_not_to_exchange' | 'deposit_without_account';

export type DepositStatus =
  | {
      readonly ok: true;
      readonly tx_id: string;
      readonly account: PublicKeyHex | null;
      readonly amount_units: bigint;
      /** broadcast: in the node's pool; confirming: in a block; credited: on the ledger; unattributed: no account named. */
      readonly state: 'broadcast' | 'confirming' | 'credited' | 'unattributed';
      readonly block_number: number | null;
      readonly confirmations: number;
    }
  | { readonly ok: false; readonly code: DepositProblem };

export async function scanCursor(ctx: ExchangeContext): Promise<number | null> {
  const value = await ctx.store.meta(CURSOR_KEY);
  return value === null ? null : Number(value);
}

export async function setScanStart(ctx: ExchangeContext, block: number): Promise<void> {
  if ((await scanCursor(ctx)) === null) await ctx.store.setMeta(CURSOR_KEY, String(block));
}

async function credit(ctx: ExchangeContext, t: ChainTransfer, block: number): Promise<void> {
  if ((await ctx.store.deposit(t.tx_id))?.state === 'credited') return;
  const account = accountOfDepositMemo(t.memo);
  const row = { tx_id: t.tx_id, account, tron_from: t.owner_hex, amount_units: t.amount, block_number: block, at_ms: Math.floor(ctx.now()) };
  if (account === null || t.amount <= 0n) {
    await ctx.store.putDeposit({ ...row, state: 'unattributed' });
    return;
  }
  const result = await ctx.bridge.deposit(t.tx_id, account, t.amount, t.owner_hex);
  if (result.code !== 'ok' && result.code !== 'already_credited') throw new ExchangeInvariantError(`deposit ${t.tx_id}: ledger said ${result.code}`);
  ctx.fault('after_credit');
  await ctx.store.putDeposit({ ...row, state: 'credited' });
}

/** Credits the deposits of newly solidified blocks; returns how many blocks it scanned. */
export async function scanDeposits(ctx: ExchangeContext): Promise<number> {
  const cursor = (await scanCursor(ctx)) ?? 0;
  const solid = (await ctx.tron.solidHead()).number;
  const last = Math.min(solid, cursor + MAX_SCAN_BLOCKS_PER_TICK);
  for (let n = cursor + 1; n <= last; n++) {
    for (const transfer of await ctx.tron.depositsIn(n)) await credit(ctx, transfer, n);
    ctx.fault('before_cursor');
    await ctx.store.setMeta(CURSOR_KEY, String(n));
  }
  return Math.max(0, last - cursor);
}

/** Where a deposit is, for the wallet's timeline; a transaction that is no deposit to this exchange is a typed problem. */
export async function depositStatus(ctx: ExchangeContext, tx_id: string): Promise<DepositStatus> {
  const row = await ctx.store.deposit(tx_id);
  if (row) {
    return {
      ok: true,
      tx_id,
      account: row.account as PublicKeyHex | null,
      amount_units: row.amount_units,
      state: row.state,
      block_number: row.block_number,
      confirmations: CONFIRMATIONS_REQUIRED,
    };
  }
  const { found, transfer } = await ctx.tron.transfer(tx_id);
  if (!found) return { ok: false, code: 'unknown_transaction' };
  if (!transfer) return { ok: false, code: 'not_a_btt_transfer' };
  if (transfer.to_hex !== ctx.tron.hot_hex) return { ok: false, code: 'deposit_not_to_exchange' };
  const account = accountOfDepositMemo(transfer.memo);
  if (!account) return { ok: false, code: 'deposit_without_account' };
  const block = await ctx.tron.blockOf(tx_id, false);
  const head = block === null ? null : await ctx.tron.head();
  return {
    ok: true,
    tx_id,
    account,
    amount_units: transfer.amount,
    state: block === null ? 'broadcast' : 'confirming',
    block_number: block,
    confirmations: head && block !== null ? Math.min(CONFIRMATIONS_REQUIRED, Math.max(0, head.number - block)) : 0,
  };
}

// Withdrawals: a signed request is recorded, then held on the ledger; queued under the window's limit (never
// refused for it); paid from the hot wallet by a transaction stored before it is broadcast; made final once that
// transaction is solidified, or refunded once every attempt is provably dead (the solidified chain has passed its
// expiration without it). So each withdrawal ends in exactly one of completed / refunded.
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { withdrawalIdFor } from '../protocol/exchange-request.ts';
import type { BridgeResult, SignedWithdrawal } from '../ledger/service.ts';
import { ExchangeInvariantError, type ExchangeContext } from './context.ts';
import { planQueue, windowOf } from './queue.ts';
import type { WithdrawalRow } from './store.ts';
import type { BlockRef } from './tron-client.ts';

/** Rows handled per state per tick. */
export const MAX_WITHDRAWALS_PER_TICK = 500;

export type RequestResult = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly code: Exclude<BridgeResult['code'], 'ok'> | 'duplicate_withdrawal' };

function settledAs(ctx: ExchangeContext, w: WithdrawalRow, result: BridgeResult, expected: 'final' | 'released'): Promise<void> | void {
  if (result.code === 'ok') return;
  if (result.code !== 'withdrawal_settled') throw new ExchangeInvariantError(`withdrawal ${w.id}: ledger said ${result.code}`);
  return ctx.bridge.holdOf(w.account as PublicKeyHex, w.nonce).then((hold) => {
    if (hold?.state !== expected) throw new ExchangeInvariantError(`withdrawal ${w.id} is ${hold?.state ?? 'missing'} on the ledger, expected ${expected}`);
  });
}

/** Records the request, then asks the ledger to hold it; a refusal removes the record again (nothing changed). */
export async function requestWithdrawal(ctx: ExchangeContext, w: SignedWithdrawal): Promise<RequestResult> {
  const id = withdrawalIdFor(w.account, w.nonce);
  const inserted = await ctx.store.insertWithdrawal({
    id,
    account: w.account,
    to_address_hex: w.to_address_hex,
    amount_units: w.amount_units,
    nonce: w.nonce,
    signature: w.signature_hex,
    created_at_ms: Math.floor(ctx.now()),
  });
  if (!inserted) return { ok: false, code: 'duplicate_withdrawal' };
  ctx.fault('before_hold');
  const held = await ctx.bridge.hold(w);
  if (held.code !== 'ok') {
    await ctx.store.deleteRequested(id);
    return { ok: false, code: held.code };
  }
  ctx.fault('after_hold');
  await ctx.store.setWithdrawal(id, 'queued');
  return { ok: true, id };
}

/** A restart found a request whose hold may or may not have committed: the ledger says which. */
async function recoverRequested(ctx: ExchangeContext, w: WithdrawalRow): Promise<void> {
  const hold = await ctx.bridge.holdOf(w.account as PublicKeyHex, w.nonce);
  if (!hold) {
    const held = await ctx.bridge.hold({ account: w.account as PublicKeyHex, to_address_hex: w.to_address_hex, amount_units: w.amount_units, nonce: w.nonce, signature_hex: w.signature });
    if (held.code !== 'ok') {
      await ctx.store.deleteRequested(w.id);
      return;
    }
  } else if (hold.state !== 'held') {
    throw new ExchangeInvariantError(`withdrawal ${w.id} was settled on the ledger before the exchange queued it`);
  }
  await ctx.store.setWithdrawal(w.id, 'queued');
}

async function sign(ctx: ExchangeContext, w: WithdrawalRow, window: number | null): Promise<void> {
  const attempt = (await ctx.store.attemptsOf(w.id)).length + 1;
  const payment = await ctx.tron.signPayment(w.to_address_hex, w.amount_units, `seedpay-withdrawal:${w.id}:${attempt}`);
  await ctx.store.addAttempt({ tx_id: payment.tx_id, withdrawal_id: w.id, signed_json: payment.json, expiration_ms: payment.expiration_ms, signed_at_ms: Math.floor(ctx.now()) }, window);
  ctx.fault('after_sign');
  await ctx.tron.broadcast(payment.json); // whatever it says, follow() reads the chain
  ctx.fault('after_broadcast');
}

/** Follows a withdrawal being paid: final once an attempt is solidified; another attempt or a refund once all are dead. */
async function follow(ctx: ExchangeContext, w: WithdrawalRow, solid: BlockRef, head: BlockRef): Promise<void> {
  const attempts = await ctx.store.attemptsOf(w.id);
  for (const a of attempts) {
    if ((await ctx.tron.blockOf(a.tx_id, true)) === null) continue;
    await settledAs(ctx, w, await ctx.bridge.finalize(w.id as ChannelId, w.account as PublicKeyHex, a.tx_id), 'final');
    ctx.fault('after_finalize');
    await ctx.store.setWithdrawal(w.id, 'completed', { paid_tx_id: a.tx_id, settled_at_ms: Math.floor(ctx.now()) });
    return;
  }
  let alive = false;
  for (const a of attempts) {
    if ((await ctx.tron.blockOf(a.tx_id, false)) !== null) {
      alive = true;
      continue;
    }
    // Every block that could still take it (time < expiration) is solidified and lacks it: it can never land.
    if (solid.timestamp_ms >= a.expiration_ms) continue;
    alive = true;
    // Not in a block: re-broadcast while it can still land (after a crash before broadcast, or a dropped transaction).
    if (head.timestamp_ms < a.expiration_ms) await ctx.tron.broadcast(a.signed_json);
  }
  if (alive) return;
  if (attempts.length < ctx.limits.max_payment_attempts) {
    await sign(ctx, w, null);
    return;
  }
  await settledAs(ctx, w, await ctx.bridge.release(w.id as ChannelId, w.account as PublicKeyHex, 'not paid on TRON before expiry'), 'released');
  ctx.fault('after_release');
  await ctx.store.setWithdrawal(w.id, 'refunded', { reason: 'not paid on TRON before expiry', settled_at_ms: Math.floor(ctx.now()) });
}

/** One pass: recover, follow payments, then start payments the window's limit allows, first come first served. */
export async function processWithdrawals(ctx: ExchangeContext): Promise<void> {
  for (const w of await ctx.store.withdrawalsIn('requested', MAX_WITHDRAWALS_PER_TICK)) await recoverRequested(ctx, w);
  const paying = await ctx.store.withdrawalsIn('paying', MAX_WITHDRAWALS_PER_TICK);
  if (paying.length > 0) {
    // Read once per tick: an older solid head only makes "provably dead" later, never sooner.
    const solid = await ctx.tron.solidHead();
    const head = await ctx.tron.head();
    for (const w of paying) await follow(ctx, w, solid, head);
  }
  const now = Math.floor(ctx.now());
  const window = windowOf(now, ctx.limits.window_ms);
  const queued = await ctx.store.withdrawalsIn('queued', MAX_WITHDRAWALS_PER_TICK);
  const plan = planQueue(queued, await ctx.store.spentIn(window), ctx.limits.daily_limit_units, now, ctx.limits.window_ms);
  for (const id of plan.pay_now) {
    const w = queued.find((q) => q.id === id) as WithdrawalRow;
    await sign(ctx, w, window);
  }
}

export interface WithdrawalView {
  readonly id: string;
  readonly account: string;
  readonly to_address_hex: string;
  readonly amount_units: bigint;
  readonly state: WithdrawalRow['state'];
  readonly position: number | null;
  readonly eta_ms: number | null;
  readonly tx_id: string | null;
  readonly block_number: number | null;
  readonly confirmations: number;
  readonly reason: string | null;
}

/** A withdrawal as the wallet shows it: queue position and ETA while queued, the paying txID and its confirmations. */
export async function withdrawalView(ctx: ExchangeContext, w: WithdrawalRow): Promise<WithdrawalView> {
  let position: number | null = null;
  let eta_ms: number | null = null;
  if (w.state === 'queued') {
    const now = Math.floor(ctx.now());
    const queued = await ctx.store.withdrawalsIn('queued', MAX_WITHDRAWALS_PER_TICK);
    const plan = planQueue(queued, await ctx.store.spentIn(windowOf(now, ctx.limits.window_ms)), ctx.limits.daily_limit_units, now, ctx.limits.window_ms);
    const at = plan.eta.get(w.id);
    position = at?.position ?? null;
    eta_ms = at?.eta_ms ?? null;
  }
  let tx_id = w.paid_tx_id;
  let block_number: number | null = null;
  let confirmations = 0;
  if (w.state === 'paying') {
    for (const a of await ctx.store.attemptsOf(w.id)) {
      tx_id = a.tx_id;
      block_number = await ctx.tron.blockOf(a.tx_id, false);
      if (block_number !== null) break;
    }
    if (block_number !== null) confirmations = Math.max(0, (await ctx.tron.head()).number - block_number);
  }
  if (w.state === 'completed') confirmations = 19;
  return { id: w.id, account: w.account, to_address_hex: w.to_address_hex, amount_units: w.amount_units, state: w.state, position, eta_ms, tx_id, block_number, confirmations, reason: w.reason };
}

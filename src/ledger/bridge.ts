// The ledger's side of the TRON exchange: the only commands that move ledger value for it, each journal entry
// carrying the TRON txID. A deposit is credited from the bridge reserve once per txID; a withdrawal is held from
// the account, then made final (to the reserve, with the paying txID) or released back — exactly one of the two.
// Records live in the channels table: a deposit as a closed channel reserve → account (id from the txID), a
// withdrawal as a channel account → reserve, open while held (it never times out: only the exchange settles it).
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { depositRecordIdFor, withdrawalIdFor } from '../protocol/exchange-request.ts';
import { TOTAL_SUPPLY_UNITS, type Units } from '../protocol/money.ts';
import { NO_CONTEXT, type ChannelId } from '../protocol/payment-state.ts';
import type { ReserveId } from './genesis.ts';
import { assert } from './invariant.ts';
import type { LedgerResultCode, LedgerView, StepResult } from './ledger.ts';
import type { AccountId, AccountRow, ChannelRow } from './store.ts';

/**
 * The reserve that stands for BTT held on TRON by the exchange: deposits are paid out of it, final withdrawals
 * paid into it. The paper's "BitTorrent ecosystem" share: the exchange is the ecosystem's bridge to TRON.
 */
export const BRIDGE_RESERVE_ID: ReserveId = 'reserve:ecosystem';
/** A hold is settled by the exchange only, never by the channel sweeper: its deadline is the end of time. */
export const HOLD_NEVER_EXPIRES_MS = Number.MAX_SAFE_INTEGER;

export const BRIDGE_RESULT_CODES = ['already_credited', 'unknown_withdrawal', 'withdrawal_settled'] as const;

export type BridgeCommand =
  | { kind: 'bridge_deposit'; tx_id: string; account: PublicKeyHex; amount_units: Units; tron_from: string }
  | {
      kind: 'bridge_hold';
      account: PublicKeyHex;
      amount_units: Units;
      to_address_hex: string;
      nonce: bigint;
      signature: string;
    }
  | { kind: 'bridge_finalize'; withdrawal_id: ChannelId; account: PublicKeyHex; tx_id: string }
  | { kind: 'bridge_release'; withdrawal_id: ChannelId; account: PublicKeyHex; reason: string };

export function bridgeKeys(c: BridgeCommand): { account_ids: AccountId[]; channel_ids: ChannelId[] } {
  switch (c.kind) {
    case 'bridge_deposit':
      return { account_ids: [BRIDGE_RESERVE_ID, c.account], channel_ids: [depositRecordIdFor(c.tx_id)] };
    case 'bridge_hold':
      return { account_ids: [c.account], channel_ids: [withdrawalIdFor(c.account, c.nonce)] };
    case 'bridge_finalize':
    case 'bridge_release':
      return { account_ids: [c.account, BRIDGE_RESERVE_ID], channel_ids: [c.withdrawal_id] };
  }
}

const fresh = (id: AccountId, now_ms: number): AccountRow => ({ id, balance_units: 0n, escrow_units: 0n, nonce: 0n, airdropped: false, created_at_ms: now_ms });

function amountCode(amount_units: Units): LedgerResultCode | null {
  if (amount_units <= 0n) return 'amount_zero';
  if (amount_units > TOTAL_SUPPLY_UNITS) return 'amount_exceeds_supply';
  return null;
}

function record(id: ChannelId, payer: AccountId, payee: AccountId, amount_units: Units, now_ms: number, seq: number, open: boolean): ChannelRow {
  return {
    id,
    payer: payer as PublicKeyHex,
    payee: payee as PublicKeyHex,
    escrow_units: amount_units,
    timeout_ms: HOLD_NEVER_EXPIRES_MS,
    context: NO_CONTEXT, // a hold pays no session: no payment state is ever signed on it
    opened_at_ms: now_ms,
    expires_at_ms: HOLD_NEVER_EXPIRES_MS,
    state: open ? 'open' : 'closed',
    paid_units: open ? 0n : amount_units,
    refund_units: 0n,
    payment_seq: null,
    closed_at_ms: open ? null : now_ms,
    open_seq: seq,
    close_seq: open ? null : seq,
  };
}

export function bridgeStep(view: LedgerView, c: BridgeCommand, now_ms: number, seq: number): StepResult {
  switch (c.kind) {
    case 'bridge_deposit': {
      const bad = amountCode(c.amount_units);
      if (bad) return { code: bad };
      const id = depositRecordIdFor(c.tx_id);
      if (view.channel(id)) return { code: 'already_credited' };
      const reserve = view.account(BRIDGE_RESERVE_ID);
      assert(reserve !== undefined, 'bridge reserve missing');
      if (reserve.balance_units < c.amount_units) return { code: 'reserve_exhausted' };
      const account = view.account(c.account) ?? fresh(c.account, now_ms);
      return {
        code: 'ok',
        accounts: [
          { ...reserve, balance_units: reserve.balance_units - c.amount_units },
          { ...account, balance_units: account.balance_units + c.amount_units },
        ],
        channels: [record(id, BRIDGE_RESERVE_ID, c.account, c.amount_units, now_ms, seq, false)],
        event: {
          kind: 'bridge_deposit',
          account_a: BRIDGE_RESERVE_ID,
          account_b: c.account,
          channel_id: id,
          fields: { record_id: id, reserve: BRIDGE_RESERVE_ID, account: c.account, amount_units: String(c.amount_units), tx_id: c.tx_id, tron_from: c.tron_from },
        },
      };
    }
    case 'bridge_hold': {
      const bad = amountCode(c.amount_units);
      if (bad) return { code: bad };
      const account = view.account(c.account);
      if (!account) return { code: 'unknown_account' };
      if (c.nonce <= account.nonce) return { code: 'stale_nonce' };
      if (account.balance_units < c.amount_units) return { code: 'insufficient_funds' };
      const id = withdrawalIdFor(c.account, c.nonce);
      assert(view.channel(id) === undefined, `withdrawal ${id} already exists`);
      return {
        code: 'ok',
        accounts: [
          { ...account, balance_units: account.balance_units - c.amount_units, escrow_units: account.escrow_units + c.amount_units, nonce: c.nonce },
        ],
        channels: [record(id, c.account, BRIDGE_RESERVE_ID, c.amount_units, now_ms, seq, true)],
        event: {
          kind: 'bridge_hold',
          account_a: c.account,
          account_b: BRIDGE_RESERVE_ID,
          channel_id: id,
          fields: {
            withdrawal_id: id,
            account: c.account,
            amount_units: String(c.amount_units),
            to_address: c.to_address_hex,
            nonce: String(c.nonce),
            signature: c.signature,
          },
        },
      };
    }
    case 'bridge_finalize':
    case 'bridge_release': {
      const hold = view.channel(c.withdrawal_id);
      if (!hold || hold.payee !== BRIDGE_RESERVE_ID || hold.payer !== c.account) return { code: 'unknown_withdrawal' };
      if (hold.state !== 'open') return { code: 'withdrawal_settled' };
      const payer = view.account(hold.payer);
      const reserve = view.account(BRIDGE_RESERVE_ID);
      assert(payer !== undefined && payer.escrow_units >= hold.escrow_units, `payer of hold ${hold.id} lacks its escrow`);
      assert(reserve !== undefined, 'bridge reserve missing');
      const final = c.kind === 'bridge_finalize';
      const released = { ...payer, escrow_units: payer.escrow_units - hold.escrow_units };
      return {
        code: 'ok',
        accounts: final
          ? [released, { ...reserve, balance_units: reserve.balance_units + hold.escrow_units }]
          : [{ ...released, balance_units: released.balance_units + hold.escrow_units }],
        channels: [
          {
            ...hold,
            state: final ? 'closed' : 'expired',
            paid_units: final ? hold.escrow_units : 0n,
            refund_units: final ? 0n : hold.escrow_units,
            closed_at_ms: now_ms,
            close_seq: seq,
          },
        ],
        event: {
          kind: c.kind,
          account_a: hold.payer,
          account_b: final ? BRIDGE_RESERVE_ID : null,
          channel_id: hold.id,
          fields: {
            withdrawal_id: hold.id,
            account: hold.payer,
            amount_units: String(hold.escrow_units),
            ...(c.kind === 'bridge_finalize' ? { tx_id: c.tx_id } : { reason: c.reason }),
          },
        },
      };
    }
  }
}

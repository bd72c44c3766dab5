// The ledger's domain: one deterministic step per command, time passed in, an ordered result code out.
// Signatures are checked before a command gets here (requests.ts); this file owns the money rules and invariants.
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { channelIdFor } from '../protocol/ledger-request.ts';
import { TOTAL_SUPPLY_UNITS, type Units } from '../protocol/money.ts';
import type { ChannelId, SessionContext } from '../protocol/payment-state.ts';
import { BRIDGE_RESULT_CODES, bridgeKeys, bridgeStep, type BridgeCommand } from './bridge.ts';
import { AIRDROP_RESERVE_ID } from './genesis.ts';
import type { JournalEvent } from './journal.ts';
import { channelExpire } from './channel-expire.ts';
import { assert } from './invariant.ts';
import { isStorageCommand, STORAGE_RESULT_CODES, storageKeys, storageStep, type StorageCommand } from './storage-step.ts';
import type { ContractRow } from './storage-rows.ts';
import type { AccountId, AccountRow, ChannelRow } from './store.ts';

/** A channel must live long enough for a payee to notice and close it: 1 s. */
export const MIN_CHANNEL_TIMEOUT_MS = 1_000;
/** Escrow is never locked for more than 7 days. */
export const MAX_CHANNEL_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1_000;

/** Failure codes in the order they are checked: a request failing several rules gets the first. */
export const LEDGER_RESULT_CODES = [
  'amount_zero',
  'amount_exceeds_supply',
  'timeout_out_of_range',
  'payer_is_payee',
  'transfer_to_self',
  'unknown_channel',
  'not_payee',
  'invalid_payment_signature',
  'unknown_account',
  'stale_nonce',
  'already_claimed',
  'channel_closed',
  'channel_expired',
  'channel_not_expired',
  'exceeds_escrow',
  'insufficient_funds',
  'reserve_exhausted',
  ...BRIDGE_RESULT_CODES,
  ...STORAGE_RESULT_CODES,
] as const;
export type LedgerResultCode = (typeof LEDGER_RESULT_CODES)[number];

interface Signed {
  readonly nonce: bigint;
  /** The request signature (hex), kept in the journal so anyone can re-check who authorized the change. */
  readonly signature: string;
}

export type Command =
  | ({ kind: 'transfer'; from: PublicKeyHex; to: PublicKeyHex; amount_units: Units } & Signed)
  | ({ kind: 'channel_open'; payer: PublicKeyHex; payee: PublicKeyHex; escrow_units: Units; timeout_ms: number; context: SessionContext } & Signed)
  | ({
      kind: 'channel_close';
      payee: PublicKeyHex;
      channel_id: ChannelId;
      /** The payer whose key verified `payment_signature`; must still be the channel's payer. */
      payer: PublicKeyHex;
      amount_units: Units;
      seq: bigint;
      payment_signature: string;
    } & Signed)
  | ({ kind: 'airdrop_claim'; account: PublicKeyHex; amount_units: Units } & Signed)
  | { kind: 'channel_expire'; channel_id: ChannelId; payer: PublicKeyHex }
  | BridgeCommand
  | StorageCommand;

export interface LedgerView {
  account(id: AccountId): AccountRow | undefined;
  channel(id: ChannelId): ChannelRow | undefined;
  contract(id: string): ContractRow | undefined;
}

export type StepResult =
  | { readonly code: 'ok'; readonly accounts: AccountRow[]; readonly channels: ChannelRow[]; readonly event: JournalEvent; readonly contracts?: ContractRow[] }
  | { readonly code: LedgerResultCode; readonly detail?: string };

/** The rows a command may read or write, so a store can lock and load them up front. */
export function commandKeys(command: Command): { account_ids: AccountId[]; channel_ids: ChannelId[]; contract_ids?: string[] } {
  if (isStorageCommand(command)) return storageKeys(command);
  switch (command.kind) {
    case 'transfer':
      return { account_ids: [command.from, command.to], channel_ids: [] };
    case 'channel_open':
      return { account_ids: [command.payer], channel_ids: [channelIdFor(command.payer, command.nonce)] };
    case 'channel_close':
      return { account_ids: [command.payer, command.payee], channel_ids: [command.channel_id] };
    case 'airdrop_claim':
      return { account_ids: [command.account, AIRDROP_RESERVE_ID], channel_ids: [] };
    case 'channel_expire':
      return { account_ids: [command.payer], channel_ids: [command.channel_id] };
    default:
      return bridgeKeys(command);
  }
}

export function emptyAccount(id: AccountId, now_ms: number): AccountRow {
  return { id, balance_units: 0n, escrow_units: 0n, nonce: 0n, airdropped: false, created_at_ms: now_ms };
}

function amountCode(amount_units: Units): LedgerResultCode | null {
  if (amount_units <= 0n) return 'amount_zero';
  if (amount_units > TOTAL_SUPPLY_UNITS) return 'amount_exceeds_supply';
  return null;
}

/** Applies one command to the view's state at `now_ms`; `seq` is the journal position the change will take. */
export function step(view: LedgerView, command: Command, now_ms: number, seq: number): StepResult {
  assert(Number.isSafeInteger(now_ms) && now_ms >= 0, 'now_ms must be a non-negative safe integer');
  assert(Number.isSafeInteger(seq) && seq > 0, 'seq must be a positive safe integer');
  if (isStorageCommand(command)) return storageStep(view, command, now_ms, seq);
  switch (command.kind) {
    case 'transfer':
      return transfer(view, command, now_ms);
    case 'channel_open':
      return channelOpen(view, command, now_ms, seq);
    case 'channel_close':
      return channelClose(view, command, now_ms, seq);
    case 'airdrop_claim':
      return airdropClaim(view, command, now_ms);
    case 'channel_expire':
      return channelExpire(view, command, now_ms, seq);
    default:
      return bridgeStep(view, command, now_ms, seq);
  }
}

export type Of<K extends Command['kind']> = Extract<Command, { kind: K }>;

function transfer(view: LedgerView, c: Of<'transfer'>, now_ms: number): StepResult {
  const bad = amountCode(c.amount_units);
  if (bad) return { code: bad };
  if (c.from === c.to) return { code: 'transfer_to_self' };
  const from = view.account(c.from);
  if (!from) return { code: 'unknown_account' };
  if (c.nonce <= from.nonce) return { code: 'stale_nonce' };
  if (from.balance_units < c.amount_units) return { code: 'insufficient_funds' };
  const to = view.account(c.to) ?? emptyAccount(c.to, now_ms);
  return {
    code: 'ok',
    accounts: [
      { ...from, balance_units: from.balance_units - c.amount_units, nonce: c.nonce },
      { ...to, balance_units: to.balance_units + c.amount_units },
    ],
    channels: [],
    event: {
      kind: 'transfer',
      account_a: c.from,
      account_b: c.to,
      channel_id: null,
      fields: { from: c.from, to: c.to, amount_units: String(c.amount_units), nonce: String(c.nonce), signature: c.signature },
    },
  };
}

function channelOpen(view: LedgerView, c: Of<'channel_open'>, now_ms: number, seq: number): StepResult {
  const bad = amountCode(c.escrow_units);
  if (bad) return { code: bad };
  if (!Number.isSafeInteger(c.timeout_ms) || c.timeout_ms < MIN_CHANNEL_TIMEOUT_MS || c.timeout_ms > MAX_CHANNEL_TIMEOUT_MS) {
    return { code: 'timeout_out_of_range' };
  }
  if (c.payer === c.payee) return { code: 'payer_is_payee' };
  const payer = view.account(c.payer);
  if (!payer) return { code: 'unknown_account' };
  if (c.nonce <= payer.nonce) return { code: 'stale_nonce' };
  if (payer.balance_units < c.escrow_units) return { code: 'insufficient_funds' };
  const id = channelIdFor(c.payer, c.nonce);
  // The id is derived from (payer, nonce) and nonces only grow, so an existing row means a broken invariant.
  assert(view.channel(id) === undefined, `channel ${id} already exists`);
  const channel: ChannelRow = {
    id,
    payer: c.payer,
    payee: c.payee,
    escrow_units: c.escrow_units,
    timeout_ms: c.timeout_ms,
    context: c.context,
    opened_at_ms: now_ms,
    expires_at_ms: now_ms + c.timeout_ms,
    state: 'open',
    paid_units: 0n,
    refund_units: 0n,
    payment_seq: null,
    closed_at_ms: null,
    open_seq: seq,
    close_seq: null,
  };
  return {
    code: 'ok',
    accounts: [
      {
        ...payer,
        balance_units: payer.balance_units - c.escrow_units,
        escrow_units: payer.escrow_units + c.escrow_units,
        nonce: c.nonce,
      },
    ],
    channels: [channel],
    event: {
      kind: 'channel_open',
      account_a: c.payer,
      account_b: c.payee,
      channel_id: id,
      fields: {
        channel_id: id,
        payer: c.payer,
        payee: c.payee,
        escrow_units: String(c.escrow_units),
        timeout_ms: c.timeout_ms,
        context: c.context,
        expires_at_ms: channel.expires_at_ms,
        nonce: String(c.nonce),
        signature: c.signature,
      },
    },
  };
}

function channelClose(view: LedgerView, c: Of<'channel_close'>, now_ms: number, seq: number): StepResult {
  const channel = view.channel(c.channel_id);
  if (!channel) return { code: 'unknown_channel' };
  if (channel.payee !== c.payee) return { code: 'not_payee' };
  if (channel.payer !== c.payer) return { code: 'invalid_payment_signature' };
  const payeeBefore = view.account(c.payee) ?? emptyAccount(c.payee, now_ms);
  if (c.nonce <= payeeBefore.nonce) return { code: 'stale_nonce' };
  if (channel.state === 'closed') return { code: 'channel_closed' };
  if (channel.state === 'expired' || now_ms >= channel.expires_at_ms) return { code: 'channel_expired' };
  if (c.amount_units < 0n || c.amount_units > channel.escrow_units) return { code: 'exceeds_escrow' };
  const payer = view.account(channel.payer);
  assert(payer !== undefined && payer.escrow_units >= channel.escrow_units, `payer of open channel ${channel.id} lacks its escrow`);
  const refund_units = channel.escrow_units - c.amount_units;
  return {
    code: 'ok',
    accounts: [
      { ...payer, escrow_units: payer.escrow_units - channel.escrow_units, balance_units: payer.balance_units + refund_units },
      { ...payeeBefore, balance_units: payeeBefore.balance_units + c.amount_units, nonce: c.nonce },
    ],
    channels: [
      { ...channel, state: 'closed', paid_units: c.amount_units, refund_units, payment_seq: c.seq, closed_at_ms: now_ms, close_seq: seq },
    ],
    event: {
      kind: 'channel_close',
      account_a: channel.payer,
      account_b: c.payee,
      channel_id: channel.id,
      fields: {
        channel_id: channel.id,
        payer: channel.payer,
        payee: c.payee,
        paid_units: String(c.amount_units),
        refund_units: String(refund_units),
        payment_seq: String(c.seq),
        payment_signature: c.payment_signature,
        nonce: String(c.nonce),
        signature: c.signature,
      },
    },
  };
}

function airdropClaim(view: LedgerView, c: Of<'airdrop_claim'>, now_ms: number): StepResult {
  const bad = amountCode(c.amount_units);
  if (bad) return { code: bad };
  const account = view.account(c.account) ?? emptyAccount(c.account, now_ms);
  if (c.nonce <= account.nonce) return { code: 'stale_nonce' };
  if (account.airdropped) return { code: 'already_claimed' };
  const reserve = view.account(AIRDROP_RESERVE_ID);
  assert(reserve !== undefined, 'airdrop reserve missing');
  if (reserve.balance_units < c.amount_units) return { code: 'reserve_exhausted' };
  return {
    code: 'ok',
    accounts: [
      { ...reserve, balance_units: reserve.balance_units - c.amount_units },
      { ...account, balance_units: account.balance_units + c.amount_units, nonce: c.nonce, airdropped: true },
    ],
    channels: [],
    event: {
      kind: 'airdrop',
      account_a: AIRDROP_RESERVE_ID,
      account_b: c.account,
      channel_id: null,
      fields: {
        reserve: AIRDROP_RESERVE_ID,
        account: c.account,
        amount_units: String(c.amount_units),
        nonce: String(c.nonce),
        signature: c.signature,
      },
    },
  };
}

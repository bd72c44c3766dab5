// Paid storage's ledger commands: one deterministic step each, like ledger.ts's. The pure contract machine
// (src/protocol/storage-contract.ts) decides; this file moves the value it names between the two accounts (escrow
// and collateral are held as the parties' account escrow) and writes one journal entry per transition.
import { createHash } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { TOTAL_SUPPLY_UNITS } from '../protocol/money.ts';
import {
  checkTerms, crankContract, openContract, type ContractEffect, type ContractEvent, type ContractRejection, type ContractState, type ContractTerms,
} from '../protocol/storage-contract.ts';
import type { LeafProof, Sha256 } from '../protocol/storage-merkle.ts';
import type { StorageOpenTerms } from '../protocol/storage-request.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { assert } from './invariant.ts';
import type { JournalEvent } from './journal.ts';
import type { LedgerResultCode, LedgerView, StepResult } from './ledger.ts';
import { contractRow, contractState } from './storage-rows.ts';
import type { AccountId, AccountRow } from './store.ts';

/** Refusals of storage commands, after the ledger's own; the machine's rejections keep their names where they can. */
export const STORAGE_RESULT_CODES = [
  'unknown_contract', 'bad_terms', 'provider_insufficient_funds', 'contract_ended', 'stale_answer', 'no_open_challenge',
  'wrong_epoch', 'late_answer', 'wrong_proof_count', 'wrong_index', 'bad_proof', 'nothing_due',
] as const;

interface Parties {
  readonly contract_id: string;
  readonly requester: PublicKeyHex;
  readonly provider: PublicKeyHex;
}

export type StorageCommand =
  | {
      kind: 'storage_open'; contract_id: string; terms: StorageOpenTerms; leaves_per_challenge: number; first_commit: Uint8Array;
      requester_signature: string; provider_signature: string;
    }
  | ({ kind: 'storage_challenge'; epoch: number; beacon_secret: Uint8Array; next_commit: Uint8Array } & Parties)
  | ({ kind: 'storage_answer'; epoch: number; proofs: readonly LeafProof[]; signature: string } & Parties)
  | ({ kind: 'storage_tick' } & Parties)
  | ({ kind: 'storage_restarted'; down_since_ms: number } & Parties);

const STORAGE_KINDS: ReadonlySet<string> = new Set(['storage_open', 'storage_challenge', 'storage_answer', 'storage_tick', 'storage_restarted']);

export function isStorageCommand(command: { kind: string }): command is StorageCommand {
  return STORAGE_KINDS.has(command.kind);
}

export function storageKeys(c: StorageCommand): { account_ids: AccountId[]; channel_ids: ChannelId[]; contract_ids: string[] } {
  const parties = c.kind === 'storage_open' ? [c.terms.requester, c.terms.provider] : [c.requester, c.provider];
  return { account_ids: parties, channel_ids: [], contract_ids: [c.contract_id] };
}

/** The ledger checks Merkle proofs with node:crypto's SHA-256 (same rules as noble's, about 8× faster here). */
export const nodeSha256: Sha256 = (parts) => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
};

const fresh = (id: AccountId, now_ms: number): AccountRow => ({ id, balance_units: 0n, escrow_units: 0n, nonce: 0n, airdropped: false, created_at_ms: now_ms });

/** The machine's terms for a signed open: the ledger adds the start (now) and the leaves per challenge. */
export function contractTerms(c: Extract<StorageCommand, { kind: 'storage_open' }>, start_ms: number): ContractTerms {
  const t = c.terms;
  return {
    contract_id: c.contract_id, requester_key: t.requester, provider_key: t.provider, root: t.root, size_bytes: t.size_bytes,
    leaf_bytes: t.leaf_bytes, price_units_per_epoch: t.price_units_per_epoch, epochs: t.epochs, collateral_units: t.collateral_units,
    start_ms, epoch_ms: t.epoch_ms, answer_window_ms: t.answer_window_ms, leaves_per_challenge: c.leaves_per_challenge,
  };
}

export function storageStep(view: LedgerView, c: StorageCommand, now_ms: number, seq: number): StepResult {
  return c.kind === 'storage_open' ? open(view, c, now_ms, seq) : crank(view, c, now_ms, seq);
}

function open(view: LedgerView, c: Extract<StorageCommand, { kind: 'storage_open' }>, now_ms: number, seq: number): StepResult {
  const terms = contractTerms(c, now_ms);
  const bad = checkTerms(terms);
  if (bad) return { code: 'bad_terms', detail: bad };
  const escrow = terms.price_units_per_epoch * BigInt(terms.epochs);
  if (escrow > TOTAL_SUPPLY_UNITS || terms.collateral_units > TOTAL_SUPPLY_UNITS) return { code: 'amount_exceeds_supply' };
  const requester = view.account(c.terms.requester);
  if (!requester) return { code: 'unknown_account' };
  if (c.terms.nonce <= requester.nonce) return { code: 'stale_nonce' };
  if (requester.balance_units < escrow) return { code: 'insufficient_funds' };
  const provider = view.account(c.terms.provider) ?? fresh(c.terms.provider, now_ms);
  if (provider.balance_units < terms.collateral_units) return { code: 'provider_insufficient_funds' };
  // The id is derived from (requester, nonce) and nonces only grow, so an existing row means a broken invariant.
  assert(view.contract(c.contract_id) === undefined, `storage contract ${c.contract_id} already exists`);
  const opened = openContract(terms, c.first_commit);
  if (!opened.ok) return { code: 'bad_terms', detail: opened.reason };
  const t = c.terms;
  return {
    code: 'ok',
    accounts: [
      { ...requester, balance_units: requester.balance_units - escrow, escrow_units: requester.escrow_units + escrow, nonce: t.nonce },
      { ...provider, balance_units: provider.balance_units - t.collateral_units, escrow_units: provider.escrow_units + t.collateral_units },
    ],
    channels: [],
    contracts: [contractRow(opened.state, [], { retrieval_price_units: t.retrieval_price_units, open_seq: seq }, seq)],
    event: {
      kind: 'storage_open', account_a: t.requester, account_b: t.provider, channel_id: c.contract_id as ChannelId,
      fields: {
        contract_id: c.contract_id, requester: t.requester, provider: t.provider, root: bytesToHex(t.root), size_bytes: t.size_bytes,
        leaf_bytes: t.leaf_bytes, price_units_per_epoch: String(t.price_units_per_epoch), epochs: t.epochs,
        escrow_units: String(escrow), collateral_units: String(t.collateral_units), retrieval_price_units: String(t.retrieval_price_units),
        start_ms: now_ms, epoch_ms: t.epoch_ms, answer_window_ms: t.answer_window_ms, leaves_per_challenge: c.leaves_per_challenge,
        first_commit: bytesToHex(c.first_commit), nonce: String(t.nonce), requester_signature: c.requester_signature,
        provider_signature: c.provider_signature,
      },
    },
  };
}

type CrankCommand = Exclude<StorageCommand, { kind: 'storage_open' }>;

function machineEvent(c: CrankCommand): ContractEvent {
  switch (c.kind) {
    case 'storage_challenge': return { type: 'challenge', epoch: c.epoch, beacon_secret: c.beacon_secret, next_commit: c.next_commit };
    case 'storage_answer': return { type: 'answer', epoch: c.epoch, proofs: c.proofs };
    case 'storage_tick': return { type: 'tick' };
    case 'storage_restarted': return { type: 'verifier_restarted', down_since_ms: c.down_since_ms };
  }
}

/** The machine's rejection as the ledger's code: an answer for an epoch already settled is stale (a replay is one). */
function refusal(c: CrankCommand, s: ContractState, rejection: ContractRejection): LedgerResultCode {
  if (rejection === 'contract_ended') return 'contract_ended';
  if (c.kind !== 'storage_answer') return 'nothing_due';
  if (c.epoch < s.epoch) return 'stale_answer';
  switch (rejection) {
    case 'not_waiting_for_answer': return 'no_open_challenge';
    case 'late_answer': case 'wrong_proof_count': case 'wrong_index': case 'bad_proof': case 'wrong_epoch': return rejection;
    default: return 'no_open_challenge';
  }
}

/** What the effects move: escrow to the provider or back, collateral slashed to the requester or returned. */
function move(requester: AccountRow, provider: AccountRow, effects: readonly ContractEffect[]) {
  let r = requester;
  let p = provider;
  const sums = { paid: 0n, refunded: 0n, slashed: 0n, returned: 0n };
  for (const e of effects) {
    if (e.type === 'pay_provider') {
      r = { ...r, escrow_units: r.escrow_units - e.units };
      p = { ...p, balance_units: p.balance_units + e.units };
      sums.paid += e.units;
    } else if (e.type === 'refund_requester') {
      r = { ...r, escrow_units: r.escrow_units - e.units, balance_units: r.balance_units + e.units };
      sums.refunded += e.units;
    } else if (e.type === 'slash_collateral') {
      p = { ...p, escrow_units: p.escrow_units - e.units };
      r = { ...r, balance_units: r.balance_units + e.units };
      sums.slashed += e.units;
    } else if (e.type === 'return_collateral') {
      p = { ...p, escrow_units: p.escrow_units - e.units, balance_units: p.balance_units + e.units };
      sums.returned += e.units;
    }
  }
  return { r, p, sums };
}

function crank(view: LedgerView, c: CrankCommand, now_ms: number, seq: number): StepResult {
  const row = view.contract(c.contract_id);
  if (!row || row.requester !== c.requester || row.provider !== c.provider) return { code: 'unknown_contract' };
  const before = contractState(row);
  const step = crankContract(before, machineEvent(c), now_ms, nodeSha256);
  if (!step.ok) {
    // The ledger's own beacon must always match its commitment: a bad reveal is a bug, never a client's doing.
    assert(step.rejection !== 'bad_reveal' && step.rejection !== 'bad_commit', `storage contract ${row.id}: ${step.rejection}`);
    const code = refusal(c, before, step.rejection);
    return step.detail ? { code, detail: step.detail } : { code };
  }
  if (step.effects.length === 0) return { code: 'nothing_due' };
  const requester = view.account(row.requester);
  const provider = view.account(row.provider);
  assert(requester !== undefined && provider !== undefined, `storage contract ${row.id}: a party's account is missing`);
  const { r, p, sums } = move(requester, provider, step.effects);
  const next = contractRow(step.state, step.effects, row, seq);
  const base = { contract_id: row.id, epoch: before.epoch };
  const event = ((): JournalEvent => {
    const first = step.effects[0] as ContractEffect;
    if (first.type === 'challenge_issued') {
      return {
        kind: 'storage_challenge', account_a: row.requester, account_b: row.provider, channel_id: row.id as ChannelId,
        fields: {
          ...base, beacon_secret: bytesToHex((c as Extract<CrankCommand, { kind: 'storage_challenge' }>).beacon_secret),
          next_commit: bytesToHex(step.state.commit), deadline_ms: first.deadline_ms, leaves: first.indexes.length,
        },
      };
    }
    if (first.type === 'deadline_extended') {
      return {
        kind: 'storage_extend', account_a: row.requester, account_b: row.provider, channel_id: row.id as ChannelId,
        fields: { ...base, deadline_ms: first.deadline_ms, down_since_ms: (c as Extract<CrankCommand, { kind: 'storage_restarted' }>).down_since_ms },
      };
    }
    return {
      kind: 'storage_settle', account_a: row.requester, account_b: row.provider, channel_id: row.id as ChannelId,
      fields: {
        ...base, requester: row.requester, provider: row.provider, outcome: first.type === 'pay_provider' ? 'proof_accepted' : 'epoch_missed',
        paid_units: String(sums.paid), refunded_units: String(sums.refunded), slashed_units: String(sums.slashed),
        returned_units: String(sums.returned), reasons: step.effects.map(reasonOf).join(','), end_reason: step.state.end_reason ?? '',
        signature: c.kind === 'storage_answer' ? c.signature : '',
      },
    };
  })();
  return { code: 'ok', accounts: [r, p], channels: [], contracts: [next], event };
}

function reasonOf(e: ContractEffect): string {
  return 'reason' in e ? e.reason : e.type;
}

// A storage contract as the ledger stores it: the machine's state as JSON (storage-contract-json.ts) plus the columns
// the stores index and sum (who, phase, when the ledger must act next, the value it holds), and its API view.
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import { contractFromJSON, contractToJSON } from '../protocol/storage-contract-json.ts';
import { epochStartMs, type ContractEffect, type ContractPhase, type ContractState } from '../protocol/storage-contract.ts';
import { assert } from './invariant.ts';
import { big, int, type Raw } from './store-rows.ts';

export interface ContractRow {
  readonly id: string;
  readonly requester: PublicKeyHex;
  readonly provider: PublicKeyHex;
  readonly phase: ContractPhase;
  /** When the ledger must act next: the epoch's start (challenge) or just past the deadline (miss); null once ended. */
  readonly due_at_ms: number | null;
  /** Held now: the requester's escrow for the epochs left, and the provider's collateral not yet slashed or returned. */
  readonly escrow_units: Units;
  readonly collateral_units: Units;
  readonly retrieval_price_units: Units;
  /** The machine's full state (contractToJSON); every load checks its invariants. */
  readonly state_json: string;
  /** What the last transition did, with its reasons (JSON list): what the provider is shown. */
  readonly last_effects: string;
  readonly open_seq: number;
  readonly updated_seq: number;
}

/** The row for a state the machine produced; the money columns are copies of the state's, never decided here. */
export function contractRow(
  state: ContractState, effects: readonly ContractEffect[], base: { retrieval_price_units: Units; open_seq: number }, seq: number,
): ContractRow {
  const t = state.terms;
  const due_at_ms = state.phase === 'Ended' ? null
    : state.phase === 'WaitingForAnswer' ? (state.challenge?.deadline_ms ?? 0) + 1 : epochStartMs(t, state.epoch);
  return {
    id: t.contract_id, requester: t.requester_key, provider: t.provider_key, phase: state.phase, due_at_ms,
    escrow_units: state.escrow_units, collateral_units: state.collateral_units, retrieval_price_units: base.retrieval_price_units,
    state_json: contractToJSON(state), last_effects: effectsJson(effects), open_seq: base.open_seq, updated_seq: seq,
  };
}

export function effectsJson(effects: readonly ContractEffect[]): string {
  return JSON.stringify(effects.map((e) => {
    const { indexes: _indexes, ...rest } = e as ContractEffect & { indexes?: unknown };
    return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, typeof v === 'bigint' ? String(v) : v]));
  }));
}

/** The machine's state of a stored row; a row that fails the machine's invariants is a bug and throws. */
export function contractState(row: ContractRow): ContractState {
  const loaded = contractFromJSON(row.state_json);
  assert(loaded.ok, `storage contract ${row.id}: stored state is unreadable or breaks an invariant`);
  const s = loaded.state;
  assert(s.escrow_units === row.escrow_units && s.collateral_units === row.collateral_units && s.phase === row.phase,
    `storage contract ${row.id}: columns differ from its state`);
  return s;
}

export function toContract(r: Raw): ContractRow {
  return {
    id: r.id as string, requester: r.requester as PublicKeyHex, provider: r.provider as PublicKeyHex, phase: r.phase as ContractPhase,
    due_at_ms: r.due_at_ms === null || r.due_at_ms === undefined ? null : int(r.due_at_ms),
    escrow_units: big(r.escrow_units), collateral_units: big(r.collateral_units), retrieval_price_units: big(r.retrieval_price_units),
    state_json: r.state_json as string, last_effects: r.last_effects as string, open_seq: int(r.open_seq), updated_seq: int(r.updated_seq),
  };
}

/** The contract as GET /storage/contracts/:id shows it: terms, where it stands, the money, and the last reasons. */
export function contractView(row: ContractRow, beacon_secret: ((epoch: number) => Uint8Array) | null): Record<string, unknown> {
  const s = contractState(row);
  const t = s.terms;
  const misses = s.recent_misses.length;
  return {
    contract_id: row.id,
    requester: row.requester,
    provider: row.provider,
    terms: {
      root: bytesToHex(t.root), size_bytes: t.size_bytes, leaf_bytes: t.leaf_bytes, price_units_per_epoch: String(t.price_units_per_epoch),
      epochs: t.epochs, collateral_units: String(t.collateral_units), retrieval_price_units: String(row.retrieval_price_units),
      start_ms: t.start_ms, epoch_ms: t.epoch_ms, answer_window_ms: t.answer_window_ms, leaves_per_challenge: t.leaves_per_challenge,
    },
    phase: s.phase,
    epoch: s.epoch,
    next_commit: bytesToHex(s.commit),
    challenge: s.challenge && beacon_secret
      ? { epoch: s.challenge.epoch, indexes: s.challenge.indexes, deadline_ms: s.challenge.deadline_ms, beacon_secret: bytesToHex(beacon_secret(s.challenge.epoch)) }
      : null,
    next_epoch_at_ms: s.phase === 'WaitingForEpoch' ? epochStartMs(t, s.epoch) : null,
    escrow_units: String(s.escrow_units),
    collateral_units: String(s.collateral_units),
    paid_units: String(s.paid_units),
    refunded_units: String(s.refunded_units),
    slashed_units: String(s.slashed_units),
    returned_units: String(s.returned_units),
    passed_epochs: s.passed_epochs,
    missed_epochs: s.missed_epochs,
    misses_in_window: misses,
    end_reason: s.end_reason,
    last_effects: JSON.parse(row.last_effects) as unknown,
    updated_seq: row.updated_seq,
  };
}

// Paid storage's contract state as JSON (bigints as decimal strings, bytes as hex), so the ledger can store it and
// reload it after a crash. A loaded record is checked field by field and then against every invariant.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { parseUnits } from './money.ts';
import { MAX_CHALLENGE_LEAVES } from './storage-challenge.ts';
import {
  assertContractInvariants, END_AFTER_MISSES, type ContractPhase, type ContractState, type ContractTerms, type EndReason,
} from './storage-contract-state.ts';
import type { PublicKeyHex } from './ed25519.ts';

/** A stored record larger than this is not one of ours (a full state is a few kilobytes). */
export const MAX_CONTRACT_RECORD_LENGTH = 64 * 1024;

export function contractToJSON(s: ContractState): string {
  const t = s.terms;
  return JSON.stringify({
    v: 1,
    terms: { ...t, root: bytesToHex(t.root), price_units_per_epoch: t.price_units_per_epoch.toString(), collateral_units: t.collateral_units.toString() },
    phase: s.phase, epoch: s.epoch, commit: bytesToHex(s.commit), challenge: s.challenge,
    escrow_units: s.escrow_units.toString(), collateral_units: s.collateral_units.toString(), paid_units: s.paid_units.toString(),
    refunded_units: s.refunded_units.toString(), slashed_units: s.slashed_units.toString(), returned_units: s.returned_units.toString(),
    passed_epochs: s.passed_epochs, missed_epochs: s.missed_epochs, recent_misses: s.recent_misses, end_reason: s.end_reason,
  });
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('not an object');
  return value as Json;
}

function str(value: unknown): string {
  if (typeof value !== 'string') throw new TypeError('not a string');
  return value;
}

function int(value: unknown): number {
  if (!Number.isSafeInteger(value)) throw new TypeError('not an integer');
  return value as number;
}

function hash(value: unknown): Uint8Array {
  const text = str(value);
  if (!/^[0-9a-f]{64}$/.test(text)) throw new TypeError('not a 32-byte hex hash');
  return hexToBytes(text);
}

function ints(value: unknown, max: number): number[] {
  if (!Array.isArray(value) || value.length > max) throw new TypeError('not a bounded list');
  return value.map(int);
}

const PHASES: readonly ContractPhase[] = ['WaitingForEpoch', 'WaitingForAnswer', 'Ended'];
const END_REASONS: readonly EndReason[] = ['completed', 'too_many_misses'];

function terms(value: unknown): ContractTerms {
  const t = obj(value);
  return {
    contract_id: str(t.contract_id), requester_key: str(t.requester_key) as PublicKeyHex, provider_key: str(t.provider_key) as PublicKeyHex,
    root: hash(t.root), size_bytes: int(t.size_bytes), leaf_bytes: int(t.leaf_bytes),
    price_units_per_epoch: parseUnits(str(t.price_units_per_epoch)), epochs: int(t.epochs),
    collateral_units: parseUnits(str(t.collateral_units)), start_ms: int(t.start_ms), epoch_ms: int(t.epoch_ms),
    answer_window_ms: int(t.answer_window_ms), leaves_per_challenge: int(t.leaves_per_challenge),
  };
}

/** Reads a stored contract; a record that is malformed or breaks an invariant is refused, never half-loaded. */
export function contractFromJSON(text: string): { readonly ok: true; readonly state: ContractState } | { readonly ok: false; readonly reason: 'bad_record' } {
  try {
    if (typeof text !== 'string' || text.length > MAX_CONTRACT_RECORD_LENGTH) return { ok: false, reason: 'bad_record' };
    const r = obj(JSON.parse(text));
    if (r.v !== 1) return { ok: false, reason: 'bad_record' };
    const phase = PHASES.find((p) => p === r.phase);
    const end_reason = r.end_reason === null ? null : END_REASONS.find((e) => e === r.end_reason);
    if (!phase || end_reason === undefined) return { ok: false, reason: 'bad_record' };
    let challenge: ContractState['challenge'] = null;
    if (r.challenge !== null) {
      const c = obj(r.challenge);
      challenge = { epoch: int(c.epoch), indexes: ints(c.indexes, MAX_CHALLENGE_LEAVES), deadline_ms: int(c.deadline_ms) };
    }
    const state: ContractState = {
      terms: terms(r.terms), phase, epoch: int(r.epoch), commit: hash(r.commit), challenge,
      escrow_units: parseUnits(str(r.escrow_units)), collateral_units: parseUnits(str(r.collateral_units)),
      paid_units: parseUnits(str(r.paid_units)), refunded_units: parseUnits(str(r.refunded_units)),
      slashed_units: parseUnits(str(r.slashed_units)), returned_units: parseUnits(str(r.returned_units)),
      passed_epochs: int(r.passed_epochs), missed_epochs: int(r.missed_epochs),
      recent_misses: ints(r.recent_misses, END_AFTER_MISSES), end_reason,
    };
    assertContractInvariants(state);
    return { ok: true, state };
  } catch {
    return { ok: false, reason: 'bad_record' };
  }
}

// JSON form of the provider's channel state, so earned totals and the states to close with survive a reload.
// Amounts and seqs are decimal strings; loading validates every field and the machine's invariants, throwing if broken.
import type { Units } from './money.ts';
import {
  invariant, jsonChannelId, jsonInt, jsonKey, jsonObject, jsonOneOf, jsonSeq, jsonUnits, signedStateFromJson,
  signedStateToJson, type Json,
} from './channel-types.ts';
import { assertPayeeInvariants, type PayeeChannel, type PayeePhase, type PayeeState, type UnpaidPiece } from './channel-payee.ts';

const PAYEE_JSON_VERSION = 1;
const PHASES: readonly PayeePhase[] = ['WaitingForChannel', 'WaitingForLedgerCheck', 'Serving', 'Closing', 'Closed'];
const MAX_CLOSING_ON_LOAD = 64;

export function payeeToJson(s: PayeeState): Json {
  const ch = s.channel;
  const u = s.unpaid;
  return {
    v: PAYEE_JSON_VERSION,
    phase: s.phase,
    terms: { ...s.terms, min_escrow_units: s.terms.min_escrow_units.toString() },
    price_units_per_kib: s.price_units_per_kib.toString(),
    pending_price_units_per_kib: s.pending_price_units_per_kib?.toString() ?? null,
    candidate_id: s.candidate_id,
    channel: ch && {
      channel_id: ch.channel_id,
      escrow_units: ch.escrow_units.toString(),
      expires_at_ms: ch.expires_at_ms,
      paid_units: ch.paid_units.toString(),
      seq: ch.seq.toString(),
      last: ch.last && signedStateToJson(ch.last),
    },
    retired_ids: [...s.retired_ids],
    closing: s.closing.map(signedStateToJson),
    settled_units: s.settled_units.toString(),
    owed_units: s.owed_units.toString(),
    unpaid: u && { ...u, cost_units: u.cost_units.toString() },
    failures: s.failures,
    banned_until_ms: s.banned_until_ms,
  };
}

export function payeeFromJson(value: unknown): PayeeState {
  const o = jsonObject(value, 'payee');
  invariant(o.v === PAYEE_JSON_VERSION, 'payee.v: unsupported version');
  const t = jsonObject(o.terms, 'payee.terms');
  invariant(Array.isArray(o.retired_ids) && Array.isArray(o.closing), 'payee: retired_ids and closing must be arrays');
  invariant(o.closing.length <= MAX_CLOSING_ON_LOAD, 'payee.closing: too many');
  const state: PayeeState = {
    phase: jsonOneOf(o.phase, PHASES, 'payee.phase'),
    terms: {
      payee_key: jsonKey(t.payee_key, 'payee.terms.payee_key'),
      payer_key: jsonKey(t.payer_key, 'payee.terms.payer_key'),
      piece_length_bytes: jsonInt(t.piece_length_bytes, 'payee.terms.piece_length_bytes', 1),
      min_escrow_units: jsonUnits(t.min_escrow_units, 'payee.terms.min_escrow_units'),
    },
    price_units_per_kib: jsonUnits(o.price_units_per_kib, 'payee.price_units_per_kib'),
    pending_price_units_per_kib: nullable(o.pending_price_units_per_kib, (v) => jsonUnits(v, 'payee.pending_price_units_per_kib')),
    candidate_id: nullable(o.candidate_id, (v) => jsonChannelId(v, 'payee.candidate_id')),
    channel: nullable(o.channel, channelFromJson),
    retired_ids: o.retired_ids.map((v, i) => jsonChannelId(v, `payee.retired_ids[${i}]`)),
    closing: o.closing.map((v, i) => signedStateFromJson(v, `payee.closing[${i}]`)),
    settled_units: jsonUnits(o.settled_units, 'payee.settled_units'),
    owed_units: jsonUnits(o.owed_units, 'payee.owed_units'),
    unpaid: nullable(o.unpaid, unpaidFromJson),
    failures: jsonInt(o.failures, 'payee.failures'),
    banned_until_ms: nullable(o.banned_until_ms, (v) => jsonInt(v, 'payee.banned_until_ms')),
  };
  assertPayeeInvariants(state);
  return state;
}

function channelFromJson(value: unknown): PayeeChannel {
  const c = jsonObject(value, 'payee.channel');
  return {
    channel_id: jsonChannelId(c.channel_id, 'payee.channel.channel_id'),
    escrow_units: jsonUnits(c.escrow_units, 'payee.channel.escrow_units'),
    expires_at_ms: jsonInt(c.expires_at_ms, 'payee.channel.expires_at_ms'),
    paid_units: jsonUnits(c.paid_units, 'payee.channel.paid_units'),
    seq: jsonSeq(c.seq, 'payee.channel.seq'),
    last: nullable(c.last, (v) => signedStateFromJson(v, 'payee.channel.last')),
  };
}

function unpaidFromJson(value: unknown): UnpaidPiece {
  const u = jsonObject(value, 'payee.unpaid');
  invariant(typeof u.deadline_missed === 'boolean', 'payee.unpaid.deadline_missed: expected a boolean');
  const cost_units: Units = jsonUnits(u.cost_units, 'payee.unpaid.cost_units');
  return {
    index: jsonInt(u.index, 'payee.unpaid.index'),
    cost_units,
    delivered_at_ms: nullable(u.delivered_at_ms, (v) => jsonInt(v, 'payee.unpaid.delivered_at_ms')),
    deadline_missed: u.deadline_missed,
  };
}

function nullable<T>(value: unknown, parse: (value: unknown) => T): T | null {
  return value === null ? null : parse(value);
}

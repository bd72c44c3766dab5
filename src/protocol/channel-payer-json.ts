// JSON form of the requester's channel state, persisted across reloads so no piece is ever paid twice.
// Amounts and seqs are decimal strings, the paid-piece bitfield is hex; loading validates every field and invariant.
import {
  invariant, jsonChannelId, jsonInt, jsonKey, jsonObject, jsonOneOf, jsonSeq, jsonUnits, type Json,
} from './channel-types.ts';
import {
  assertPayerInvariants, MAX_PIECE_COUNT, type OwedPiece, type PayerChannel, type PayerPhase, type PayerState, type StopReason,
} from './channel-payer.ts';
import { pieceSetFromHex, pieceSetToHex } from './piece-set.ts';

const PAYER_JSON_VERSION = 1;
const PHASES: readonly PayerPhase[] = ['WaitingForBidResponse', 'WaitingForChannel', 'Paying', 'Done', 'Stopped', 'Banned'];
const STOP_REASONS: readonly StopReason[] = ['torrent_cap', 'day_cap', 'price_above_bid', 'not_charged', 'channel_open_failed', 'channel_rejected', 'channel_churn'];

export function payerToJson(s: PayerState): Json {
  const ch = s.channel;
  return {
    v: PAYER_JSON_VERSION,
    phase: s.phase,
    payer_key: s.payer_key,
    payee_key: s.payee_key,
    piece_length_bytes: s.piece_length_bytes,
    piece_count: s.piece_count,
    price_units_per_kib: s.price_units_per_kib.toString(),
    min_escrow_units: s.min_escrow_units.toString(),
    requested_escrow_units: s.requested_escrow_units?.toString() ?? null,
    channel: ch && {
      channel_id: ch.channel_id,
      escrow_units: ch.escrow_units.toString(),
      expires_at_ms: ch.expires_at_ms,
      amount_units: ch.amount_units.toString(),
      seq: ch.seq.toString(),
      exhausted: ch.exhausted,
    },
    retired_units: s.retired_units.toString(),
    paid_pieces: pieceSetToHex(s.paid_pieces),
    owed: s.owed && { index: s.owed.index, cost_units: s.owed.cost_units.toString() },
    empty_channels: s.empty_channels,
    stop_reason: s.stop_reason,
  };
}

export function payerFromJson(value: unknown): PayerState {
  const o = jsonObject(value, 'payer');
  invariant(o.v === PAYER_JSON_VERSION, 'payer.v: unsupported version');
  const piece_count = jsonInt(o.piece_count, 'payer.piece_count', 1);
  invariant(piece_count <= MAX_PIECE_COUNT, 'payer.piece_count: too large');
  invariant(typeof o.paid_pieces === 'string' && /^([0-9a-f]{2})*$/.test(o.paid_pieces), 'payer.paid_pieces: expected hex');
  const state: PayerState = {
    phase: jsonOneOf(o.phase, PHASES, 'payer.phase'),
    payer_key: jsonKey(o.payer_key, 'payer.payer_key'),
    payee_key: nullable(o.payee_key, (v) => jsonKey(v, 'payer.payee_key')),
    piece_length_bytes: jsonInt(o.piece_length_bytes, 'payer.piece_length_bytes', 1),
    piece_count,
    price_units_per_kib: jsonUnits(o.price_units_per_kib, 'payer.price_units_per_kib'),
    min_escrow_units: jsonUnits(o.min_escrow_units, 'payer.min_escrow_units'),
    requested_escrow_units: nullable(o.requested_escrow_units, (v) => jsonUnits(v, 'payer.requested_escrow_units')),
    channel: nullable(o.channel, channelFromJson),
    retired_units: jsonUnits(o.retired_units, 'payer.retired_units'),
    paid_pieces: pieceSetFromHex(o.paid_pieces, piece_count),
    owed: nullable(o.owed, owedFromJson),
    empty_channels: jsonInt(o.empty_channels, 'payer.empty_channels'),
    stop_reason: nullable(o.stop_reason, (v) => jsonOneOf(v, STOP_REASONS, 'payer.stop_reason')),
  };
  assertPayerInvariants(state);
  return state;
}

function channelFromJson(value: unknown): PayerChannel {
  const c = jsonObject(value, 'payer.channel');
  invariant(typeof c.exhausted === 'boolean', 'payer.channel.exhausted: expected a boolean');
  return {
    channel_id: jsonChannelId(c.channel_id, 'payer.channel.channel_id'),
    escrow_units: jsonUnits(c.escrow_units, 'payer.channel.escrow_units'),
    expires_at_ms: jsonInt(c.expires_at_ms, 'payer.channel.expires_at_ms'),
    amount_units: jsonUnits(c.amount_units, 'payer.channel.amount_units'),
    seq: jsonSeq(c.seq, 'payer.channel.seq'),
    exhausted: c.exhausted,
  };
}

function owedFromJson(value: unknown): OwedPiece {
  const o = jsonObject(value, 'payer.owed');
  return { index: jsonInt(o.index, 'payer.owed.index'), cost_units: jsonUnits(o.cost_units, 'payer.owed.cost_units') };
}

function nullable<T>(value: unknown, parse: (value: unknown) => T): T | null {
  return value === null ? null : parse(value);
}

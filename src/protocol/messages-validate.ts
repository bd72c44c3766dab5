// Field readers for Speed messages: each checks one field of a decoded dict against a named limit and names the
// field when it fails. Shared by the message codec and the handshake parser; failures become typed results there.
import type { BValue } from './messages-bencode.ts';

/** What was wrong with a message, ordered roughly from "the peer is newer than us" to "the peer is broken". */
export type DecodeErrorCode = 'unknown_type' | 'missing_field' | 'wrong_type' | 'out_of_range' | 'too_large' | 'malformed';

/** How the connection should react (rust-lightning style): the codec advises, the shell acts. */
export type Reaction = 'ignore' | 'warn' | 'disconnect' | 'ban';

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly field?: string;
  readonly reaction: Reaction;
  /** Short text for logs; never shown to users unescaped, never parsed. */
  readonly detail?: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DecodeError };

/**
 * Unknown types are ignored so a newer peer can add messages; a malformed field is a warning (the message is
 * dropped, the shell counts warnings); bytes that are not canonical bencode, or too large, end the connection.
 * 'ban' is never chosen by the codec: bans come from payment and piece failures in the channel state machines.
 */
export const REACTION_FOR: Readonly<Record<DecodeErrorCode, Reaction>> = {
  unknown_type: 'ignore',
  missing_field: 'warn',
  wrong_type: 'warn',
  out_of_range: 'warn',
  too_large: 'disconnect',
  malformed: 'disconnect',
};

export function failure<T>(code: DecodeErrorCode, field?: string, detail?: string): Result<T> {
  const error: DecodeError = { code, reaction: REACTION_FOR[code] };
  return {
    ok: false,
    error: { ...error, ...(field === undefined ? {} : { field }), ...(detail === undefined ? {} : { detail }) },
  };
}

/** Thrown by the readers below and caught by the codec's decode, which turns it into a Result. Never escapes. */
export class FieldError extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    readonly field: string,
    detail: string,
  ) {
    super(detail);
  }
}

export type Dict = ReadonlyMap<string, BValue>;

function get(dict: Dict, field: string): BValue {
  const value = dict.get(field);
  if (value === undefined) throw new FieldError('missing_field', field, 'missing');
  return value;
}

/** An integer amount in base units within [min, max] (min defaults to 0). */
export function readUnits(dict: Dict, field: string, max: bigint, min = 0n): bigint {
  const value = get(dict, field);
  if (typeof value !== 'bigint') throw new FieldError('wrong_type', field, 'expected an integer');
  if (value < min || value > max) throw new FieldError('out_of_range', field, `expected ${min}..${max}`);
  return value;
}

/** A small integer (lengths, counts, durations) as a JS number within [min, max]. */
export function readInt(dict: Dict, field: string, min: number, max: number): number {
  const value = get(dict, field);
  if (typeof value !== 'bigint') throw new FieldError('wrong_type', field, 'expected an integer');
  if (value < BigInt(min) || value > BigInt(max)) throw new FieldError('out_of_range', field, `expected ${min}..${max}`);
  return Number(value);
}

/** A byte string of exactly `length` bytes (keys, ids, signatures); a wrong length is out of range. */
export function readBytes(dict: Dict, field: string, length: number): Uint8Array {
  const value = get(dict, field);
  if (!(value instanceof Uint8Array)) throw new FieldError('wrong_type', field, 'expected a byte string');
  if (value.length !== length) throw new FieldError('out_of_range', field, `expected ${length} bytes`);
  return value;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 text of at most `max_bytes` bytes matching `pattern`; invalid UTF-8 is malformed, a mismatch out of range. */
export function readText(dict: Dict, field: string, max_bytes: number, pattern: RegExp): string {
  const value = get(dict, field);
  if (!(value instanceof Uint8Array)) throw new FieldError('wrong_type', field, 'expected a byte string');
  if (value.length > max_bytes) throw new FieldError('out_of_range', field, `expected at most ${max_bytes} bytes`);
  let text: string;
  try {
    text = utf8Strict.decode(value);
  } catch {
    throw new FieldError('malformed', field, 'not UTF-8');
  }
  if (!pattern.test(text)) throw new FieldError('out_of_range', field, 'unexpected characters');
  return text;
}

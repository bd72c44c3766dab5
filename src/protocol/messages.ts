// Speed extension (BEP 10) message codec: typed messages <-> canonical bencoded dicts tagged by integer `msg_type`.
// Peers are hostile: decode validates every field against a named limit and returns a typed result, never throws.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, isPublicKeyHex, type PublicKeyHex } from './ed25519.ts';
import { bdecode, bencode, type BValue } from './messages-bencode.ts';
import { MAX_AMOUNT_UNITS, type Units } from './money.ts';
import { MAX_PIECE_LENGTH_BYTES } from './channel-types.ts';
import { CHANNEL_ID_BYTES, MAX_SEQ, channelIdFromBytes, channelIdToBytes, type ChannelId } from './payment-state.ts';
import {
  FieldError,
  failure,
  readBytes,
  readInt,
  readText,
  readUnits,
  type Dict,
  type Result,
} from './messages-validate.ts';

export { REACTION_FOR, type DecodeError, type DecodeErrorCode, type Reaction, type Result } from './messages-validate.ts';

/** The name registered in the BEP 10 `m` dictionary and the key of our fields in the extended handshake. */
export const SPEED_EXTENSION_NAME = 'seedpay_speed';

/** Wire tags (ut_metadata style). Numbers are never reused; a new message gets a new number. */
export const MSG_TYPE = { bid: 0, bid_response: 1, channel: 2, payment: 3, done: 4, error: 5 } as const;
export type MessageType = keyof typeof MSG_TYPE;

/** Largest Speed message accepted, in bytes: the largest legal one (an error) is 324 bytes; room to grow. */
export const MAX_MESSAGE_BYTES = 1024;
/** Longest byte string in any message, in bytes (the error reason); longer strings are a flood, not a field. */
export const MAX_STRING_BYTES = 256;
/** Messages are flat dicts; unknown extra fields may nest a little, no more. */
export const MAX_DEPTH = 4;
/** Most bencode values in one message, counting unknown fields: bounds decoding work per message. */
export const MAX_ITEMS = 64;
/** Prices and amounts fit u64 (money.ts MAX_AMOUNT_UNITS); bencode integers carry them exactly. */
export const MAX_PRICE_UNITS_PER_KIB: Units = MAX_AMOUNT_UNITS;
/** The channel machines' piece-length limit (channel-types.ts): the codec accepts exactly what they accept. */
export { MAX_PIECE_LENGTH_BYTES };
/** Prices are positive: a zero price would mean a channel that pays nothing (the channel machines refuse it). */
export const MIN_PRICE_UNITS_PER_KIB: Units = 1n;
/** A provider may announce up to this many unpaid pieces; this implementation always announces 1. */
export const MAX_UNPAID_PIECES = 16;
/** Payment deadlines beyond 10 minutes would let a requester hold a provider's bandwidth on credit too long. */
export const MAX_PAYMENT_DEADLINE_MS = 600_000;
/** Below one second a ledger round trip cannot fit, so the deadline could never be met. */
export const MIN_PAYMENT_DEADLINE_MS = 1_000;
/** A ledger is named by its Ed25519 public key (src/ledger: `ledger_id`), 32 bytes on the wire. */
export const LEDGER_ID_BYTES = PUBLIC_KEY_BYTES;
export const MAX_ERROR_CODE_BYTES = 32;
export const ERROR_CODE_PATTERN = /^[a-z0-9_]{1,32}$/;
export const MAX_ERROR_REASON_BYTES = MAX_STRING_BYTES;
const ANY_TEXT = /^[^]*$/;

export interface BidMessage {
  readonly type: 'bid';
  /** What the requester offers per KiB delivered; 0 withdraws the bid (the requester becomes a non-bidder). */
  readonly price_units_per_kib: Units;
}

export interface BidResponseMessage {
  readonly type: 'bid_response';
  /** The uniform clearing price this provider will charge, per KiB, for pieces it starts after this message. */
  readonly price_units_per_kib: Units;
  readonly payee_pk: PublicKeyHex;
  readonly ledger_id: PublicKeyHex;
  readonly min_escrow_units: Units;
  readonly piece_length_bytes: number;
  readonly max_unpaid_pieces: number;
  readonly payment_deadline_ms: number;
}

export interface ChannelMessage {
  readonly type: 'channel';
  /** The channel the requester opened to the provider's payee key; the provider reads its terms from the ledger. */
  readonly channel_id: ChannelId;
}

export interface PaymentMessage {
  readonly type: 'payment';
  readonly channel_id: ChannelId;
  /** Cumulative amount for the channel (payment-state.ts), not an increment. */
  readonly amount_units: Units;
  readonly seq: bigint;
  readonly signature: Uint8Array;
}

export interface DoneMessage {
  readonly type: 'done';
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly code: string;
  readonly reason: string;
}

export type SpeedMessage =
  | BidMessage
  | BidResponseMessage
  | ChannelMessage
  | PaymentMessage
  | DoneMessage
  | ErrorMessage;

const utf8 = new TextEncoder();
const TYPE_BY_NUMBER = new Map<bigint, MessageType>(
  Object.entries(MSG_TYPE).map(([name, number]) => [BigInt(number), name as MessageType]),
);

/** Encodes a message. Throws if the message breaks a limit: our own messages are built by us, so that is a bug. */
export function encode(message: SpeedMessage): Uint8Array {
  const bytes = bencode(toDict(message));
  const check = decode(bytes);
  if (!check.ok) {
    const { code, field, detail } = check.error;
    throw new RangeError(`encode ${message.type}: ${code}${field ? ` (${field})` : ''}${detail ? `: ${detail}` : ''}`);
  }
  return bytes;
}

function toDict(message: SpeedMessage): Map<string, BValue> {
  const dict = new Map<string, BValue>([['msg_type', BigInt(MSG_TYPE[message.type])]]);
  switch (message.type) {
    case 'bid':
      dict.set('price_units_per_kib', message.price_units_per_kib);
      break;
    case 'bid_response':
      dict.set('price_units_per_kib', message.price_units_per_kib);
      if (!isPublicKeyHex(message.payee_pk)) throw new TypeError('encode bid_response: payee_pk is not lowercase hex');
      dict.set('payee_pk', hexToBytes(message.payee_pk));
      if (!isPublicKeyHex(message.ledger_id)) throw new TypeError('encode bid_response: ledger_id is not lowercase hex');
      dict.set('ledger_id', hexToBytes(message.ledger_id));
      dict.set('min_escrow_units', message.min_escrow_units);
      dict.set('piece_length_bytes', BigInt(message.piece_length_bytes));
      dict.set('max_unpaid_pieces', BigInt(message.max_unpaid_pieces));
      dict.set('payment_deadline_ms', BigInt(message.payment_deadline_ms));
      break;
    case 'channel':
      dict.set('channel_id', channelIdToBytes(message.channel_id));
      break;
    case 'payment':
      dict.set('channel_id', channelIdToBytes(message.channel_id));
      dict.set('amount_units', message.amount_units);
      dict.set('seq', message.seq);
      dict.set('signature', message.signature);
      break;
    case 'done':
      break;
    case 'error':
      dict.set('code', utf8.encode(message.code));
      dict.set('reason', utf8.encode(message.reason));
      break;
  }
  return dict;
}

/** Decodes one Speed message payload (the bytes after the BEP 10 extended message id). Never throws. */
export function decode(bytes: Uint8Array): Result<SpeedMessage> {
  if (!(bytes instanceof Uint8Array)) return failure('malformed', undefined, 'not bytes');
  if (bytes.length > MAX_MESSAGE_BYTES) return failure('too_large', undefined, `over ${MAX_MESSAGE_BYTES} bytes`);
  const parsed = bdecode(bytes, { max_string_bytes: MAX_STRING_BYTES, max_depth: MAX_DEPTH, max_items: MAX_ITEMS });
  if (!parsed.ok) return failure(parsed.code, undefined, parsed.detail);
  if (!(parsed.value instanceof Map)) return failure('malformed', undefined, 'not a dict');
  const dict: Dict = parsed.value;
  const tag = dict.get('msg_type');
  if (tag === undefined) return failure('missing_field', 'msg_type');
  if (typeof tag !== 'bigint') return failure('wrong_type', 'msg_type', 'expected an integer');
  const type = TYPE_BY_NUMBER.get(tag);
  if (type === undefined) return failure('unknown_type', 'msg_type', `msg_type ${tag}`);
  try {
    return { ok: true, value: fromDict(type, dict) };
  } catch (error) {
    if (error instanceof FieldError) return failure(error.code, error.field, error.message);
    return failure('malformed', undefined, 'decoder error');
  }
}

function fromDict(type: MessageType, dict: Dict): SpeedMessage {
  switch (type) {
    case 'bid':
      return { type, price_units_per_kib: readUnits(dict, 'price_units_per_kib', MAX_PRICE_UNITS_PER_KIB) };
    case 'bid_response':
      return {
        type,
        price_units_per_kib: readUnits(dict, 'price_units_per_kib', MAX_PRICE_UNITS_PER_KIB, MIN_PRICE_UNITS_PER_KIB),
        payee_pk: bytesToHex(readBytes(dict, 'payee_pk', PUBLIC_KEY_BYTES)) as PublicKeyHex,
        ledger_id: bytesToHex(readBytes(dict, 'ledger_id', LEDGER_ID_BYTES)) as PublicKeyHex,
        min_escrow_units: readUnits(dict, 'min_escrow_units', MAX_AMOUNT_UNITS),
        piece_length_bytes: readInt(dict, 'piece_length_bytes', 1, MAX_PIECE_LENGTH_BYTES),
        max_unpaid_pieces: readInt(dict, 'max_unpaid_pieces', 1, MAX_UNPAID_PIECES),
        payment_deadline_ms: readInt(dict, 'payment_deadline_ms', MIN_PAYMENT_DEADLINE_MS, MAX_PAYMENT_DEADLINE_MS),
      };
    case 'channel':
      return { type, channel_id: channelIdFromBytes(readBytes(dict, 'channel_id', CHANNEL_ID_BYTES)) };
    case 'payment':
      return {
        type,
        channel_id: channelIdFromBytes(readBytes(dict, 'channel_id', CHANNEL_ID_BYTES)),
        amount_units: readUnits(dict, 'amount_units', MAX_AMOUNT_UNITS),
        seq: readUnits(dict, 'seq', MAX_SEQ),
        signature: readBytes(dict, 'signature', SIGNATURE_BYTES),
      };
    case 'done':
      return { type };
    case 'error':
      return {
        type,
        code: readText(dict, 'code', MAX_ERROR_CODE_BYTES, ERROR_CODE_PATTERN),
        reason: readText(dict, 'reason', MAX_ERROR_REASON_BYTES, ANY_TEXT),
      };
  }
}

// Speed fields of the BEP 10 extended handshake: protocol version, ledger id, payment public key, nested under
// SPEED_EXTENSION_NAME. Input is the handshake as bittorrent-protocol decodes it (plain objects), so it is untrusted.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { PUBLIC_KEY_BYTES, isPublicKeyHex, type PublicKeyHex } from './ed25519.ts';
import { LEDGER_ID_BYTES, SPEED_EXTENSION_NAME } from './messages.ts';
import { failure, type Result } from './messages-validate.ts';

/**
 * The version this implementation speaks. Version 2 binds every payment state to its session (payment-state.ts v2);
 * version 1's states are not accepted, so a peer below MIN_PROTOCOL_VERSION runs as legacy. From 2 on, versions only
 * add; a later breaking change takes a new extension name.
 */
export const SPEED_PROTOCOL_VERSION = 2;
/** The oldest version this implementation pays and accepts payments with. */
export const MIN_PROTOCOL_VERSION = 2;
/** Versions are small counters; anything larger is garbage, not a future release. */
export const MAX_PROTOCOL_VERSION = 65_535;

export interface SpeedHandshake {
  readonly version: number;
  /** The ledger's public key: which ledger holds this peer's account. Peers on different ledgers cannot pay each other. */
  readonly ledger_id: PublicKeyHex;
  /** Ed25519 key that signs (requester) or receives (provider) payments on that ledger. */
  readonly payment_pk: PublicKeyHex;
}

/**
 * The value to set as `extendedHandshake[SPEED_EXTENSION_NAME]`. Plain numbers and Uint8Arrays only, because the
 * handshake is encoded by the `bencode` package inside bittorrent-protocol (fine here: no value exceeds 2^53).
 */
export function handshakeFields(handshake: SpeedHandshake): { version: number; ledger_id: Uint8Array; payment_pk: Uint8Array } {
  if (!Number.isSafeInteger(handshake.version) || handshake.version < 1 || handshake.version > MAX_PROTOCOL_VERSION) {
    throw new RangeError('handshake version out of range');
  }
  if (!isPublicKeyHex(handshake.ledger_id)) throw new TypeError('handshake ledger_id is not lowercase hex');
  if (!isPublicKeyHex(handshake.payment_pk)) throw new TypeError('handshake payment_pk is not lowercase hex');
  return {
    version: handshake.version,
    ledger_id: hexToBytes(handshake.ledger_id),
    payment_pk: hexToBytes(handshake.payment_pk),
  };
}

/**
 * Reads our fields from a peer's decoded extended handshake. Any failure means "treat as a legacy peer": the
 * reaction is advice for logging, Speed is simply not used on that wire.
 */
export function parseHandshake(extended: unknown): Result<SpeedHandshake> {
  const fields = own(extended, SPEED_EXTENSION_NAME);
  if (fields === undefined) return failure('missing_field', SPEED_EXTENSION_NAME);
  if (!isPlainRecord(fields)) return failure('wrong_type', SPEED_EXTENSION_NAME, 'expected a dict');

  const version = own(fields, 'version');
  if (version === undefined) return failure('missing_field', 'version');
  const versionNumber = typeof version === 'bigint' ? version : typeof version === 'number' ? version : null;
  if (versionNumber === null || (typeof versionNumber === 'number' && !Number.isInteger(versionNumber))) {
    return failure('wrong_type', 'version', 'expected an integer');
  }
  if (versionNumber < 1 || versionNumber > MAX_PROTOCOL_VERSION) return failure('out_of_range', 'version');

  const ledger = own(fields, 'ledger_id');
  if (ledger === undefined) return failure('missing_field', 'ledger_id');
  if (!(ledger instanceof Uint8Array)) return failure('wrong_type', 'ledger_id', 'expected a byte string');
  if (ledger.length !== LEDGER_ID_BYTES) return failure('out_of_range', 'ledger_id', `expected ${LEDGER_ID_BYTES} bytes`);

  const key = own(fields, 'payment_pk');
  if (key === undefined) return failure('missing_field', 'payment_pk');
  if (!(key instanceof Uint8Array)) return failure('wrong_type', 'payment_pk', 'expected a byte string');
  if (key.length !== PUBLIC_KEY_BYTES) return failure('out_of_range', 'payment_pk', `expected ${PUBLIC_KEY_BYTES} bytes`);

  const ledger_id = bytesToHex(ledger) as PublicKeyHex;
  return { ok: true, value: { version: Number(versionNumber), ledger_id, payment_pk: bytesToHex(key) as PublicKeyHex } };
}

export type Negotiation =
  | { readonly speed: true; readonly version: number }
  | { readonly speed: false; readonly reason: 'no_extension' | 'ledger_mismatch' | 'version_unsupported' };

/**
 * Whether Speed runs on a wire: both sides must announce it on the same ledger; the lower version wins, and must be
 * one this implementation still pays with (MIN_PROTOCOL_VERSION), or the wire runs as plain BitTorrent.
 */
export function negotiate(local: SpeedHandshake, remote: Result<SpeedHandshake>): Negotiation {
  if (!remote.ok) return { speed: false, reason: 'no_extension' };
  if (remote.value.ledger_id !== local.ledger_id) return { speed: false, reason: 'ledger_mismatch' };
  const version = Math.min(local.version, remote.value.version);
  if (version < MIN_PROTOCOL_VERSION) return { speed: false, reason: 'version_unsupported' };
  return { speed: true, version };
}

/** Own-property read: the `bencode` package decodes dicts into plain objects, where `__proto__` is a hazard. */
function own(record: unknown, key: string): unknown {
  if (!isPlainRecord(record) || !Object.prototype.hasOwnProperty.call(record, key)) return undefined;
  return (record as Record<string, unknown>)[key];
}

function isPlainRecord(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

// The exchange API's input boundary: strict JSON fields, TRON addresses checked with their Base58Check checksum,
// amounts within the limits, Ed25519 keys and signatures in lowercase hex. Every refusal is a typed code.
import { TronWeb } from 'tronweb';
import { isPublicKeyHex, type PublicKeyHex } from '../protocol/ed25519.ts';
import { MAX_REQUEST_NONCE } from '../protocol/ledger-request.ts';
import type { SignedWithdrawal } from '../ledger/service.ts';
import type { ExchangeLimits } from './context.ts';

/** Request bodies are one small JSON object. */
export const MAX_EXCHANGE_BODY_BYTES = 2 * 1024;

export const EXCHANGE_ERROR_STATUS = {
  malformed_json: 400,
  unsupported_media_type: 415,
  body_too_large: 413,
  invalid_field: 400,
  invalid_address: 400,
  amount_below_minimum: 400,
  amount_exceeds_limit: 400,
  invalid_signature: 401,
  unknown_account: 404,
  unknown_withdrawal: 404,
  unknown_transaction: 404,
  not_a_btt_transfer: 422,
  deposit_not_to_exchange: 422,
  deposit_without_account: 422,
  duplicate_withdrawal: 409,
  stale_nonce: 409,
  insufficient_funds: 409,
  overloaded: 503,
  not_found: 404,
  internal: 500,
} as const;
export type ExchangeErrorCode = keyof typeof EXCHANGE_ERROR_STATUS;

export class ExchangeApiError extends Error {
  override name = 'ExchangeApiError';
  constructor(
    readonly code: ExchangeErrorCode,
    message: string = code.replaceAll('_', ' '),
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

export function parseBody(text: string): Json {
  if (Buffer.byteLength(text) > MAX_EXCHANGE_BODY_BYTES) throw new ExchangeApiError('body_too_large', `bodies are limited to ${MAX_EXCHANGE_BODY_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ExchangeApiError('malformed_json', 'the body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ExchangeApiError('malformed_json', 'expected a JSON object');
  return value as Json;
}

function exactFields(body: Json, fields: readonly string[]): void {
  for (const name of fields) if (!(name in body)) throw new ExchangeApiError('invalid_field', `missing field ${name}`);
  for (const name of Object.keys(body)) if (!fields.includes(name)) throw new ExchangeApiError('invalid_field', `unexpected field ${name}`);
}

/** A TRON main-net address in Base58Check ("T…", 34 characters, checksum verified); returned as hex (41…). */
export function tronAddressField(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length !== 34 || !value.startsWith('T') || !TronWeb.isAddress(value)) {
    throw new ExchangeApiError('invalid_address', `${name}: not a TRON address (Base58Check, checksum verified)`);
  }
  return TronWeb.address.toHex(value).toLowerCase();
}

export function txIdParam(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) throw new ExchangeApiError('invalid_field', 'tx_id: expected 64 lowercase hex characters');
  return value;
}

export function accountParam(value: unknown, name = 'account'): PublicKeyHex {
  if (!isPublicKeyHex(value)) throw new ExchangeApiError('invalid_field', `${name}: expected an Ed25519 public key as 64 lowercase hex characters`);
  return value;
}

function decimal(value: unknown, name: string, max: bigint): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(value)) throw new ExchangeApiError('invalid_field', `${name}: expected a decimal string`);
  const parsed = BigInt(value);
  if (parsed > max) throw new ExchangeApiError('invalid_field', `${name}: too large`);
  return parsed;
}

export function parseDeposit(body: Json): string {
  exactFields(body, ['tx_id']);
  return txIdParam(body.tx_id);
}

export function parseWithdrawal(body: Json, limits: ExchangeLimits): SignedWithdrawal {
  exactFields(body, ['account', 'to_address', 'amount_units', 'nonce', 'signature']);
  const account = accountParam(body.account);
  const to_address_hex = tronAddressField(body.to_address, 'to_address');
  const amount_units = decimal(body.amount_units, 'amount_units', (1n << 64n) - 1n);
  if (amount_units < limits.min_withdrawal_units) throw new ExchangeApiError('amount_below_minimum', `amount_units: at least ${limits.min_withdrawal_units}`);
  if (amount_units > limits.daily_limit_units) throw new ExchangeApiError('amount_exceeds_limit', `amount_units: at most ${limits.daily_limit_units} (the daily limit)`);
  const nonce = decimal(body.nonce, 'nonce', MAX_REQUEST_NONCE);
  if (nonce === 0n) throw new ExchangeApiError('invalid_field', 'nonce: must be at least 1');
  if (typeof body.signature !== 'string' || !/^[0-9a-f]{128}$/.test(body.signature)) throw new ExchangeApiError('invalid_field', 'signature: expected 128 lowercase hex characters');
  return { account, to_address_hex, amount_units, nonce, signature_hex: body.signature };
}

// The API boundary: untrusted JSON bodies become typed ledger requests, or an ApiError naming the bad field.
// Strict: exact field sets, decimal strings for 64-bit numbers, lowercase hex; then the signature is verified.
import { hexToBytes } from '@noble/hashes/utils.js';
import { isPublicKeyHex, type PublicKeyHex } from '../protocol/ed25519.ts';
import { encodeLedgerRequest, MAX_REQUEST_NONCE, requestSigner, type LedgerRequest } from '../protocol/ledger-request.ts';
import { MAX_AMOUNT_UNITS, TOTAL_SUPPLY_UNITS, type Units } from '../protocol/money.ts';
import { isChannelId, isSessionContext, MAX_SEQ, type ChannelId, type SessionContext } from '../protocol/payment-state.ts';
import { MAX_POW_NONCE, POW_CHALLENGE_BYTES } from '../protocol/pow.ts';
import type { AsyncVerifier } from './verify-pool.ts';
import { ApiError } from './errors.ts';
import { isReserveId } from './genesis.ts';
import type { AccountId } from './store.ts';

/** Largest request body accepted: the biggest request (a close) is ~500 bytes of JSON. */
export const MAX_BODY_BYTES = 4 * 1024;
const SIGNATURE_HEX = /^[0-9a-f]{128}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

type Json = Record<string, unknown>;

export interface SignedRequest<R extends LedgerRequest = LedgerRequest> {
  readonly request: R;
  readonly signature: Uint8Array;
  readonly signature_hex: string;
}

/** Parses the raw body text: malformed JSON, non-objects and oversized bodies are refused before anything else. */
export function parseJsonBody(text: string, limit = MAX_BODY_BYTES): Json {
  if (text.length > limit) throw new ApiError('body_too_large', `request bodies are limited to ${limit} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('malformed_json', 'the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError('malformed_json', 'expected a JSON object');
  return value as Json;
}

export function exactFields(body: Json, fields: readonly string[]): void {
  for (const name of fields) if (!(name in body)) throw new ApiError('invalid_field', `missing field ${name}`);
  for (const name of Object.keys(body)) if (!fields.includes(name)) throw new ApiError('invalid_field', `unexpected field ${name}`);
}

export function publicKeyField(value: unknown, name: string): PublicKeyHex {
  if (!isPublicKeyHex(value)) throw new ApiError('invalid_field', `${name}: expected an Ed25519 public key as 64 lowercase hex characters`);
  return value;
}

export function accountIdParam(value: string): AccountId {
  if (isPublicKeyHex(value) || isReserveId(value)) return value;
  throw new ApiError('invalid_field', 'account id: expected 64 lowercase hex characters or a reserve id');
}

export function channelIdParam(value: unknown): ChannelId {
  if (!isChannelId(value)) throw new ApiError('invalid_field', 'channel_id: expected 64 lowercase hex characters');
  return value;
}

export function decimalField(value: unknown, name: string, max: bigint): bigint {
  if (typeof value !== 'string' || !DECIMAL.test(value)) throw new ApiError('invalid_field', `${name}: expected a decimal string`);
  const parsed = BigInt(value);
  if (parsed > max) throw new ApiError('invalid_field', `${name}: too large`);
  return parsed;
}

/** Amounts: decimal strings of base units; zero is refused unless `allowZero` (a close may pay nothing). */
export function amountField(value: unknown, name: string, allowZero = false): Units {
  const amount = decimalField(value, name, MAX_AMOUNT_UNITS);
  if (amount === 0n && !allowZero) throw new ApiError('amount_zero', `${name}: must be greater than zero`);
  if (amount > TOTAL_SUPPLY_UNITS) throw new ApiError('amount_exceeds_supply', `${name}: exceeds the total supply`);
  return amount;
}

export function nonceField(value: unknown): bigint {
  const nonce = decimalField(value, 'nonce', MAX_REQUEST_NONCE);
  if (nonce === 0n) throw new ApiError('invalid_field', 'nonce: must be at least 1');
  return nonce;
}

export function safeIntegerField(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new ApiError('invalid_field', `${name}: expected an integer from 0 to ${max}`);
  }
  return value;
}

export function hexField(value: unknown, name: string, bytes: number): Uint8Array {
  if (typeof value !== 'string' || value.length !== bytes * 2 || !/^[0-9a-f]*$/.test(value)) {
    throw new ApiError('invalid_field', `${name}: expected ${bytes * 2} lowercase hex characters`);
  }
  return hexToBytes(value);
}

export function signatureField(value: unknown, name: string): string {
  if (typeof value !== 'string' || !SIGNATURE_HEX.test(value)) throw new ApiError('invalid_field', `${name}: expected 128 lowercase hex characters`);
  return value;
}

function signed<R extends LedgerRequest>(request: R, signature: unknown): SignedRequest<R> {
  const signature_hex = signatureField(signature, 'signature');
  return { request, signature: hexToBytes(signature_hex), signature_hex };
}

export function parseTransfer(body: Json): SignedRequest<Extract<LedgerRequest, { kind: 'transfer' }>> {
  exactFields(body, ['from', 'to', 'amount_units', 'nonce', 'signature']);
  const request = {
    kind: 'transfer' as const,
    from: publicKeyField(body.from, 'from'),
    to: publicKeyField(body.to, 'to'),
    amount_units: amountField(body.amount_units, 'amount_units'),
    nonce: nonceField(body.nonce),
  };
  return signed(request, body.signature);
}

/** Timeout bounds are the domain's (timeout_out_of_range); here only the type and a sane ceiling. */
export function parseChannelOpen(body: Json): SignedRequest<Extract<LedgerRequest, { kind: 'channel_open' }>> {
  exactFields(body, ['payer', 'payee', 'escrow_units', 'timeout_ms', 'context', 'nonce', 'signature']);
  const request = {
    kind: 'channel_open' as const,
    payer: publicKeyField(body.payer, 'payer'),
    payee: publicKeyField(body.payee, 'payee'),
    escrow_units: amountField(body.escrow_units, 'escrow_units'),
    timeout_ms: safeIntegerField(body.timeout_ms, 'timeout_ms', Number.MAX_SAFE_INTEGER),
    context: contextField(body.context),
    nonce: nonceField(body.nonce),
  };
  return signed(request, body.signature);
}

function contextField(value: unknown): SessionContext {
  if (!isSessionContext(value)) throw new ApiError('invalid_field', 'context: expected 64 lowercase hex characters (the session the channel pays for)');
  return value;
}

export function parseChannelClose(body: Json, channel_id: ChannelId): SignedRequest<Extract<LedgerRequest, { kind: 'channel_close' }>> {
  exactFields(body, ['payee', 'amount_units', 'seq', 'payment_signature', 'nonce', 'signature']);
  const request = {
    kind: 'channel_close' as const,
    payee: publicKeyField(body.payee, 'payee'),
    channel_id,
    amount_units: amountField(body.amount_units, 'amount_units', true),
    seq: decimalField(body.seq, 'seq', MAX_SEQ),
    payment_signature: hexToBytes(signatureField(body.payment_signature, 'payment_signature')),
    nonce: nonceField(body.nonce),
  };
  return signed(request, body.signature);
}

export function parseAirdropClaim(body: Json): SignedRequest<Extract<LedgerRequest, { kind: 'airdrop_claim' }>> {
  exactFields(body, ['public_key', 'challenge', 'pow_nonce', 'nonce', 'signature']);
  const request = {
    kind: 'airdrop_claim' as const,
    public_key: publicKeyField(body.public_key, 'public_key'),
    challenge: hexField(body.challenge, 'challenge', POW_CHALLENGE_BYTES),
    pow_nonce: safeIntegerField(body.pow_nonce, 'pow_nonce', MAX_POW_NONCE),
    nonce: nonceField(body.nonce),
  };
  return signed(request, body.signature);
}

/** Checks the request signature by the account the request speaks for, over the canonical bytes. */
export async function verifySignedRequest(verifier: AsyncVerifier, ledger_id: PublicKeyHex, signed: SignedRequest): Promise<void> {
  const message = encodeLedgerRequest(ledger_id, signed.request);
  const ok = await verifier.verify(signed.signature, message, hexToBytes(requestSigner(signed.request)));
  if (!ok) throw new ApiError('invalid_signature', `the request is not signed by ${requestSigner(signed.request)} for this ledger`);
}

/** Query parameters that page lists: bounded integers with defaults. */
export function intQuery(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,16}$/.test(value) || Number(value) > max) throw new ApiError('invalid_field', `${name}: expected an integer from 0 to ${max}`);
  return Number(value);
}

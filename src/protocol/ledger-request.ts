// The canonical bytes an account signs for every mutating ledger request, shared by the wallet and the ledger.
// Fixed-width binary (no JSON ambiguity), bound to one ledger id and one kind, with a strictly increasing nonce.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { abytes, isPublicKeyHex, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type PublicKeyHex, type Signer } from './ed25519.ts';
import { MAX_AMOUNT_UNITS, type Units } from './money.ts';
import { channelIdFromBytes, channelIdToBytes, isSessionContext, MAX_SEQ, type ChannelId, type SessionContext } from './payment-state.ts';
import { MAX_POW_NONCE, POW_CHALLENGE_BYTES } from './pow.ts';

export const LEDGER_REQUEST_DOMAIN = 'seedpay/ledger-request/v1';
export const CHANNEL_ID_DOMAIN = 'seedpay/channel-id/v1';
/** Nonces fit a signed 64-bit integer so both stores keep them in a native column. */
export const MAX_REQUEST_NONCE = (1n << 63n) - 1n;

const encoder = new TextEncoder();
const DOMAIN_BYTES = encoder.encode(LEDGER_REQUEST_DOMAIN);
const CHANNEL_ID_DOMAIN_BYTES = encoder.encode(CHANNEL_ID_DOMAIN);

/** One byte per kind, after the ledger id: a signature for one kind can never be read as another. */
export const REQUEST_KIND_TAGS = { transfer: 1, channel_open: 2, channel_close: 3, airdrop_claim: 4 } as const;
export type LedgerRequestKind = keyof typeof REQUEST_KIND_TAGS;

export interface TransferRequest {
  readonly kind: 'transfer';
  readonly from: PublicKeyHex;
  readonly to: PublicKeyHex;
  readonly amount_units: Units;
  readonly nonce: bigint;
}

export interface ChannelOpenRequest {
  readonly kind: 'channel_open';
  readonly payer: PublicKeyHex;
  readonly payee: PublicKeyHex;
  readonly escrow_units: Units;
  readonly timeout_ms: number;
  /** What the channel pays for (payment-state.ts): every payment state on it is signed over this context. */
  readonly context: SessionContext;
  readonly nonce: bigint;
}

/** Signed by the payee; carries the payer's signed payment state (amount, seq, signature). */
export interface ChannelCloseRequest {
  readonly kind: 'channel_close';
  readonly payee: PublicKeyHex;
  readonly channel_id: ChannelId;
  readonly amount_units: Units;
  readonly seq: bigint;
  readonly payment_signature: Uint8Array;
  readonly nonce: bigint;
}

export interface AirdropClaimRequest {
  readonly kind: 'airdrop_claim';
  readonly public_key: PublicKeyHex;
  readonly challenge: Uint8Array;
  /** The proof-of-work solution (pow.ts): a safe integer. */
  readonly pow_nonce: number;
  readonly nonce: bigint;
}

export type LedgerRequest = TransferRequest | ChannelOpenRequest | ChannelCloseRequest | AirdropClaimRequest;

/** The account whose key must sign the request. */
export function requestSigner(request: LedgerRequest): PublicKeyHex {
  switch (request.kind) {
    case 'transfer':
      return request.from;
    case 'channel_open':
      return request.payer;
    case 'channel_close':
      return request.payee;
    case 'airdrop_claim':
      return request.public_key;
  }
}

/** A bounded bigint as 8 big-endian bytes (every signed request's integers; also the storage and exchange requests). */
export function u64(value: bigint, max: bigint, title: string): Uint8Array {
  if (typeof value !== 'bigint' || value < 0n || value > max) throw new RangeError(`${title}: out of range`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, false);
  return out;
}

function sessionContextBytes(context: SessionContext): Uint8Array {
  if (!isSessionContext(context)) throw new TypeError('context: expected 64 lowercase hex characters');
  return hexToBytes(context);
}

/** A public key's 32 bytes, refusing anything but 64 lowercase hex characters. */
export function key(hex: PublicKeyHex, title: string): Uint8Array {
  if (!isPublicKeyHex(hex)) throw new TypeError(`${title}: expected 64 lowercase hex characters`);
  return hexToBytes(hex);
}

function body(request: LedgerRequest): Uint8Array[] {
  switch (request.kind) {
    case 'transfer':
      return [key(request.to, 'to'), u64(request.amount_units, MAX_AMOUNT_UNITS, 'amount_units')];
    case 'channel_open':
      if (!Number.isSafeInteger(request.timeout_ms)) throw new RangeError('timeout_ms: expected a safe integer');
      return [
        key(request.payee, 'payee'),
        u64(request.escrow_units, MAX_AMOUNT_UNITS, 'escrow_units'),
        u64(BigInt(request.timeout_ms), MAX_AMOUNT_UNITS, 'timeout_ms'),
        sessionContextBytes(request.context),
      ];
    case 'channel_close':
      return [
        channelIdToBytes(request.channel_id),
        u64(request.amount_units, MAX_AMOUNT_UNITS, 'amount_units'),
        u64(request.seq, MAX_SEQ, 'seq'),
        abytes(request.payment_signature, SIGNATURE_BYTES, 'payment_signature'),
      ];
    case 'airdrop_claim':
      if (!Number.isSafeInteger(request.pow_nonce)) throw new RangeError('pow_nonce: expected a safe integer');
      return [
        abytes(request.challenge, POW_CHALLENGE_BYTES, 'challenge'),
        u64(BigInt(request.pow_nonce), BigInt(MAX_POW_NONCE), 'pow_nonce'),
      ];
  }
}

/**
 * domain tag || ledger id (32) || kind tag (1) || signer public key (32) || nonce (u64 BE) || kind fields:
 *   transfer:      to (32) || amount_units (u64)
 *   channel_open:  payee (32) || escrow_units (u64) || timeout_ms (u64) || context (32)
 *   channel_close: channel_id (32) || amount_units (u64) || seq (u64) || payer's payment signature (64)
 *   airdrop_claim: challenge (32) || pow_nonce (u64)
 */
export function encodeLedgerRequest(ledger_id: PublicKeyHex, request: LedgerRequest): Uint8Array {
  const parts = [
    DOMAIN_BYTES,
    key(ledger_id, 'ledger_id'),
    Uint8Array.of(REQUEST_KIND_TAGS[request.kind]),
    key(requestSigner(request), 'signer'),
    u64(request.nonce, MAX_REQUEST_NONCE, 'nonce'),
    ...body(request),
  ];
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export async function signLedgerRequest(signer: Signer, ledger_id: PublicKeyHex, request: LedgerRequest): Promise<Uint8Array> {
  if (bytesToHex(abytes(signer.publicKey, PUBLIC_KEY_BYTES, 'signer.publicKey')) !== requestSigner(request)) {
    throw new Error(`this signer cannot sign a ${request.kind} for another account`);
  }
  return signer.sign(encodeLedgerRequest(ledger_id, request));
}

/** A channel's id is derived from its payer and the open request's nonce, so the payer knows it before opening. */
export function channelIdFor(payer: PublicKeyHex, nonce: bigint): ChannelId {
  const input = new Uint8Array(CHANNEL_ID_DOMAIN_BYTES.length + PUBLIC_KEY_BYTES + 8);
  input.set(CHANNEL_ID_DOMAIN_BYTES, 0);
  input.set(key(payer, 'payer'), CHANNEL_ID_DOMAIN_BYTES.length);
  input.set(u64(nonce, MAX_REQUEST_NONCE, 'nonce'), CHANNEL_ID_DOMAIN_BYTES.length + PUBLIC_KEY_BYTES);
  return channelIdFromBytes(sha256(input));
}

// The payment state a requester signs for each verified unit of service: (channel id, cumulative amount, sequence),
// bound to the paid session's context — the service and what it serves (for Speed, the info hash), fixed when the
// channel is opened on the ledger. One channel pays one session: a state signed for one torrent cannot be shown to
// the same provider's session of another. Canonical bytes are fixed here once, so the payer, the payee and the ledger
// sign and verify the same thing.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { abytes, nobleVerify, SIGNATURE_BYTES, type Signer } from './ed25519.ts';
import { MAX_AMOUNT_UNITS, type Units } from './money.ts';

export type ChannelId = string & { readonly __brand: 'ChannelId' };

export const CHANNEL_ID_BYTES = 32;
export const PAYMENT_STATE_DOMAIN = 'seedpay/payment-state/v2';
const DOMAIN_BYTES = new TextEncoder().encode(PAYMENT_STATE_DOMAIN);
export const SESSION_CONTEXT_BYTES = 32;
/** domain tag || channel id (32) || session context (32) || amount (u64 BE) || seq (u64 BE) */
export const PAYMENT_STATE_BYTES = DOMAIN_BYTES.length + CHANNEL_ID_BYTES + SESSION_CONTEXT_BYTES + 8 + 8;

/** What a channel pays for (session-context.ts derives it): 32 bytes, lowercase hex. */
export type SessionContext = string & { readonly __brand: 'SessionContext' };
/** The context of a closed world with one session per channel (the simulator), and of channels opened before v2. */
export const NO_CONTEXT = '00'.repeat(SESSION_CONTEXT_BYTES) as SessionContext;

export function isSessionContext(text: unknown): text is SessionContext {
  return typeof text === 'string' && /^[0-9a-f]{64}$/.test(text);
}
export const MAX_SEQ = (1n << 64n) - 1n;

export interface PaymentState {
  readonly channel_id: ChannelId;
  /** Cumulative amount paid to the payee over the life of the channel. */
  readonly amount_units: Units;
  readonly seq: bigint;
}

export interface SignedPaymentState extends PaymentState {
  readonly signature: Uint8Array;
}

export function isChannelId(text: unknown): text is ChannelId {
  return typeof text === 'string' && /^[0-9a-f]{64}$/.test(text);
}

export function channelIdFromBytes(bytes: Uint8Array): ChannelId {
  return bytesToHex(abytes(bytes, CHANNEL_ID_BYTES, 'channel_id')) as ChannelId;
}

export function channelIdToBytes(id: ChannelId): Uint8Array {
  if (!isChannelId(id)) throw new TypeError('channel_id: expected 64 lowercase hex characters');
  return hexToBytes(id);
}

export function encodePaymentState(state: PaymentState, context: SessionContext = NO_CONTEXT): Uint8Array {
  if (state.amount_units < 0n || state.amount_units > MAX_AMOUNT_UNITS) throw new RangeError('amount_units out of range');
  if (state.seq < 0n || state.seq > MAX_SEQ) throw new RangeError('seq out of range');
  if (!isSessionContext(context)) throw new TypeError('context: expected 64 lowercase hex characters');
  const out = new Uint8Array(PAYMENT_STATE_BYTES);
  let at = 0;
  out.set(DOMAIN_BYTES, at);
  out.set(channelIdToBytes(state.channel_id), (at += DOMAIN_BYTES.length));
  out.set(hexToBytes(context), (at += CHANNEL_ID_BYTES));
  const view = new DataView(out.buffer);
  view.setBigUint64((at += SESSION_CONTEXT_BYTES), state.amount_units, false);
  view.setBigUint64(at + 8, state.seq, false);
  return out;
}

export async function signPaymentState(signer: Signer, state: PaymentState, context: SessionContext = NO_CONTEXT): Promise<SignedPaymentState> {
  const signature = await signer.sign(encodePaymentState(state, context));
  return { ...state, signature };
}

/** Reference check (noble); the hot path uses WebCryptoVerifier on the same bytes. */
export function verifyPaymentStateNoble(state: SignedPaymentState, payerPublicKey: Uint8Array, context: SessionContext = NO_CONTEXT): boolean {
  if (state.signature.length !== SIGNATURE_BYTES) return false;
  return nobleVerify(state.signature, encodePaymentState(state, context), payerPublicKey);
}

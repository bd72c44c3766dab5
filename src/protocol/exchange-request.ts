// The canonical bytes a ledger account signs to withdraw BTT to a TRON address through the exchange. Same scheme as
// every other ledger request (ledger-request.ts): domain || ledger id || kind tag || signer || nonce || fields.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { isPublicKeyHex, type PublicKeyHex, type Signer } from './ed25519.ts';
import { key, LEDGER_REQUEST_DOMAIN, MAX_REQUEST_NONCE, u64 } from './ledger-request.ts';
import { MAX_AMOUNT_UNITS, type Units } from './money.ts';
import { channelIdFromBytes, type ChannelId } from './payment-state.ts';

/** After ledger-request.ts's tags 1–4: a withdrawal signature can never be read as another request. */
export const WITHDRAW_KIND_TAG = 5;
export const WITHDRAWAL_ID_DOMAIN = 'seedpay/withdrawal-id/v1';
/** A TRON address in bytes: 0x41 || 20. */
export const TRON_ADDRESS_BYTES = 21;

const encoder = new TextEncoder();

export interface WithdrawRequest {
  readonly kind: 'withdraw';
  readonly account: PublicKeyHex;
  /** The TRON address to pay, as hex (41…, 42 characters). */
  readonly to_address_hex: string;
  readonly amount_units: Units;
  readonly nonce: bigint;
}

export function isTronHexAddress(text: unknown): text is string {
  return typeof text === 'string' && /^41[0-9a-f]{40}$/.test(text);
}

/** domain || ledger id (32) || 5 || account (32) || nonce (u64 BE) || to address (21) || amount_units (u64 BE) */
export function encodeWithdrawRequest(ledger_id: PublicKeyHex, request: WithdrawRequest): Uint8Array {
  if (!isTronHexAddress(request.to_address_hex)) throw new TypeError('to_address_hex: expected 41 followed by 40 lowercase hex characters');
  return concatBytes(
    encoder.encode(LEDGER_REQUEST_DOMAIN),
    key(ledger_id, 'ledger_id'),
    Uint8Array.of(WITHDRAW_KIND_TAG),
    key(request.account, 'account'),
    u64(request.nonce, MAX_REQUEST_NONCE, 'nonce'),
    hexToBytes(request.to_address_hex),
    u64(request.amount_units, MAX_AMOUNT_UNITS, 'amount_units'),
  );
}

export async function signWithdrawRequest(signer: Signer, ledger_id: PublicKeyHex, request: WithdrawRequest): Promise<Uint8Array> {
  if (bytesToHex(signer.publicKey) !== request.account) throw new Error('this signer cannot sign a withdrawal for another account');
  return signer.sign(encodeWithdrawRequest(ledger_id, request));
}

/** A withdrawal's id (its hold on the ledger) follows from the account and nonce, known before it is sent. */
export function withdrawalIdFor(account: PublicKeyHex, nonce: bigint): ChannelId {
  return channelIdFromBytes(sha256(concatBytes(encoder.encode(WITHDRAWAL_ID_DOMAIN), key(account, 'account'), u64(nonce, MAX_REQUEST_NONCE, 'nonce'))));
}

/** The ledger's record of a deposit: one per TRON transaction id, so a second credit finds it and is refused. */
export function depositRecordIdFor(tx_id: string): ChannelId {
  if (!/^[0-9a-f]{64}$/.test(tx_id)) throw new TypeError('tx_id: expected 64 lowercase hex characters');
  return channelIdFromBytes(sha256(concatBytes(encoder.encode('seedpay/deposit-id/v1'), hexToBytes(tx_id))));
}

/** A deposit names the ledger account to credit in the TRON transaction's memo (raw_data.data), under the owner's signature. */
export const DEPOSIT_MEMO_PREFIX = 'seedpay:';

export function depositMemo(account: PublicKeyHex): string {
  if (!isPublicKeyHex(account)) throw new TypeError('account: expected 64 lowercase hex characters');
  return `${DEPOSIT_MEMO_PREFIX}${account}`;
}

/** The account a memo names, or null when it names none (such a deposit is kept aside, never guessed). */
export function accountOfDepositMemo(memo: string | null): PublicKeyHex | null {
  if (memo === null || !memo.startsWith(DEPOSIT_MEMO_PREFIX)) return null;
  const account = memo.slice(DEPOSIT_MEMO_PREFIX.length);
  return isPublicKeyHex(account) ? account : null;
}

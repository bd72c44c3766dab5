// Every refusal the ledger API can give, as a stable code with its HTTP status; the body is {error, message}.
// Domain codes come from ledger.ts in their checking order; boundary codes are found before the domain runs.
import { LEDGER_RESULT_CODES, type LedgerResultCode } from './ledger.ts';

export const BOUNDARY_CODES = [
  'malformed_json',
  'body_too_large',
  'unsupported_media_type',
  'invalid_field',
  'invalid_signature',
  'invalid_challenge',
  'challenge_expired',
  'invalid_pow',
  'rate_limited',
  'too_many_bad_answers',
  'not_found',
  'overloaded',
  'internal',
] as const;
export type BoundaryCode = (typeof BOUNDARY_CODES)[number];
export type ErrorCode = BoundaryCode | LedgerResultCode;

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

const STATUS: Record<ErrorCode, ErrorStatus> = {
  malformed_json: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  invalid_field: 400,
  invalid_signature: 401,
  invalid_challenge: 400,
  challenge_expired: 409,
  invalid_pow: 400,
  rate_limited: 429,
  too_many_bad_answers: 429,
  not_found: 404,
  overloaded: 503,
  internal: 500,
  amount_zero: 400,
  amount_exceeds_supply: 400,
  timeout_out_of_range: 400,
  payer_is_payee: 400,
  transfer_to_self: 400,
  unknown_channel: 404,
  not_payee: 403,
  invalid_payment_signature: 400,
  unknown_account: 404,
  stale_nonce: 409,
  already_claimed: 409,
  channel_closed: 409,
  channel_expired: 409,
  channel_not_expired: 409,
  exceeds_escrow: 409,
  insufficient_funds: 409,
  reserve_exhausted: 409,
  already_credited: 409,
  unknown_withdrawal: 404,
  withdrawal_settled: 409,
  // Paid storage (storage-step.ts).
  unknown_contract: 404,
  bad_terms: 400,
  provider_insufficient_funds: 409,
  contract_ended: 409,
  stale_answer: 409,
  no_open_challenge: 409,
  wrong_epoch: 409,
  late_answer: 409,
  wrong_proof_count: 400,
  wrong_index: 400,
  bad_proof: 400,
  nothing_due: 409,
};

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  amount_zero: 'the amount must be greater than zero',
  amount_exceeds_supply: 'the amount exceeds the total supply',
  timeout_out_of_range: 'timeout_ms is outside the allowed range',
  payer_is_payee: 'a channel needs two different accounts',
  transfer_to_self: 'cannot transfer to the same account',
  unknown_channel: 'no such channel',
  not_payee: 'only the channel payee can close it',
  invalid_payment_signature: "the payment state is not signed by the channel's payer",
  unknown_account: 'no such account',
  stale_nonce: 'the nonce must be greater than the last accepted nonce of this account',
  already_claimed: 'this key has already claimed its airdrop',
  channel_closed: 'the channel is already closed',
  channel_expired: 'the channel has expired and was refunded to the payer',
  channel_not_expired: 'the channel has not expired yet',
  exceeds_escrow: 'the payment state exceeds the channel escrow',
  insufficient_funds: 'the balance is too low',
  reserve_exhausted: 'the airdrop reserve is exhausted',
  already_credited: 'this TRON transaction has already been credited',
  unknown_withdrawal: 'no such withdrawal',
  withdrawal_settled: 'this withdrawal is already final or refunded',
  unknown_contract: 'no such storage contract',
  bad_terms: 'the storage contract terms are not acceptable',
  provider_insufficient_funds: "the provider's balance is too low for the collateral",
  contract_ended: 'the storage contract has ended',
  stale_answer: 'that epoch is already settled (a stale or replayed answer pays nothing)',
  no_open_challenge: 'the contract has no open challenge now',
  wrong_epoch: 'the answer is for another epoch than the open challenge',
  late_answer: "the answer came after the challenge's deadline",
  wrong_proof_count: 'the answer must hold exactly one proof per challenged leaf',
  wrong_index: "the proofs do not follow the challenge's leaf indexes",
  bad_proof: "a proof does not verify against the contract's root",
  nothing_due: 'nothing is due on this contract now',
  too_many_bad_answers: 'too many refused answers to this challenge; wait for the next one',
};

export function statusOf(code: ErrorCode): ErrorStatus {
  return STATUS[code];
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string) {
    super(message ?? MESSAGES[code] ?? code);
    this.code = code;
  }
}

export function isLedgerResultCode(code: string): code is LedgerResultCode {
  return (LEDGER_RESULT_CODES as readonly string[]).includes(code);
}

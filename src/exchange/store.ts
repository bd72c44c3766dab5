// The exchange's own tables, as one interface both databases implement (store-sqlite.ts, store-postgres.ts):
// deposits seen on TRON, withdrawals with their queue order and limit window, and every signed payment attempt,
// written BEFORE it is broadcast (write-ahead), so a restart finds each transaction it may have sent. No ledger value
// lives here: the ledger is the truth for money. Every method is one durable statement or transaction.

export type DepositState = 'credited' | 'unattributed';
export type WithdrawalState = 'requested' | 'queued' | 'paying' | 'completed' | 'refunded';

export interface DepositRow {
  readonly tx_id: string;
  /** The ledger account named in the transfer's memo, or null when the memo names none (kept, never credited). */
  readonly account: string | null;
  readonly tron_from: string;
  readonly amount_units: bigint;
  readonly block_number: number;
  readonly state: DepositState;
  readonly at_ms: number;
}

export interface WithdrawalRow {
  readonly id: string;
  readonly account: string;
  readonly to_address_hex: string;
  readonly amount_units: bigint;
  readonly nonce: bigint;
  readonly signature: string;
  readonly state: WithdrawalState;
  /** Queue order: FIFO among queued withdrawals. */
  readonly seq: number;
  readonly created_at_ms: number;
  /** The limit window its payment counted against (set when first signed), or null before. */
  readonly paid_window: number | null;
  readonly paid_tx_id: string | null;
  readonly reason: string | null;
  readonly settled_at_ms: number | null;
}

export interface AttemptRow {
  readonly tx_id: string;
  readonly withdrawal_id: string;
  /** The signed transaction JSON, exactly as broadcast (and re-broadcast after a restart). */
  readonly signed_json: string;
  readonly expiration_ms: number;
  readonly signed_at_ms: number;
}

export interface ExchangeStore {
  readonly kind: 'sqlite' | 'postgres';
  meta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  deposit(tx_id: string): Promise<DepositRow | null>;
  /** Inserts, or updates the state of a known txID. */
  putDeposit(d: DepositRow): Promise<void>;
  depositsOf(account: string, limit: number): Promise<DepositRow[]>;
  withdrawal(id: string): Promise<WithdrawalRow | null>;
  /** Inserts a new request in state `requested`; false if the id (account, nonce) is already known. */
  insertWithdrawal(w: NewWithdrawal): Promise<boolean>;
  /** Removes a request the ledger refused (only while `requested`). */
  deleteRequested(id: string): Promise<void>;
  setWithdrawal(id: string, state: WithdrawalState, extra?: WithdrawalUpdate): Promise<void>;
  /** Oldest first (queue order). */
  withdrawalsIn(state: WithdrawalState, limit: number): Promise<WithdrawalRow[]>;
  /** Newest first. */
  withdrawalsOf(account: string, limit: number): Promise<WithdrawalRow[]>;
  /** Units whose payment counted against limit window `window`. */
  spentIn(window: number): Promise<bigint>;
  /** Stores a signed attempt; with a window, also marks the withdrawal `paying` against it, in one transaction. */
  addAttempt(a: AttemptRow, window: number | null): Promise<void>;
  /** In the order they were signed. */
  attemptsOf(withdrawal_id: string): Promise<AttemptRow[]>;
  close(): Promise<void>;
}

export type NewWithdrawal = Pick<WithdrawalRow, 'id' | 'account' | 'to_address_hex' | 'amount_units' | 'nonce' | 'signature' | 'created_at_ms'>;
export interface WithdrawalUpdate {
  paid_window?: number;
  paid_tx_id?: string;
  reason?: string;
  settled_at_ms?: number;
}

/** Row limits for list reads. */
export const MAX_EXCHANGE_ROWS = 10_000;

type Raw = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const big = (v: unknown) => BigInt(v as bigint | string | number);

export function toWithdrawal(r: Raw): WithdrawalRow {
  return {
    id: String(r.id),
    account: String(r.account),
    to_address_hex: String(r.to_address_hex),
    amount_units: big(r.amount_units),
    nonce: big(r.nonce),
    signature: String(r.signature),
    state: r.state as WithdrawalState,
    seq: Number(r.seq),
    created_at_ms: Number(r.created_at_ms),
    paid_window: num(r.paid_window),
    paid_tx_id: r.paid_tx_id === null ? null : String(r.paid_tx_id),
    reason: r.reason === null ? null : String(r.reason),
    settled_at_ms: num(r.settled_at_ms),
  };
}

export function toDeposit(r: Raw): DepositRow {
  return {
    tx_id: String(r.tx_id),
    account: r.account === null ? null : String(r.account),
    tron_from: String(r.tron_from),
    amount_units: big(r.amount_units),
    block_number: Number(r.block_number),
    state: r.state as DepositState,
    at_ms: Number(r.at_ms),
  };
}

export function toAttempt(r: Raw): AttemptRow {
  return { tx_id: String(r.tx_id), withdrawal_id: String(r.withdrawal_id), signed_json: String(r.signed_json), expiration_ms: Number(r.expiration_ms), signed_at_ms: Number(r.signed_at_ms) };
}

// The app's client of the exchange (/ledger/exchange) and of the TRON full node's HTTP API (/tron on this origin:
// the local test chain, or a proxy to a real node), with fetch. Every answer is checked before the screens see it.
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { SignedTransfer } from '../../wallet/index.ts';

/** Error text from a server is shown to people: kept short. */
const MAX_MESSAGE_CHARS = 200;
const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^[0-9]{1,20}$/;
/** A stored (credited) deposit carries no count: it was read from a solidified block, 19 deep on TRON. */
const CONFIRMATIONS_SHOWN_WHEN_STORED = 19;

export interface ExchangeInfo {
  readonly hot_wallet: string;
  readonly token_id: string;
  readonly local_test_chain: boolean;
  readonly required_confirmations: number;
  readonly daily_limit_units: bigint;
  readonly limit_window_ms: number;
  readonly min_withdrawal_units: bigint;
  readonly max_withdrawal_units: bigint;
}

export interface ChainAccount {
  /** false: the address was never activated on the chain (no transfer ever reached it). */
  readonly exists: boolean;
  readonly trx_sun: bigint;
  readonly btt_units: bigint;
}

export interface HeadBlock {
  readonly id: string;
  readonly number: number;
  readonly timestamp_ms: number;
}

export type DepositState = 'broadcast' | 'confirming' | 'credited' | 'unattributed';
export interface DepositView {
  readonly tx_id: string;
  readonly amount_units: bigint;
  readonly state: DepositState;
  readonly confirmations: number;
}

export type WithdrawalState = 'requested' | 'queued' | 'paying' | 'completed' | 'refunded';
export interface WithdrawalView {
  readonly id: string;
  readonly to_address: string;
  readonly amount_units: bigint;
  readonly state: WithdrawalState;
  readonly position: number | null;
  readonly eta_ms: number | null;
  readonly tx_id: string | null;
  readonly confirmations: number;
  readonly reason: string | null;
}

export interface WithdrawalBody {
  readonly account: PublicKeyHex;
  readonly to_address: string;
  readonly amount_units: string;
  readonly nonce: string;
  readonly signature: string;
}

/** A refusal from the exchange or the node, with its code (`unknown_transaction`, `SIGERROR`, …). */
export class ExchangeApiError extends Error {
  override name = 'ExchangeApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message.slice(0, MAX_MESSAGE_CHARS));
  }
}

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function units(value: unknown, name: string): bigint {
  if (typeof value === 'string' && DECIMAL.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new ExchangeApiError(502, 'malformed_response', `${name}: not an amount`);
}

function count(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new ExchangeApiError(502, 'malformed_response', `${name}: not a count`);
}

function text(value: unknown, name: string): string {
  if (typeof value === 'string' && value.length <= MAX_MESSAGE_CHARS) return value;
  throw new ExchangeApiError(502, 'malformed_response', `${name}: not text`);
}

function hex64(value: unknown, name: string): string {
  if (typeof value === 'string' && HEX64.test(value)) return value;
  throw new ExchangeApiError(502, 'malformed_response', `${name}: not 64 hex characters`);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string): T {
  if (allowed.includes(value as T)) return value as T;
  throw new ExchangeApiError(502, 'malformed_response', `${name}: unexpected value`);
}

const orNull = <T>(value: unknown, read: (v: unknown) => T): T | null => (value === null || value === undefined ? null : read(value));

async function call(url: string, init?: RequestInit): Promise<Json> {
  const response = await fetch(url, { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) } });
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new ExchangeApiError(response.status, 'malformed_response', `answered ${response.status} with non-JSON`);
  }
  if (!isJson(json)) throw new ExchangeApiError(response.status, 'malformed_response', 'expected a JSON object');
  if (!response.ok) throw new ExchangeApiError(response.status, String(json.error ?? 'error'), String(json.message ?? json.Error ?? response.statusText));
  return json;
}

/** A deposit as GET /deposits/:tx_id answers it, or as the account's stored list holds it (credited rows). */
export function depositView(j: Json, from: 'confirmations' | 'stored'): DepositView {
  const state = oneOf(j.state, ['broadcast', 'confirming', 'credited', 'unattributed'] as const, 'state');
  return {
    tx_id: hex64(j.tx_id, 'tx_id'),
    amount_units: units(j.amount_units, 'amount_units'),
    state,
    confirmations: from === 'confirmations' ? count(j.confirmations, 'confirmations') : state === 'credited' ? CONFIRMATIONS_SHOWN_WHEN_STORED : 0,
  };
}

export function withdrawalView(j: Json): WithdrawalView {
  return {
    id: hex64(j.id, 'id'),
    to_address: text(j.to_address, 'to_address'),
    amount_units: units(j.amount_units, 'amount_units'),
    state: oneOf(j.state, ['requested', 'queued', 'paying', 'completed', 'refunded'] as const, 'state'),
    position: orNull(j.position, (v) => count(v, 'position')),
    eta_ms: orNull(j.eta_ms, (v) => count(v, 'eta_ms')),
    tx_id: orNull(j.tx_id, (v) => hex64(v, 'tx_id')),
    confirmations: count(j.confirmations, 'confirmations'),
    reason: orNull(j.reason, (v) => text(v, 'reason')),
  };
}

export function createExchangeApi(origin: string) {
  const exchange = `${origin}/ledger/exchange`;
  const node = `${origin}/tron`;
  return {
    async info(): Promise<ExchangeInfo> {
      const j = await call(`${exchange}/info`);
      return {
        hot_wallet: text(j.hot_wallet, 'hot_wallet'),
        token_id: text(j.token_id, 'token_id'),
        local_test_chain: j.local_test_chain === true,
        required_confirmations: count(j.required_confirmations, 'required_confirmations'),
        daily_limit_units: units(j.daily_limit_units, 'daily_limit_units'),
        limit_window_ms: count(j.limit_window_ms, 'limit_window_ms'),
        min_withdrawal_units: units(j.min_withdrawal_units, 'min_withdrawal_units'),
        max_withdrawal_units: units(j.max_withdrawal_units, 'max_withdrawal_units'),
      };
    },
    async ledgerId(): Promise<PublicKeyHex> {
      const id = (await call(`${origin}/ledger/info`)).ledger_id;
      if (typeof id !== 'string' || !HEX64.test(id)) throw new ExchangeApiError(502, 'malformed_response', 'ledger_id');
      return id as PublicKeyHex;
    },
    async chainAccount(address: string, token_id: string): Promise<ChainAccount> {
      const j = await call(`${node}/wallet/getaccount`, { method: 'POST', body: JSON.stringify({ address, visible: true }) });
      if (j.Error !== undefined) throw new ExchangeApiError(400, 'node_error', String(j.Error));
      const assets = Array.isArray(j.assetV2) ? j.assetV2 : [];
      const btt = assets.find((a): a is Json => isJson(a) && a.key === token_id);
      return { exists: j.address !== undefined, trx_sun: units(j.balance ?? 0, 'balance'), btt_units: units(btt?.value ?? 0, 'assetV2') };
    },
    async head(): Promise<HeadBlock> {
      const j = await call(`${node}/wallet/getnowblock`);
      const header = isJson(j.block_header) && isJson(j.block_header.raw_data) ? j.block_header.raw_data : {};
      if (typeof j.blockID !== 'string' || !HEX64.test(j.blockID)) throw new ExchangeApiError(502, 'malformed_response', 'blockID');
      return { id: j.blockID, number: count(header.number ?? 0, 'number'), timestamp_ms: count(header.timestamp, 'timestamp') };
    },
    /** The local test chain's faucet (absent on a real node). */
    async faucet(address: string): Promise<void> {
      await call(`${node}/admin/faucet`, { method: 'POST', body: JSON.stringify({ address }) });
    },
    async broadcast(tx: SignedTransfer): Promise<void> {
      const j = await call(`${node}/wallet/broadcasttransaction`, { method: 'POST', body: JSON.stringify(tx) });
      if (j.result === true) return;
      const message = typeof j.message === 'string' && /^[0-9a-f]*$/.test(j.message) ? new TextDecoder().decode(Uint8Array.from(j.message.match(/../g) ?? [], (h) => parseInt(h, 16))) : '';
      throw new ExchangeApiError(409, String(j.code ?? 'OTHER_ERROR'), message || 'the node refused the transaction');
    },
    async deposit(tx_id: string): Promise<DepositView> {
      return depositView(await call(`${exchange}/deposits/${tx_id}`), 'confirmations');
    },
    async withdraw(body: WithdrawalBody): Promise<WithdrawalView> {
      return withdrawalView(await call(`${exchange}/withdrawals`, { method: 'POST', body: JSON.stringify(body) }));
    },
    async withdrawal(id: string): Promise<WithdrawalView> {
      return withdrawalView(await call(`${exchange}/withdrawals/${id}`));
    },
    /** The account's credited deposits and its withdrawals, as the exchange keeps them. */
    async transfers(account: PublicKeyHex): Promise<{ deposits: DepositView[]; withdrawals: WithdrawalView[] }> {
      const j = await call(`${exchange}/accounts/${account}/transfers`);
      const list = (v: unknown) => (Array.isArray(v) ? v : []).filter(isJson);
      return { deposits: list(j.deposits).map((d) => depositView(d, 'stored')), withdrawals: list(j.withdrawals).map(withdrawalView) };
    },
  };
}

export type ExchangeApi = ReturnType<typeof createExchangeApi>;

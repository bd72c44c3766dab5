// The exchange as the screens see it: the wallet's TRON address and on-chain BTT/TRX, deposits it signs (kept in
// localStorage by txID until credited, so a reload never hides money in flight), withdrawals, and one timeline
// each. On the local test chain a new address is funded by the node's faucet at once.
import type { PublicKeyHex, Signer } from '../../protocol/ed25519.ts';
import { depositMemo, signWithdrawRequest } from '../../protocol/exchange-request.ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { buildTrc10Transfer, isTronAddress, TRANSFER_EXPIRATION_MS, tronAddressHex, withSignature } from '../../wallet/index.ts';
import { clockNonceSource } from '../../wallet/ledger-client.ts';
import { ExchangeApiError, type ChainAccount, type ExchangeApi, type ExchangeInfo, type WithdrawalView } from '../exchange/exchange-api.ts';
import { depositTimeline, withdrawalTimeline, type LocalDeposit, type Timeline } from '../exchange/timeline.ts';
import { formatMoney, formatTime } from '../lib/format.ts';

/** Transfers in flight are followed this often: a TRON block is 3 s, so a 1 s poll shows every confirmation. */
export const EXCHANGE_POLL_MS = 1_000;
/** Deposits remembered in localStorage until credited; more than this in flight at once is not a person. */
export const MAX_PENDING_DEPOSITS = 20;
const PENDING_KEY = (tron: string) => `seedpay.exchange.pending.${tron}`;

export interface ExchangeAccount {
  readonly payment: PublicKeyHex;
  readonly tron: string;
}
export type FundingState = 'idle' | 'funding' | 'funded' | 'failed';
type Entry = { readonly kind: 'deposit'; readonly d: LocalDeposit } | { readonly kind: 'withdrawal'; readonly w: WithdrawalView };

const final = (e: Entry) =>
  e.kind === 'deposit' ? e.d.broadcast === 'refused' || e.d.view?.state === 'credited' || e.d.view?.state === 'unattributed' : e.w.state === 'completed' || e.w.state === 'refunded';

const WITHDRAW_ERRORS: Readonly<Record<string, string>> = {
  insufficient_funds: 'Your Seedpay balance is too low for this withdrawal.',
  invalid_address: 'That is not a TRON address (check it for typos).',
  amount_below_minimum: 'That amount is below the exchange\'s minimum.',
  amount_exceeds_limit: 'That amount is above the exchange\'s daily limit.',
  unknown_account: 'Your account has no BTT on the ledger yet.',
};

class ExchangeState {
  #info = $state<ExchangeInfo | null>(null);
  #chain = $state<ChainAccount | null>(null);
  #error = $state<string | null>(null);
  #funding = $state<FundingState>('idle');
  /** Replaced whole, never mutated: raw, so an entry keeps its identity (#replace finds it by ===). */
  #entries = $state.raw<Entry[]>([]);
  #api: ExchangeApi | null = null;
  #account: ExchangeAccount | null = null;
  #ledgerId: Promise<PublicKeyHex> | null = null;
  #nextNonce = clockNonceSource();
  #timer: ReturnType<typeof setInterval> | null = null;
  #watchers = 0;
  #onFinal: () => void = () => {};

  get info(): ExchangeInfo | null {
    return this.#info;
  }
  get chain(): ChainAccount | null {
    return this.#chain;
  }
  get error(): string | null {
    return this.#error;
  }
  get funding(): FundingState {
    return this.#funding;
  }
  get timelines(): Timeline[] {
    const required = this.#info?.required_confirmations ?? 19;
    const now = Date.now();
    return this.#entries.map((e) => (e.kind === 'deposit' ? depositTimeline(e.d, required, now) : withdrawalTimeline(e.w, required, formatTime)));
  }

  setApi(api: ExchangeApi, onFinal: () => void): void {
    this.#api = api;
    this.#onFinal = onFinal;
  }

  /** Follow the unlocked wallet's addresses (null on lock). Funds a new address on the local test chain. */
  follow(account: ExchangeAccount | null): void {
    this.#account = account;
    this.#entries = [];
    this.#chain = null;
    this.#error = null;
    this.#funding = 'idle';
    if (account) void this.#load(account);
  }

  /** The view is open: follow the chain and every transfer in flight. Returns the stop function. */
  watch(): () => void {
    this.#watchers++;
    this.#timer ??= setInterval(() => void this.refresh(), EXCHANGE_POLL_MS);
    return () => {
      if (--this.#watchers === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }

  async refresh(): Promise<void> {
    const account = this.#account;
    const api = this.#api;
    const info = this.#info;
    if (!account || !api) return;
    if (!info) return this.#load(account); // the exchange was still starting, or unreachable, at unlock
    try {
      const chain = await api.chainAccount(account.tron, info.token_id);
      if (account !== this.#account) return;
      this.#chain = chain;
      let finished = false;
      for (const entry of this.#entries.filter((e) => !final(e))) {
        const next = await this.#poll(api, entry);
        if (account !== this.#account) return;
        this.#replace(entry, next);
        finished ||= final(next);
      }
      this.#error = null;
      if (finished) this.#onFinal();
    } catch (error) {
      this.#error = `Could not reach the exchange: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  /** Signs "deposit N BTT" with the wallet's TRON key (after the password) and broadcasts it; null or a message. */
  async deposit(amount_units: bigint, signTron: (txID: string) => Promise<{ ok: true; signature_hex: string } | { ok: false; message: string }>): Promise<string | null> {
    const account = this.#account;
    const api = this.#api;
    const info = this.#info;
    if (!account || !api || !info) return 'The exchange is not available.';
    if (amount_units <= 0n) return 'Enter an amount above zero.';
    if (this.#chain && amount_units > this.#chain.btt_units) return `Your TRON address holds ${formatMoney(this.#chain.btt_units)}.`;
    let head: Awaited<ReturnType<ExchangeApi['head']>>;
    try {
      head = await api.head();
    } catch (error) {
      return `Could not reach the TRON node: ${error instanceof Error ? error.message : String(error)}`;
    }
    const tx = buildTrc10Transfer({
      from: account.tron, to: info.hot_wallet, token_id: info.token_id, amount_units, memo: depositMemo(account.payment),
      head_block_id: head.id, head_timestamp_ms: head.timestamp_ms, now_ms: Date.now(),
    });
    const signed = await signTron(tx.txID);
    if (!signed.ok) return signed.message;
    const local: LocalDeposit = { tx_id: tx.txID, amount_units, broadcast: 'sending', refusal: null, view: null, expires_at_ms: head.timestamp_ms + TRANSFER_EXPIRATION_MS };
    const entry: Entry = { kind: 'deposit', d: local };
    this.#entries = [entry, ...this.#entries];
    let next: LocalDeposit;
    try {
      await api.broadcast(withSignature(tx, signed.signature_hex));
      next = { ...local, broadcast: 'accepted' };
    } catch (error) {
      next = { ...local, broadcast: 'refused', refusal: error instanceof Error ? error.message : String(error) };
    }
    this.#replace(entry, { kind: 'deposit', d: next });
    this.#savePending(account);
    return null;
  }

  /** Signs a withdrawal with the payment key and sends it; the ledger holds the amount at once. Null or a message. */
  async withdraw(to: string, amount_units: bigint, signer: Signer | null): Promise<string | null> {
    const account = this.#account;
    const api = this.#api;
    if (!account || !api || !signer) return 'Unlock the wallet first.';
    if (!isTronAddress(to)) return 'That is not a TRON address: it must start with T and its checksum must match.';
    this.#ledgerId ??= api.ledgerId();
    try {
      const nonce = this.#nextNonce();
      const request = { kind: 'withdraw' as const, account: account.payment, to_address_hex: tronAddressHex(to), amount_units, nonce };
      const signature = bytesToHex(await signWithdrawRequest(signer, await this.#ledgerId, request));
      const view = await api.withdraw({ account: account.payment, to_address: to, amount_units: String(amount_units), nonce: String(nonce), signature });
      this.#entries = [{ kind: 'withdrawal', w: view }, ...this.#entries];
      this.#onFinal();
      return null;
    } catch (error) {
      this.#ledgerId = null;
      if (error instanceof ExchangeApiError) return WITHDRAW_ERRORS[error.code] ?? `The exchange refused it: ${error.message}`;
      return `Could not reach the exchange: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async #load(account: ExchangeAccount): Promise<void> {
    const api = this.#api;
    if (!api) return;
    try {
      const info = (this.#info ??= await api.info());
      const [chain, transfers] = await Promise.all([api.chainAccount(account.tron, info.token_id), api.transfers(account.payment)]);
      if (account !== this.#account) return;
      this.#chain = chain;
      const pending = this.#loadPending(account).filter((p) => !transfers.deposits.some((d) => d.tx_id === p.tx_id));
      this.#entries = [
        ...pending.map((d): Entry => ({ kind: 'deposit', d })),
        ...transfers.withdrawals.map((w): Entry => ({ kind: 'withdrawal', w })),
        ...transfers.deposits.map((v): Entry => ({ kind: 'deposit', d: { tx_id: v.tx_id, amount_units: v.amount_units, broadcast: 'accepted', refusal: null, view: v, expires_at_ms: 0 } })),
      ];
      if (info.local_test_chain && !chain.exists) {
        this.#funding = 'funding';
        await api.faucet(account.tron);
        if (account === this.#account) this.#funding = 'funded';
      }
    } catch (error) {
      if (account !== this.#account) return;
      if (this.#funding === 'funding') this.#funding = 'failed';
      this.#error = `Could not reach the exchange: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  async #poll(api: ExchangeApi, entry: Entry): Promise<Entry> {
    if (entry.kind === 'withdrawal') return { kind: 'withdrawal', w: await api.withdrawal(entry.w.id) };
    if (entry.d.broadcast !== 'accepted') return entry;
    try {
      return { kind: 'deposit', d: { ...entry.d, view: await api.deposit(entry.d.tx_id) } };
    } catch (error) {
      if (error instanceof ExchangeApiError && error.code === 'unknown_transaction') return { kind: 'deposit', d: { ...entry.d, view: null } };
      throw error;
    }
  }

  #replace(old: Entry, next: Entry): void {
    this.#entries = this.#entries.map((e) => (e === old ? next : e));
    if (this.#account && next.kind === 'deposit') this.#savePending(this.#account);
  }

  #savePending(account: ExchangeAccount): void {
    const pending = this.#entries.flatMap((e) => (e.kind === 'deposit' && e.d.broadcast === 'accepted' && !final(e) ? [e.d] : []));
    const rows = pending.slice(0, MAX_PENDING_DEPOSITS).map((d) => ({ tx_id: d.tx_id, amount_units: String(d.amount_units), expires_at_ms: d.expires_at_ms }));
    if (rows.length === 0) localStorage.removeItem(PENDING_KEY(account.tron));
    else localStorage.setItem(PENDING_KEY(account.tron), JSON.stringify(rows));
  }

  /** Pending deposits saved by an earlier visit; a damaged record is dropped whole. */
  #loadPending(account: ExchangeAccount): LocalDeposit[] {
    try {
      const rows: unknown = JSON.parse(localStorage.getItem(PENDING_KEY(account.tron)) ?? '[]');
      if (!Array.isArray(rows)) return [];
      return rows.slice(0, MAX_PENDING_DEPOSITS).flatMap((r: { tx_id?: unknown; amount_units?: unknown; expires_at_ms?: unknown }) =>
        typeof r.tx_id === 'string' && /^[0-9a-f]{64}$/.test(r.tx_id) && typeof r.amount_units === 'string' && /^[0-9]{1,20}$/.test(r.amount_units) && typeof r.expires_at_ms === 'number'
          ? [{ tx_id: r.tx_id, amount_units: BigInt(r.amount_units), broadcast: 'accepted' as const, refusal: null, view: null, expires_at_ms: r.expires_at_ms }]
          : [],
      );
    } catch {
      return [];
    }
  }
}

export const exchange = new ExchangeState();

// The ledger's operations as the HTTP routes call them: verify at the boundary, submit to the engine, shape replies.
// Also the ledger's own housekeeping: the timeout sweeper and lazy expiry on read and close, and the audit.
import { randomBytes } from 'node:crypto';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { encodePaymentState, type ChannelId } from '../protocol/payment-state.ts';
import { TOTAL_SUPPLY_UNITS } from '../protocol/money.ts';
import { checkClaim, issueChallenge, RateLimiter, type AirdropConfig } from './airdrop.ts';
import { auditStore, JournalReplay, type AuditReport } from './audit.ts';
import { LedgerOverloadedError, type LedgerEngine, type Outcome } from './engine.ts';
import { ApiError } from './errors.ts';
import { RESERVES } from './genesis.ts';
import { MAX_CHANNEL_TIMEOUT_MS, MIN_CHANNEL_TIMEOUT_MS, type Command } from './ledger.ts';
import type { LedgerKey } from './ledger-key.ts';
import * as parse from './requests.ts';
import type { AsyncVerifier } from './verify-pool.ts';
import { MAX_PAGE_ROWS, type ChannelRow, type Store } from './store.ts';
import { accountView, channelView, entryView } from './views.ts';
import { OpenChannels } from './open-channels.ts';

/** Expired channels closed per sweep; the next sweep takes the rest. */
export const SWEEP_BATCH_CHANNELS = 256;
export const DEFAULT_HISTORY_ROWS = 100;

export interface LedgerApiDeps {
  readonly store: Store;
  readonly engine: LedgerEngine;
  readonly key: LedgerKey;
  readonly now: () => number;
  readonly airdrop: AirdropConfig;
  readonly verifier: AsyncVerifier;
}

type Json = Record<string, unknown>;

export class LedgerApi {
  readonly #d: LedgerApiDeps;
  readonly #limiter: RateLimiter;
  #replay: JournalReplay;
  #audit: Promise<AuditReport> | null = null;
  #sweeping: Promise<number> | null = null;
  readonly #opened = new OpenChannels();

  constructor(deps: LedgerApiDeps) {
    this.#d = deps;
    this.#limiter = new RateLimiter(deps.airdrop.max_requests_per_window, deps.airdrop.window_ms);
    this.#replay = new JournalReplay(deps.key.ledger_id);
  }

  get ledger_id(): PublicKeyHex {
    return this.#d.key.ledger_id;
  }

  #now(): number {
    return Math.floor(this.#d.now());
  }

  async #commit(command: Command): Promise<Extract<Outcome, { code: 'ok' }>> {
    let outcome: Outcome;
    try {
      outcome = await this.#d.engine.submit(command);
    } catch (error) {
      if (error instanceof LedgerOverloadedError) throw new ApiError('overloaded', 'the ledger is busy, retry shortly');
      throw error;
    }
    if (outcome.code !== 'ok') throw new ApiError(outcome.code);
    return outcome;
  }

  async info(): Promise<Json> {
    const head = await this.#d.store.head();
    return {
      ledger_id: this.ledger_id,
      store: this.#d.store.kind,
      now_ms: this.#now(),
      total_supply_units: String(TOTAL_SUPPLY_UNITS),
      reserves: RESERVES.map((r) => ({ account_id: r.id, label: r.label, share_bp: r.share_bp, amount_units: String(r.amount_units) })),
      airdrop: {
        amount_units: String(this.#d.airdrop.amount_units),
        difficulty_bits: this.#d.airdrop.difficulty_bits,
        challenge_ttl_ms: this.#d.airdrop.challenge_ttl_ms,
      },
      channel_timeout_ms: { min: MIN_CHANNEL_TIMEOUT_MS, max: MAX_CHANNEL_TIMEOUT_MS },
      journal_head: head,
    };
  }

  async account(id: string): Promise<Json> {
    const row = await this.#d.store.account(parse.accountIdParam(id));
    if (!row) throw new ApiError('unknown_account');
    return { ...accountView(row) };
  }

  async history(id: string, before?: string, limit?: string): Promise<Json> {
    const account = parse.accountIdParam(id);
    const before_seq = parse.intQuery(before, 'before_seq', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    const rows = parse.intQuery(limit, 'limit', DEFAULT_HISTORY_ROWS, MAX_PAGE_ROWS);
    if (!(await this.#d.store.account(account))) throw new ApiError('unknown_account');
    const entries = await this.#d.store.history(account, before_seq, rows);
    return { account_id: account, entries: entries.map(entryView) };
  }

  async journal(after?: string, limit?: string): Promise<Json> {
    const after_seq = parse.intQuery(after, 'after_seq', 0, Number.MAX_SAFE_INTEGER);
    const rows = parse.intQuery(limit, 'limit', DEFAULT_HISTORY_ROWS, MAX_PAGE_ROWS);
    return { ledger_id: this.ledger_id, entries: (await this.#d.store.journal(after_seq, rows)).map(entryView) };
  }

  /** Reading a channel past its timeout closes it first (refunding the payer), so readers see the truth. */
  async channel(id: string): Promise<Json> {
    const channel_id = parse.channelIdParam(id);
    let row = await this.#d.store.channel(channel_id);
    if (!row) throw new ApiError('unknown_channel');
    if (row.state === 'open' && this.#now() >= row.expires_at_ms) row = await this.#expire(row);
    return { ...channelView(row, this.#now()) };
  }

  async #expire(row: ChannelRow): Promise<ChannelRow> {
    await this.#d.engine.submit({ kind: 'channel_expire', channel_id: row.id, payer: row.payer }).catch(() => undefined);
    return (await this.#d.store.channel(row.id)) ?? row;
  }

  async transfer(body: Json): Promise<Json> {
    const signed = parse.parseTransfer(body);
    await parse.verifySignedRequest(this.#d.verifier, this.ledger_id, signed);
    const outcome = await this.#commit({ ...signed.request, signature: signed.signature_hex });
    const [from, to] = outcome.accounts.map(accountView);
    return { entry: entryView(outcome.entry), from, to };
  }

  async openChannel(body: Json): Promise<Json> {
    const signed = parse.parseChannelOpen(body);
    await parse.verifySignedRequest(this.#d.verifier, this.ledger_id, signed);
    const outcome = await this.#commit({ ...signed.request, signature: signed.signature_hex });
    const channel = outcome.channels[0] as ChannelRow;
    this.#opened.remember(channel);
    return { entry: entryView(outcome.entry), channel: channelView(channel, this.#now()) };
  }

  /** The payee closes with the payer's latest signed state; a close after the timeout expires the channel instead. */
  async closeChannel(id: string, body: Json): Promise<Json> {
    const signed = parse.parseChannelClose(body, parse.channelIdParam(id));
    const { request } = signed;
    // Both signatures are checked in one trip to the verifier; the request's own signature is judged first.
    const requestSigned = parse.verifySignedRequest(this.#d.verifier, this.ledger_id, signed);
    requestSigned.catch(() => undefined);
    // A channel opened here is known without a read; its payer, payee and context never change after open.
    const row = this.#opened.opened(request.channel_id) ?? (await this.#d.store.channel(request.channel_id));
    this.#opened.forget(request.channel_id);
    const state = row && encodePaymentState({ channel_id: row.id, amount_units: request.amount_units, seq: request.seq }, row.context);
    const stateSigned = row && state ? this.#d.verifier.verify(request.payment_signature, state, hexToBytes(row.payer)) : null;
    stateSigned?.catch(() => undefined);
    await requestSigned;
    if (!row) throw new ApiError('unknown_channel');
    if (row.payee !== request.payee) throw new ApiError('not_payee');
    // Same bytes and the same strict rule as verifyPaymentStateNoble, on OpenSSL.
    if (!(await stateSigned)) throw new ApiError('invalid_payment_signature');
    try {
      const outcome = await this.#commit({
        ...request,
        payer: row.payer,
        payment_signature: bytesToHex(request.payment_signature),
        signature: signed.signature_hex,
      });
      return { entry: entryView(outcome.entry), channel: channelView(outcome.channels[0] as ChannelRow, this.#now()) };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'channel_expired' && row.state === 'open') await this.#expire(row);
      throw error;
    }
  }

  challenge(public_key: unknown, client: string): Json {
    const key = parse.publicKeyField(public_key, 'public_key');
    if (!this.#limiter.allow(client, this.#now())) throw new ApiError('rate_limited', 'too many airdrop requests from this address');
    const { challenge, expires_at_ms } = issueChallenge(this.#d.key, key, this.#now(), this.#d.airdrop.challenge_ttl_ms, randomBytes(8));
    return {
      public_key: key,
      challenge: bytesToHex(challenge),
      difficulty_bits: this.#d.airdrop.difficulty_bits,
      expires_at_ms,
      amount_units: String(this.#d.airdrop.amount_units),
    };
  }

  async claim(body: Json, client: string): Promise<Json> {
    const signed = parse.parseAirdropClaim(body);
    if (!this.#limiter.allow(client, this.#now())) throw new ApiError('rate_limited', 'too many airdrop requests from this address');
    const check = checkClaim(this.#d.key, signed.request, this.#d.airdrop.difficulty_bits, this.#now());
    if (check !== 'ok') throw new ApiError(check);
    await parse.verifySignedRequest(this.#d.verifier, this.ledger_id, signed);
    const outcome = await this.#commit({
      kind: 'airdrop_claim',
      account: signed.request.public_key,
      amount_units: this.#d.airdrop.amount_units,
      nonce: signed.request.nonce,
      signature: signed.signature_hex,
    });
    return { entry: entryView(outcome.entry), account: accountView(outcome.accounts[1] as NonNullable<(typeof outcome.accounts)[1]>) };
  }

  /**
   * One audit at a time; concurrent callers share it. The chain is replayed from genesis on the first audit (and
   * after any problem, or with `from_genesis`), later audits continue it; every stored row is compared every time.
   */
  audit(from_genesis = false): Promise<AuditReport> {
    this.#audit ??= (async () => {
      try {
        if (from_genesis) this.#replay = new JournalReplay(this.ledger_id);
        const report = await auditStore(this.#d.store, this.#replay, 'full');
        if (!report.ok) this.#replay = new JournalReplay(this.ledger_id);
        return report;
      } finally {
        this.#audit = null;
      }
    })();
    return this.#audit;
  }

  /** Expires every open channel past its timeout (up to SWEEP_BATCH_CHANNELS); returns how many it closed. */
  sweep(): Promise<number> {
    this.#sweeping ??= (async () => {
      try {
        const due = await this.#d.store.expiredChannels(this.#now(), SWEEP_BATCH_CHANNELS);
        const outcomes = await Promise.all(
          due.map((c) => this.#d.engine.submit({ kind: 'channel_expire', channel_id: c.id as ChannelId, payer: c.payer })),
        );
        return outcomes.filter((o) => o.code === 'ok').length;
      } finally {
        this.#sweeping = null;
      }
    })();
    return this.#sweeping;
  }
}

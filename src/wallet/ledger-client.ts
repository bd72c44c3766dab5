// Typed client for the ledger API (src/ledger/http.ts), used by the browser wallet, the peer worker and tests.
// It signs with a Signer (never a raw private key), picks strictly increasing nonces, and turns amounts into bigint.
import { bytesToHex } from '@noble/hashes/utils.js';
import { toPublicKeyHex, type PublicKeyHex, type Signer } from '../protocol/ed25519.ts';
import { channelIdFor, signLedgerRequest, type LedgerRequest } from '../protocol/ledger-request.ts';
import type { Units } from '../protocol/money.ts';
import { NO_CONTEXT, type ChannelId, type SessionContext, type SignedPaymentState } from '../protocol/payment-state.ts';

export interface LedgerClientOptions {
  /** e.g. "http://127.0.0.1:8080/ledger" (no trailing slash needed). */
  readonly baseUrl: string;
  readonly fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** The ledger id to sign for; fetched once from /info when absent. */
  readonly ledgerId?: PublicKeyHex;
  /** Nonce source; the default is a per-client counter seeded from the clock (µs), so restarts keep increasing. */
  readonly nextNonce?: () => bigint;
}

export class LedgerApiError extends Error {
  override name = 'LedgerApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Account {
  account_id: string;
  balance_units: Units;
  escrow_units: Units;
  nonce: bigint;
  airdropped: boolean;
  created_at_ms: number;
}

export interface Channel {
  channel_id: ChannelId;
  payer: PublicKeyHex;
  payee: PublicKeyHex;
  escrow_units: Units;
  timeout_ms: number;
  /** The session this channel pays (payment states are signed over it). */
  context: SessionContext;
  opened_at_ms: number;
  expires_at_ms: number;
  remaining_ms: number;
  state: 'open' | 'closed' | 'expired';
  paid_units: Units;
  refund_units: Units;
  payment_seq: bigint | null;
  closed_at_ms: number | null;
}

/** A journal entry as served: `body` is the exact canonical JSON the ledger hashed and signed. */
export interface JournalEntryView {
  seq: number;
  at_ms: number;
  kind: string;
  body: string;
  fields: Record<string, string | number>;
  prev_hash: string;
  hash: string;
  signature: string;
}

export interface AirdropChallenge {
  public_key: PublicKeyHex;
  challenge: string;
  difficulty_bits: number;
  expires_at_ms: number;
  amount_units: Units;
}

type Json = Record<string, unknown>;

function toAccount(j: Json): Account {
  return {
    account_id: String(j.account_id),
    balance_units: BigInt(j.balance_units as string),
    escrow_units: BigInt(j.escrow_units as string),
    nonce: BigInt(j.nonce as string),
    airdropped: j.airdropped === true,
    created_at_ms: Number(j.created_at_ms),
  };
}

function toChannel(j: Json): Channel {
  return {
    ...(j as unknown as Channel),
    escrow_units: BigInt(j.escrow_units as string),
    paid_units: BigInt(j.paid_units as string),
    refund_units: BigInt(j.refund_units as string),
    payment_seq: j.payment_seq === null ? null : BigInt(j.payment_seq as string),
  };
}

/** One JSON call to the ledger: the parsed body, or a LedgerApiError with the ledger's code (storage-client.ts shares it). */
export async function callLedger(
  fetch: (input: string, init?: RequestInit) => Promise<Response>, url: string, method: 'GET' | 'POST', body?: Json,
): Promise<Json> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body) {
    init.body = JSON.stringify(body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch {
    throw new LedgerApiError(response.status, 'malformed_response', `ledger answered ${response.status} with non-JSON`);
  }
  if (!response.ok) throw new LedgerApiError(response.status, String(json.error ?? 'unknown'), String(json.message ?? ''));
  return json;
}

/** Clock-seeded counter: strictly increasing within the client, and larger than any nonce an earlier run used. */
export function clockNonceSource(now: () => number = Date.now): () => bigint {
  let last = 0n;
  return () => {
    const candidate = BigInt(Math.floor(now())) * 1000n;
    last = candidate > last ? candidate : last + 1n;
    return last;
  };
}

/** What every client of the ledger's HTTP API shares: its base URL, the fetch, and the ledger's id, read once. */
export class LedgerEndpoint {
  readonly #base: string;
  readonly #fetch: (input: string, init?: RequestInit) => Promise<Response>;
  #ledgerId: Promise<PublicKeyHex> | null;

  constructor(options: Pick<LedgerClientOptions, 'baseUrl' | 'fetch' | 'ledgerId'>) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#ledgerId = options.ledgerId ? Promise.resolve(options.ledgerId) : null;
  }

  protected call(method: 'GET' | 'POST', path: string, body?: Json): Promise<Json> {
    return callLedger(this.#fetch, `${this.#base}${path}`, method, body);
  }

  ledgerId(): Promise<PublicKeyHex> {
    this.#ledgerId ??= this.call('GET', '/info').then((info) => info.ledger_id as PublicKeyHex);
    this.#ledgerId.catch(() => (this.#ledgerId = null));
    return this.#ledgerId;
  }
}

export class LedgerClient extends LedgerEndpoint {
  readonly #nextNonce: () => bigint;

  constructor(options: LedgerClientOptions) {
    super(options);
    this.#nextNonce = options.nextNonce ?? clockNonceSource();
  }

  async #signed(signer: Signer, request: LedgerRequest, wire: Json): Promise<Json> {
    const signature = await signLedgerRequest(signer, await this.ledgerId(), request);
    return { ...wire, nonce: String(request.nonce), signature: bytesToHex(signature) };
  }

  info(): Promise<Json> {
    return this.call('GET', '/info');
  }

  async account(id: string): Promise<Account> {
    return toAccount(await this.call('GET', `/accounts/${encodeURIComponent(id)}`));
  }

  async history(id: string, options: { before_seq?: number; limit?: number } = {}): Promise<JournalEntryView[]> {
    const query = new URLSearchParams();
    if (options.before_seq !== undefined) query.set('before_seq', String(options.before_seq));
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const json = await this.call('GET', `/accounts/${encodeURIComponent(id)}/history?${query}`);
    return json.entries as JournalEntryView[];
  }

  async journal(after_seq = 0, limit = 100): Promise<JournalEntryView[]> {
    return (await this.call('GET', `/journal?after_seq=${after_seq}&limit=${limit}`)).entries as JournalEntryView[];
  }

  async channel(id: ChannelId): Promise<Channel> {
    return toChannel(await this.call('GET', `/channels/${id}`));
  }

  audit(): Promise<Json> {
    return this.call('GET', '/audit');
  }

  async transfer(signer: Signer, args: { to: PublicKeyHex; amount_units: Units; nonce?: bigint }): Promise<{ from: Account; to: Account }> {
    const from = toPublicKeyHex(signer.publicKey);
    const request = { kind: 'transfer' as const, from, to: args.to, amount_units: args.amount_units, nonce: args.nonce ?? this.#nextNonce() };
    const body = await this.#signed(signer, request, { from, to: args.to, amount_units: String(args.amount_units) });
    const json = await this.call('POST', '/transfers', body);
    return { from: toAccount(json.from as Json), to: toAccount(json.to as Json) };
  }

  /**
   * Opens a channel; its id (derivable in advance with channelIdFor) is in the returned channel. `context` binds it to
   * the one session it pays (session-context.ts); without it the channel is unbound (zeros), as in closed worlds.
   */
  async openChannel(
    signer: Signer, args: { payee: PublicKeyHex; escrow_units: Units; timeout_ms: number; context?: SessionContext; nonce?: bigint },
  ): Promise<Channel> {
    const payer = toPublicKeyHex(signer.publicKey);
    const nonce = args.nonce ?? this.#nextNonce();
    const context = args.context ?? NO_CONTEXT;
    const request = { kind: 'channel_open' as const, payer, payee: args.payee, escrow_units: args.escrow_units, timeout_ms: args.timeout_ms, context, nonce };
    const wire = { payer, payee: args.payee, escrow_units: String(args.escrow_units), timeout_ms: args.timeout_ms, context };
    const json = await this.call('POST', '/channels', await this.#signed(signer, request, wire));
    const channel = toChannel(json.channel as Json);
    if (channel.channel_id !== channelIdFor(payer, nonce)) throw new LedgerApiError(200, 'malformed_response', 'unexpected channel id');
    return channel;
  }

  /** Closes as the payee with the payer's last signed payment state. */
  async closeChannel(signer: Signer, args: { state: SignedPaymentState; nonce?: bigint }): Promise<Channel> {
    const payee = toPublicKeyHex(signer.publicKey);
    const { state } = args;
    const request = {
      kind: 'channel_close' as const,
      payee,
      channel_id: state.channel_id,
      amount_units: state.amount_units,
      seq: state.seq,
      payment_signature: state.signature,
      nonce: args.nonce ?? this.#nextNonce(),
    };
    const wire = { payee, amount_units: String(state.amount_units), seq: String(state.seq), payment_signature: bytesToHex(state.signature) };
    const json = await this.call('POST', `/channels/${state.channel_id}/close`, await this.#signed(signer, request, wire));
    return toChannel(json.channel as Json);
  }

  async airdropChallenge(public_key: PublicKeyHex): Promise<AirdropChallenge> {
    const json = await this.call('GET', `/airdrop/challenge?public_key=${public_key}`);
    return { ...(json as unknown as AirdropChallenge), amount_units: BigInt(json.amount_units as string) };
  }

  /** Claims with a solved challenge (solve with solvePowChunk from src/protocol/pow.ts, in a worker). */
  async claimAirdrop(signer: Signer, args: { challenge: Uint8Array; pow_nonce: number; nonce?: bigint }): Promise<Account> {
    const public_key = toPublicKeyHex(signer.publicKey);
    const request = { kind: 'airdrop_claim' as const, public_key, challenge: args.challenge, pow_nonce: args.pow_nonce, nonce: args.nonce ?? this.#nextNonce() };
    const wire = { public_key, challenge: bytesToHex(args.challenge), pow_nonce: args.pow_nonce };
    const json = await this.call('POST', '/airdrop/claim', await this.#signed(signer, request, wire));
    return toAccount(json.account as Json);
  }
}

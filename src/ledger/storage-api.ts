// Paid storage on the ledger, as the HTTP routes and the epoch timer call it: opens signed by both parties, the
// ledger's beacon (a secret per contract and epoch, derived from the ledger key, committed one epoch ahead), the
// challenge, the provider's signed answer, and the timer that challenges due epochs and grades missed deadlines.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { beaconCommit, DEFAULT_CONFIDENCE_PPM, DEFAULT_MISS_PPM, leavesPerChallenge } from '../protocol/storage-challenge.ts';
import { MIN_EPOCH_MS, type ContractState } from '../protocol/storage-contract.ts';
import { leafCount } from '../protocol/storage-merkle.ts';
import { encodeStorageAnswer, encodeStorageOpen, isStorageContractId, storageContractIdFor } from '../protocol/storage-request.ts';
import { LedgerOverloadedError, type LedgerEngine, type Outcome } from './engine.ts';
import { ApiError } from './errors.ts';
import type { Command } from './ledger.ts';
import type { LedgerKey } from './ledger-key.ts';
import { BadAnswerLimit } from './storage-answer-limit.ts';
import { contractState, contractView, type ContractRow } from './storage-rows.ts';
import { nodeSha256 } from './storage-step.ts';
import { MAX_ANSWER_BODY_BYTES, MAX_PROOF_WIRE_BYTES, parseStorageAnswer, parseStorageOpen } from './storage-requests.ts';
import { intQuery, publicKeyField } from './requests.ts';
import { MAX_PAGE_ROWS, type Store } from './store.ts';
import type { AsyncVerifier } from './verify-pool.ts';
import { entryView } from './views.ts';

/** The ledger's leaves per challenge: a provider missing 10 % of its replica is caught with ≥ 99 % per epoch (44). */
export const LEAVES_PER_CHALLENGE = leavesPerChallenge(DEFAULT_MISS_PPM, DEFAULT_CONFIDENCE_PPM);
/** Shortest epoch a production ledger accepts: a minute gives a browser coming and going time to answer. */
export const DEFAULT_MIN_EPOCH_MS = 60_000;
/** How often the epoch timer looks for due contracts. */
export const DEFAULT_STORAGE_TICK_MS = 1_000;
/** Contracts cranked per pass, and passes per tick (a restart after a long outage catches up a few epochs a tick). */
export const TICK_BATCH_CONTRACTS = 256;
export const MAX_TICK_PASSES = 8;
/** Contracts per page of GET /storage/contracts?party= when the client names no limit. */
export const DEFAULT_CONTRACT_PAGE_ROWS = 100;
const BEACON_DOMAIN = new TextEncoder().encode('seedpay/storage-beacon-secret/v1');

export interface StorageOptions {
  /** Shortest epoch_ms accepted in terms (MIN_EPOCH_MS at least); tests use short epochs. */
  readonly min_epoch_ms?: number;
}

export interface StorageApiDeps {
  readonly store: Store;
  readonly engine: LedgerEngine;
  readonly key: LedgerKey;
  readonly now: () => number;
  readonly verifier: AsyncVerifier;
  readonly options?: StorageOptions;
}

type Json = Record<string, unknown>;

export class StorageApi {
  readonly #d: StorageApiDeps;
  readonly min_epoch_ms: number;
  #ticking: Promise<number> | null = null;
  readonly #badAnswers = new BadAnswerLimit();

  constructor(deps: StorageApiDeps) {
    this.#d = deps;
    this.min_epoch_ms = Math.max(MIN_EPOCH_MS, deps.options?.min_epoch_ms ?? DEFAULT_MIN_EPOCH_MS);
  }

  /** The beacon secret of (contract, epoch): a MAC under the ledger key, so nobody can predict it and a restart keeps it. */
  beaconSecret(contract_id: string, epoch: number): Uint8Array {
    const tail = new Uint8Array(36);
    tail.set(hexToBytes(contract_id), 0);
    new DataView(tail.buffer).setUint32(32, epoch);
    const message = new Uint8Array(BEACON_DOMAIN.length + tail.length);
    message.set(BEACON_DOMAIN, 0);
    message.set(tail, BEACON_DOMAIN.length);
    return this.#d.key.mac(message);
  }

  #view(row: ContractRow): Json {
    return contractView(row, (epoch) => this.beaconSecret(row.id, epoch));
  }

  async #submit(command: Command): Promise<Outcome> {
    try {
      return await this.#d.engine.submit(command);
    } catch (error) {
      if (error instanceof LedgerOverloadedError) throw new ApiError('overloaded', 'the ledger is busy, retry shortly');
      throw error;
    }
  }

  async #commit(command: Command): Promise<Extract<Outcome, { code: 'ok' }>> {
    const outcome = await this.#submit(command);
    if (outcome.code !== 'ok') throw new ApiError(outcome.code, 'detail' in outcome && outcome.detail ? outcome.detail : undefined);
    return outcome;
  }

  info(): Json {
    return { leaves_per_challenge: LEAVES_PER_CHALLENGE, min_epoch_ms: this.min_epoch_ms, max_answer_body_bytes: MAX_ANSWER_BODY_BYTES };
  }

  /** Opens a contract both parties signed: the requester's escrow and the provider's collateral move in one entry. */
  async open(body: Json): Promise<Json> {
    const { terms, requester_signature, provider_signature } = parseStorageOpen(body);
    const ledger_id = this.#d.key.ledger_id;
    const [byRequester, byProvider] = await Promise.all([
      this.#d.verifier.verify(requester_signature, encodeStorageOpen(ledger_id, terms, 'open'), hexToBytes(terms.requester)),
      this.#d.verifier.verify(provider_signature, encodeStorageOpen(ledger_id, terms, 'accept'), hexToBytes(terms.provider)),
    ]);
    if (!byRequester) throw new ApiError('invalid_signature', `the open is not signed by the requester ${terms.requester} for this ledger`);
    if (!byProvider) throw new ApiError('invalid_signature', `the provider ${terms.provider} did not accept these terms`);
    if (terms.epoch_ms < this.min_epoch_ms) throw new ApiError('bad_terms', `epoch_ms: this ledger's epochs are at least ${this.min_epoch_ms} ms`);
    // The worst-case answer must fit one request body (base64 of the proofs, plus a little JSON).
    const proofBytes = Math.min(LEAVES_PER_CHALLENGE, Math.ceil(terms.size_bytes / Math.max(1, terms.leaf_bytes))) * Math.min(MAX_PROOF_WIRE_BYTES, terms.leaf_bytes + 9 + 26 * 32);
    if (Math.ceil(proofBytes / 3) * 4 + 64 * 1024 > MAX_ANSWER_BODY_BYTES) throw new ApiError('bad_terms', 'leaf_bytes: an answer would not fit one request');
    const contract_id = storageContractIdFor(terms.requester, terms.nonce);
    const outcome = await this.#commit({
      kind: 'storage_open', contract_id, terms, leaves_per_challenge: LEAVES_PER_CHALLENGE,
      first_commit: beaconCommit(this.beaconSecret(contract_id, 0)),
      requester_signature: bytesToHex(requester_signature), provider_signature: bytesToHex(provider_signature),
    });
    return { entry: entryView(outcome.entry), contract: this.#view(outcome.contracts?.[0] as ContractRow) };
  }

  async #row(id: string): Promise<ContractRow> {
    if (!isStorageContractId(id)) throw new ApiError('invalid_field', 'contract_id: expected 64 lowercase hex characters');
    const row = await this.#d.store.storageContract(id);
    if (!row) throw new ApiError('unknown_contract');
    return row;
  }

  /** Reading a contract that is due cranks it first (as reading an expired channel expires it): readers see the truth. */
  async #fresh(id: string): Promise<ContractRow> {
    let row = await this.#row(id);
    for (let pass = 0; pass < MAX_TICK_PASSES && row.due_at_ms !== null && row.due_at_ms <= Math.floor(this.#d.now()); pass++) {
      const outcome = await this.#crank(row);
      // A refused crank usually means the epoch timer (or another reader) cranked it first: read what it wrote.
      row = (await this.#d.store.storageContract(id)) ?? row;
      if (outcome.code !== 'ok') break;
    }
    return row;
  }

  /**
   * A page of one party's contracts (requester or provider), by id after `after`, as stored: a due one is cranked
   * when it is read alone or its challenge is. `next_after` is the id to continue from, or null on the last page.
   */
  async list(party: string | undefined, after: string | undefined, limit: string | undefined): Promise<Json> {
    const key = publicKeyField(party, 'party');
    if (after !== undefined && !isStorageContractId(after)) throw new ApiError('invalid_field', 'after: expected a contract id (64 lowercase hex characters)');
    const rows = intQuery(limit, 'limit', DEFAULT_CONTRACT_PAGE_ROWS, MAX_PAGE_ROWS);
    if (rows < 1) throw new ApiError('invalid_field', `limit: expected an integer from 1 to ${MAX_PAGE_ROWS}`);
    const page = await this.#d.store.partyStorageContracts(key, after ?? '', rows);
    return { party: key, contracts: page.map((row) => this.#view(row)), next_after: page.length === rows ? (page.at(-1)?.id ?? null) : null };
  }

  async contract(id: string): Promise<Json> {
    return this.#view(await this.#fresh(id));
  }

  /** The open challenge: which leaves, until when, and the revealed beacon secret anyone can re-derive them from. */
  async challenge(id: string): Promise<Json> {
    const row = await this.#fresh(id);
    const view = this.#view(row);
    const s = contractState(row);
    if (!s.challenge) {
      const when = s.phase === 'Ended' ? `the contract ended (${s.end_reason})` : `the next epoch opens at ${String(view.next_epoch_at_ms)} ms`;
      throw new ApiError(s.phase === 'Ended' ? 'contract_ended' : 'no_open_challenge', `no open challenge: ${when}`);
    }
    return {
      contract_id: row.id, ...(view.challenge as Json), root: bytesToHex(s.terms.root), size_bytes: s.terms.size_bytes,
      leaf_bytes: s.terms.leaf_bytes, leaf_count: leafCount(s.terms),
    };
  }

  /** The provider's answer, signed over (contract, epoch, proofs): paid for its epoch only if every proof verifies in time. */
  async answer(id: string, body: Json): Promise<Json> {
    const parsed = parseStorageAnswer(body);
    const row = await this.#row(id);
    this.#badAnswers.check(row.id, row.updated_seq);
    const message = encodeStorageAnswer(this.#d.key.ledger_id, row.id, parsed.epoch, parsed.proofs, nodeSha256);
    if (!(await this.#d.verifier.verify(parsed.signature, message, hexToBytes(row.provider)))) {
      throw new ApiError('invalid_signature', `the answer is not signed by the provider ${row.provider} for this contract and epoch`);
    }
    const outcome = await this.#commit({
      kind: 'storage_answer', contract_id: row.id, requester: row.requester, provider: row.provider, epoch: parsed.epoch,
      proofs: parsed.proofs, signature: parsed.signature_hex,
    }).catch((error: unknown) => {
      this.#badAnswers.record(row.id, row.updated_seq, error);
      throw error;
    });
    return { entry: entryView(outcome.entry), contract: this.#view(outcome.contracts?.[0] as ContractRow) };
  }

  /** One transition of a due contract: the epoch's challenge, or the miss after its deadline. */
  #crank(row: ContractRow, down_since_ms?: number): Promise<Outcome> {
    const parties = { contract_id: row.id, requester: row.requester, provider: row.provider };
    if (down_since_ms !== undefined) return this.#submit({ kind: 'storage_restarted', ...parties, down_since_ms });
    const s: ContractState = contractState(row);
    if (s.phase === 'WaitingForAnswer') return this.#submit({ kind: 'storage_tick', ...parties });
    const beacon_secret = this.beaconSecret(row.id, s.epoch);
    return this.#submit({ kind: 'storage_challenge', ...parties, epoch: s.epoch, beacon_secret, next_commit: beaconCommit(this.beaconSecret(row.id, s.epoch + 1)) });
  }

  /** The epoch timer's pass: cranks every due contract (in batches), again while transitions happen. Returns how many. */
  tick(): Promise<number> {
    this.#ticking ??= (async () => {
      try {
        let done = 0;
        for (let pass = 0; pass < MAX_TICK_PASSES; pass++) {
          const due = await this.#d.store.dueStorageContracts(Math.floor(this.#d.now()), TICK_BATCH_CONTRACTS);
          const outcomes = await Promise.all(due.map((row) => this.#crank(row)));
          const ok = outcomes.filter((o) => o.code === 'ok').length;
          done += ok;
          if (ok === 0) break;
        }
        return done;
      } finally {
        this.#ticking = null;
      }
    })();
    return this.#ticking;
  }

  /** Resolves once a running timer pass is over (the service closes the store after it). */
  async settled(): Promise<void> {
    await this.#ticking?.catch(() => 0);
  }

  /**
   * After a restart: a challenge whose deadline passed while the ledger was down (after its last journal entry) gets a
   * full window again, so the provider is never charged for the ledger's outage. Runs before the timer starts.
   */
  async recover(): Promise<number> {
    const head = await this.#d.store.head();
    const [last] = head.seq > 0 ? await this.#d.store.journal(head.seq - 1, 1) : [];
    const down_since_ms = Math.min(last?.at_ms ?? 0, Math.floor(this.#d.now()));
    let extended = 0;
    for (let pass = 0; pass < MAX_TICK_PASSES; pass++) {
      // Windows that closed before the ledger went down were missed for real: the timer grades those.
      const due = (await this.#d.store.dueStorageContracts(Math.floor(this.#d.now()), MAX_PAGE_ROWS))
        .filter((r) => r.phase === 'WaitingForAnswer' && (r.due_at_ms ?? 0) - 1 >= down_since_ms);
      if (due.length === 0) break;
      const outcomes = await Promise.all(due.map((row) => this.#crank(row, down_since_ms)));
      extended += outcomes.filter((o) => o.code === 'ok').length;
    }
    return extended;
  }
}

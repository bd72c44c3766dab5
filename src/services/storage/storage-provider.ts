// The storage provider's shell (Node): each pass lists its contracts on the ledger, fetches the challenges that are
// due, reads the challenged leaves from its ReplicaStore and answers with their Merkle paths, signed with its key,
// before the deadline. A timer runs the passes (start/stop); tests call runOnce() with their own clock.
import { toPublicKeyHex, type PublicKeyHex, type Signer } from '../../protocol/ed25519.ts';
import type { LeafProof } from '../../protocol/storage-merkle.ts';
import { checkChallenge, MIN_POLL_MS, planAnswer, planPoll, type ChallengeGlance, type ContractGlance, type Handled } from './provider-core.ts';
import { nodeSha256, type ReplicaStore } from './replica-store.ts';

/** Contracts per page when listing, and pages per pass (a provider with more is served the first ones). */
export const LIST_PAGE_CONTRACTS = 1000;
export const MAX_LIST_PAGES = 20;
/** After a transient failure (ledger busy or unreachable), try again this soon. */
export const RETRY_MS = 1_000;

/** The slice of the storage ledger client (src/wallet/storage-client.ts) the provider uses. */
export interface StorageProviderLedger {
  contractsOf(party: PublicKeyHex, options?: { after?: string; limit?: number }): Promise<{ contracts: ContractGlance[]; next_after: string | null }>;
  challenge(id: string): Promise<ChallengeGlance>;
  answer(signer: Signer, args: { contract_id: string; epoch: number; proofs: readonly LeafProof[] }): Promise<{ contract: ContractGlance }>;
}

export type EpochOutcome =
  | 'paid'
  /** Challenged leaves are gone or damaged here: no answer is sent, the epoch is missed. */
  | 'missing_leaves'
  /** The challenge is for a replica this store does not hold, or has another shape, or bad indexes, or came too late. */
  | 'unknown_replica' | 'shape_mismatch' | 'bad_indexes' | 'deadline_passed'
  /** The ledger had no open challenge (between epochs, or the contract ended). */
  | 'no_challenge'
  /** The ledger refused the answer (its code); `retry` ones are tried again. */
  | 'refused' | 'retry';

export interface EpochReport {
  readonly contract_id: string;
  readonly epoch: number | null;
  readonly outcome: EpochOutcome;
  /** The ledger's code for refused/retry, or how many leaves were missing. */
  readonly detail?: string;
}

export interface StorageProviderOptions {
  readonly signer: Signer;
  readonly store: ReplicaStore;
  readonly ledger: StorageProviderLedger;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

const TRANSIENT = new Set(['overloaded', 'internal', 'malformed_response', 'rate_limited']);

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unreachable';
}

export class StorageProvider {
  readonly key: PublicKeyHex;
  readonly #o: StorageProviderOptions;
  readonly #now: () => number;
  readonly #done = new Map<string, Handled>();
  readonly #tally = new Map<EpochOutcome, number>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running: Promise<EpochReport[]> | null = null;
  #wake_at_ms = 0;

  constructor(options: StorageProviderOptions) {
    this.#o = options;
    this.key = toPublicKeyHex(options.signer.publicKey);
    this.#now = options.now ?? Date.now;
  }

  /** Epochs handled so far, by outcome: what the provider is shown. */
  tally(): Record<string, number> {
    return Object.fromEntries(this.#tally);
  }

  get wake_at_ms(): number {
    return this.#wake_at_ms;
  }

  async #contracts(): Promise<ContractGlance[]> {
    const all: ContractGlance[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const got = await this.#o.ledger.contractsOf(this.key, { limit: LIST_PAGE_CONTRACTS, ...(after ? { after } : {}) });
      all.push(...got.contracts);
      if (!got.next_after) break;
      after = got.next_after;
    }
    return all;
  }

  /** One pass: answers every due challenge; drops the replicas of contracts that ended. Returns what happened. */
  runOnce(): Promise<EpochReport[]> {
    this.#running ??= this.#pass().finally(() => (this.#running = null));
    return this.#running;
  }

  async #pass(): Promise<EpochReport[]> {
    let contracts: ContractGlance[];
    try {
      contracts = await this.#contracts();
    } catch (error) {
      this.#wake_at_ms = this.#now() + RETRY_MS;
      this.#o.log?.(`storage provider: cannot list contracts (${codeOf(error)})`);
      return [];
    }
    this.#dropEnded(contracts);
    const plan = planPoll(this.key, contracts, this.#done, this.#now());
    const reports: EpochReport[] = [];
    for (const id of plan.due) reports.push(await this.#answer(id));
    for (const r of reports) this.#tally.set(r.outcome, (this.#tally.get(r.outcome) ?? 0) + 1);
    const again = [...this.#done.values()].map((h) => h.until_ms);
    // A listing a moment stale (the epoch started, the ledger had not challenged yet) is looked at again soon.
    const retry = reports.some((r) => r.outcome === 'retry') ? this.#now() + RETRY_MS
      : reports.some((r) => r.outcome === 'no_challenge') ? this.#now() + MIN_POLL_MS : Infinity;
    this.#wake_at_ms = Math.max(this.#now() + MIN_POLL_MS, Math.min(plan.wake_at_ms, retry, ...again.filter((t) => t > this.#now())));
    return reports;
  }

  #dropEnded(contracts: readonly ContractGlance[]): void {
    const live = new Set(contracts.filter((c) => c.phase !== 'Ended').map((c) => c.terms.root));
    for (const c of contracts) {
      if (c.phase === 'Ended' && c.provider === this.key && !live.has(c.terms.root) && this.#o.store.has(c.terms.root)) {
        this.#o.store.remove(c.terms.root);
        this.#done.delete(c.contract_id);
        this.#o.log?.(`storage provider: contract ${c.contract_id.slice(0, 12)} ended; its replica is dropped`);
      }
    }
  }

  async #answer(id: string): Promise<EpochReport> {
    let c: ChallengeGlance;
    try {
      c = await this.#o.ledger.challenge(id);
    } catch (error) {
      const code = codeOf(error);
      // Between epochs or after the end: nothing to answer; the next listing says when to look again.
      const outcome = TRANSIENT.has(code) || code === 'unreachable' ? 'retry' : code === 'no_open_challenge' || code === 'contract_ended' ? 'no_challenge' : 'refused';
      return { contract_id: id, epoch: null, outcome, detail: code };
    }
    const handled = (until_ms: number) => this.#done.set(id, { epoch: c.epoch, until_ms });
    const tree = this.#o.store.tree(c.root, c.leaf_bytes);
    const problem = checkChallenge(c, tree, this.#now());
    if (problem || !tree) {
      handled(c.deadline_ms + 1);
      this.#o.log?.(`storage provider: contract ${id.slice(0, 12)} epoch ${c.epoch}: cannot answer (${problem ?? 'unknown_replica'})`);
      return { contract_id: id, epoch: c.epoch, outcome: problem ?? 'unknown_replica' };
    }
    const plan = planAnswer(tree, c.indexes, this.#o.store.readLeaves(tree, c.indexes), nodeSha256);
    if (!plan.ok) {
      handled(c.deadline_ms + 1);
      this.#o.log?.(`storage provider: contract ${id.slice(0, 12)} epoch ${c.epoch}: ${plan.missing.length} challenged leaves are missing here; the epoch is lost`);
      return { contract_id: id, epoch: c.epoch, outcome: 'missing_leaves', detail: String(plan.missing.length) };
    }
    try {
      const paid = await this.#o.ledger.answer(this.#o.signer, { contract_id: id, epoch: c.epoch, proofs: plan.proofs });
      handled(paid.contract.next_epoch_at_ms ?? c.deadline_ms + 1);
      return { contract_id: id, epoch: c.epoch, outcome: 'paid' };
    } catch (error) {
      const code = codeOf(error);
      if (TRANSIENT.has(code) || code === 'unreachable') return { contract_id: id, epoch: c.epoch, outcome: 'retry', detail: code };
      handled(c.deadline_ms + 1);
      this.#o.log?.(`storage provider: contract ${id.slice(0, 12)} epoch ${c.epoch}: the ledger refused the answer (${code})`);
      return { contract_id: id, epoch: c.epoch, outcome: 'refused', detail: code };
    }
  }

  /** Runs passes on a timer, each when the last one said to look again. */
  start(): void {
    if (this.#timer) return;
    const loop = () => {
      void this.runOnce().catch((error: unknown) => this.#o.log?.(`storage provider: pass failed: ${String(error)}`)).finally(() => {
        if (!this.#timer) return;
        this.#timer = setTimeout(loop, Math.max(MIN_POLL_MS, this.#wake_at_ms - this.#now()));
      });
    };
    this.#timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => []);
  }
}

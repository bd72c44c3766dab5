// The imperative shell around the domain: queues commands, runs each batch as ONE store transaction, acks after commit.
// Group commit: commands arriving in the same tick share one fsync, but each is decided alone and fails alone.
import type { Units } from '../protocol/money.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { RESERVES } from './genesis.ts';
import { appendEntry, EMPTY_HEAD, MAX_UNSIGNED_RUN, seal } from './journal.ts';
import { assert } from './invariant.ts';
import { commandKeys, step, type Command, type LedgerResultCode, type LedgerView } from './ledger.ts';
import type { LedgerKey } from './ledger-key.ts';
import type { ContractRow } from './storage-rows.ts';
import type { AccountId, AccountRow, BatchWrites, ChannelRow, JournalEntry, JournalHead, LoadedRows, Store } from './store.ts';

/** Commands per transaction: bounds the rows one transaction locks and the latency one slow batch adds. */
export const MAX_BATCH_COMMANDS = MAX_UNSIGNED_RUN;
/** Commands waiting for a transaction: beyond this the service sheds load instead of queueing without bound. */
export const MAX_QUEUED_COMMANDS = 16_384;

export type Outcome =
  | { readonly code: 'ok'; readonly entry: JournalEntry; readonly accounts: AccountRow[]; readonly channels: ChannelRow[]; readonly contracts?: ContractRow[] }
  | { readonly code: LedgerResultCode; readonly detail?: string };

export class LedgerOverloadedError extends Error {
  override name = 'LedgerOverloadedError';
}

interface Pending {
  readonly command: Command;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

/** Rows loaded for a batch plus the batch's own changes so far: later commands see earlier ones. */
class Overlay implements LedgerView {
  readonly #loaded: LoadedRows;
  readonly accounts = new Map<AccountId, AccountRow>();
  readonly channels = new Map<ChannelId, ChannelRow>();
  readonly contracts = new Map<string, ContractRow>();

  constructor(loaded: LoadedRows) {
    this.#loaded = loaded;
  }

  account(id: AccountId): AccountRow | undefined {
    return this.accounts.get(id) ?? this.#loaded.accounts.get(id);
  }

  channel(id: ChannelId): ChannelRow | undefined {
    return this.channels.get(id) ?? this.#loaded.channels.get(id);
  }

  contract(id: string): ContractRow | undefined {
    return this.contracts.get(id) ?? this.#loaded.contracts?.get(id);
  }
}

/** Every successful step moves money without creating or destroying any, and leaves nothing negative. */
function checkConservation(view: LedgerView, accounts: readonly AccountRow[]): void {
  let delta: Units = 0n;
  for (const row of accounts) {
    assert(row.balance_units >= 0n && row.escrow_units >= 0n, `account ${row.id} would go negative`);
    const before = view.account(row.id);
    delta += row.balance_units + row.escrow_units - (before ? before.balance_units + before.escrow_units : 0n);
  }
  assert(delta === 0n, `step would change the supply by ${delta}`);
}

export class LedgerEngine {
  readonly #store: Store;
  readonly #key: LedgerKey;
  readonly #now: () => number;
  #queue: Pending[] = [];
  #flushing = false;
  #last_ms = 0;

  constructor(store: Store, key: LedgerKey, now: () => number) {
    this.#store = store;
    this.#key = key;
    this.#now = now;
  }

  submit(command: Command): Promise<Outcome> {
    if (this.#queue.length >= MAX_QUEUED_COMMANDS) return Promise.reject(new LedgerOverloadedError('ledger queue is full'));
    return new Promise<Outcome>((resolve, reject) => {
      this.#queue.push({ command, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  /** Resolves once every command queued so far has been committed or refused. */
  async drain(): Promise<void> {
    while (this.#flushing || this.#queue.length > 0) await new Promise((done) => setImmediate(done));
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH_COMMANDS);
        await this.#runBatch(batch);
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #runBatch(batch: Pending[]): Promise<void> {
    try {
      const outcomes = await this.#transact(batch.map((p) => p.command));
      batch.forEach((p, i) => p.resolve(outcomes[i] as Outcome));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // One command broke the transaction: retry each alone so only the culprit fails.
      for (const pending of batch) await this.#runBatch([pending]);
    }
  }

  /** Time is read once per batch, under the writer lock, and never runs backwards in the journal. */
  #tick(): number {
    const now = Math.floor(this.#now());
    this.#last_ms = Math.max(this.#last_ms, now);
    return this.#last_ms;
  }

  async #transact(commands: readonly Command[]): Promise<Outcome[]> {
    const account_ids = new Set<AccountId>();
    const channel_ids = new Set<ChannelId>();
    const contract_ids = new Set<string>();
    for (const command of commands) {
      const keys = commandKeys(command);
      for (const id of keys.account_ids) account_ids.add(id);
      for (const id of keys.channel_ids) channel_ids.add(id);
      for (const id of keys.contract_ids ?? []) contract_ids.add(id);
    }
    let outcomes: Outcome[] = [];
    let sealed: JournalEntry | undefined;
    const keys = { account_ids: [...account_ids], channel_ids: [...channel_ids], ...(contract_ids.size > 0 ? { contract_ids: [...contract_ids] } : {}) };
    await this.#store.transact(keys, (loaded) => {
      const now_ms = this.#tick();
      const overlay = new Overlay(loaded);
      const entries: JournalEntry[] = [];
      let head: JournalHead = loaded.head;
      outcomes = commands.map((command): Outcome => {
        const result = step(overlay, command, now_ms, head.seq + 1);
        if (result.code !== 'ok') return result;
        checkConservation(overlay, result.accounts);
        for (const row of result.accounts) overlay.accounts.set(row.id, row);
        for (const row of result.channels) overlay.channels.set(row.id, row);
        for (const row of result.contracts ?? []) overlay.contracts.set(row.id, row);
        const entry = appendEntry(head, result.event, now_ms);
        entries.push(entry);
        head = entry;
        return { code: 'ok', entry, accounts: result.accounts, channels: result.channels, ...(result.contracts ? { contracts: result.contracts } : {}) };
      });
      sealed = sealLast(entries, this.#key);
      const contracts = [...overlay.contracts.values()];
      return { accounts: [...overlay.accounts.values()], channels: [...overlay.channels.values()], entries, ...(contracts.length > 0 ? { contracts } : {}) };
    });
    // Replies carry the entry as committed: the last one of the batch with its seal.
    outcomes = outcomes.map((o) => (o.code === 'ok' && o.entry.seq === sealed?.seq ? { ...o, entry: sealed } : o));
    return outcomes;
  }
}

/** Signs the last entry of a transaction in place; returns it. */
function sealLast(entries: JournalEntry[], key: LedgerKey): JournalEntry | undefined {
  const last = entries.at(-1);
  if (last) entries[entries.length - 1] = seal(last, key);
  return entries.at(-1);
}

/** The genesis transaction: one entry per reserve of the issuance table, crediting the whole supply. */
export function genesisWrites(key: LedgerKey, now_ms: number): BatchWrites {
  let head: JournalHead = EMPTY_HEAD;
  const entries = RESERVES.map((reserve) => {
    const entry = appendEntry(
      head,
      {
        kind: 'genesis',
        account_a: reserve.id,
        account_b: null,
        channel_id: null,
        fields: { reserve: reserve.id, label: reserve.label, share_bp: reserve.share_bp, amount_units: String(reserve.amount_units) },
      },
      now_ms,
    );
    head = entry;
    return entry;
  });
  sealLast(entries, key);
  const accounts = RESERVES.map(
    (reserve): AccountRow => ({
      id: reserve.id,
      balance_units: reserve.amount_units,
      escrow_units: 0n,
      nonce: 0n,
      airdropped: false,
      created_at_ms: now_ms,
    }),
  );
  return { accounts, channels: [], entries };
}

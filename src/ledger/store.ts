// The one Store interface both databases implement (store-sqlite.ts, store-postgres.ts), and the rows they keep.
// Decisions are made by the pure domain (ledger.ts) inside `transact`; a store only locks, loads and writes.
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import type { ChannelId, SessionContext } from '../protocol/payment-state.ts';
import type { ReserveId } from './genesis.ts';
import type { ContractRow } from './storage-rows.ts';

export type AccountId = PublicKeyHex | ReserveId;

export interface AccountRow {
  readonly id: AccountId;
  readonly balance_units: Units;
  /** Total locked in this account's open channels as payer. */
  readonly escrow_units: Units;
  /** Highest request nonce accepted from this key; 0 before the first. */
  readonly nonce: bigint;
  readonly airdropped: boolean;
  readonly created_at_ms: number;
}

export type ChannelState = 'open' | 'closed' | 'expired';

export interface ChannelRow {
  readonly id: ChannelId;
  readonly payer: PublicKeyHex;
  readonly payee: PublicKeyHex;
  readonly escrow_units: Units;
  readonly timeout_ms: number;
  /** The session every payment state on this channel is signed over (payment-state.ts); zeros for channels from before v2. */
  readonly context: SessionContext;
  readonly opened_at_ms: number;
  readonly expires_at_ms: number;
  readonly state: ChannelState;
  /** Paid to the payee at close (0 while open or after expiry). */
  readonly paid_units: Units;
  /** Returned to the payer at close or expiry. */
  readonly refund_units: Units;
  /** Sequence of the payment state the payee closed with. */
  readonly payment_seq: bigint | null;
  readonly closed_at_ms: number | null;
  readonly open_seq: number;
  readonly close_seq: number | null;
}

export type JournalKind =
  | 'genesis'
  | 'transfer'
  | 'channel_open'
  | 'channel_close'
  | 'channel_expire'
  | 'airdrop'
  // The TRON exchange's entries (bridge.ts).
  | 'bridge_deposit'
  | 'bridge_hold'
  | 'bridge_finalize'
  | 'bridge_release'
  // Paid storage's contracts (storage-step.ts): open, each challenge's beacon reveal, each epoch settled, outage grace.
  | 'storage_open'
  | 'storage_challenge'
  | 'storage_settle'
  | 'storage_extend';

export interface JournalEntry {
  readonly seq: number;
  readonly at_ms: number;
  readonly kind: JournalKind;
  /** Accounts and channel the entry touches, kept as indexed columns for history; also inside `body`. */
  readonly account_a: AccountId | null;
  readonly account_b: AccountId | null;
  readonly channel_id: ChannelId | null;
  /** Canonical JSON of the entry's fields (journal.ts). */
  readonly body: string;
  readonly prev_hash: string;
  readonly hash: string;
  /** The ledger key's Ed25519 signature over `hash`. */
  readonly signature: string;
}

export interface JournalHead {
  readonly seq: number;
  readonly hash: string;
}

export interface BatchKeys {
  readonly account_ids: readonly AccountId[];
  readonly channel_ids: readonly ChannelId[];
  readonly contract_ids?: readonly string[];
}

export interface LoadedRows {
  readonly head: JournalHead;
  readonly accounts: ReadonlyMap<AccountId, AccountRow>;
  readonly channels: ReadonlyMap<ChannelId, ChannelRow>;
  readonly contracts?: ReadonlyMap<string, ContractRow>;
}

/** Final values of every row a batch changed, plus its journal entries in order (continuing from the head). */
export interface BatchWrites {
  readonly accounts: readonly AccountRow[];
  readonly channels: readonly ChannelRow[];
  readonly entries: readonly JournalEntry[];
  readonly contracts?: readonly ContractRow[];
}

export interface Totals {
  readonly balance_units: Units;
  readonly escrow_units: Units;
  readonly accounts: number;
  readonly open_channels: number;
  /** Held by open channels and by live storage contracts (escrow and collateral): equals the accounts' escrow. */
  readonly open_escrow_units: Units;
}

/** Reads, on the latest committed state or inside one snapshot (`Store.readSnapshot`). */
export interface StoreReader {
  account(id: AccountId): Promise<AccountRow | null>;
  channel(id: ChannelId): Promise<ChannelRow | null>;
  /** Entries touching `account`, newest first, with seq < before_seq. */
  history(account: AccountId, before_seq: number, limit: number): Promise<JournalEntry[]>;
  /** Entries with seq > after_seq, oldest first. */
  journal(after_seq: number, limit: number): Promise<JournalEntry[]>;
  accountsPage(after_id: string, limit: number): Promise<AccountRow[]>;
  channelsPage(after_id: string, limit: number): Promise<ChannelRow[]>;
  totals(): Promise<Totals>;
  /** Open channels whose timeout has passed at `now_ms`, soonest first. */
  expiredChannels(now_ms: number, limit: number): Promise<Array<{ id: ChannelId; payer: PublicKeyHex }>>;
  head(): Promise<JournalHead>;
  /** Paid storage (storage-sql.ts): one contract, a page by id, and live contracts due at `now_ms`, soonest first. */
  storageContract(id: string): Promise<ContractRow | null>;
  storageContractsPage(after_id: string, limit: number): Promise<ContractRow[]>;
  /** A page of one party's contracts (as requester or provider), by id after `after_id`. */
  partyStorageContracts(party: PublicKeyHex, after_id: string, limit: number): Promise<ContractRow[]>;
  dueStorageContracts(now_ms: number, limit: number): Promise<ContractRow[]>;
}

export interface Store extends StoreReader {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates the schema; on an empty database writes `genesis()` and the ledger id in one transaction. */
  init(ledger_id: PublicKeyHex, genesis: () => BatchWrites): Promise<{ created: boolean }>;
  /**
   * One database transaction: take the writer lock, load `keys`, let `decide` (synchronous, pure) compute the
   * writes, apply them, commit. Resolves only once the commit is durable; rejects and rolls back on any error.
   */
  transact(keys: BatchKeys, decide: (loaded: LoadedRows) => BatchWrites): Promise<void>;
  /** Runs `read` against one consistent snapshot while writes go on (the audit needs journal and rows to agree). */
  readSnapshot<T>(read: (reader: StoreReader) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Row limits for list reads: nobody can ask a store for an unbounded result. */
export const MAX_PAGE_ROWS = 1000;

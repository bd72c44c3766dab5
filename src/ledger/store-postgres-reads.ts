// Reads for the PostgreSQL store, on the pool (latest committed state) or on one REPEATABLE READ client (snapshot).
// 64-bit columns arrive from pg as text and become bigint here; nothing passes through a float.
import type pg from 'pg';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { EMPTY_HEAD } from './journal.ts';
import type { AccountId, AccountRow, ChannelRow, JournalEntry, JournalHead, StoreReader, Totals } from './store.ts';

import { big, int, toAccount, toChannel, toEntry, type Raw } from './store-rows.ts';
import { toContract, type ContractRow } from './storage-rows.ts';
import { CONTRACTS_HELD_SQL, POSTGRES_STORAGE_SQL } from './storage-sql.ts';

export { int, toAccount, toChannel, type Raw } from './store-rows.ts';

export class PostgresReads implements StoreReader {
  readonly #db: pg.Pool | pg.PoolClient;

  constructor(db: pg.Pool | pg.PoolClient) {
    this.#db = db;
  }

  async #rows(sql: string, params: unknown[]): Promise<Raw[]> {
    return (await this.#db.query(sql, params)).rows as Raw[];
  }

  async account(id: AccountId): Promise<AccountRow | null> {
    const [row] = await this.#rows('SELECT * FROM accounts WHERE id = $1', [id]);
    return row ? toAccount(row) : null;
  }

  async channel(id: ChannelId): Promise<ChannelRow | null> {
    const [row] = await this.#rows('SELECT * FROM channels WHERE id = $1', [id]);
    return row ? toChannel(row) : null;
  }

  async history(account: AccountId, before_seq: number, limit: number): Promise<JournalEntry[]> {
    const rows = await this.#rows(
      `(SELECT * FROM journal WHERE account_a = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)
       UNION (SELECT * FROM journal WHERE account_b = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)
       ORDER BY seq DESC LIMIT $3`,
      [account, before_seq, limit],
    );
    return rows.map(toEntry);
  }

  async journal(after_seq: number, limit: number): Promise<JournalEntry[]> {
    return (await this.#rows('SELECT * FROM journal WHERE seq > $1 ORDER BY seq LIMIT $2', [after_seq, limit])).map(toEntry);
  }

  async accountsPage(after_id: string, limit: number): Promise<AccountRow[]> {
    return (await this.#rows('SELECT * FROM accounts WHERE id > $1 ORDER BY id LIMIT $2', [after_id, limit])).map(toAccount);
  }

  async channelsPage(after_id: string, limit: number): Promise<ChannelRow[]> {
    return (await this.#rows('SELECT * FROM channels WHERE id > $1 ORDER BY id LIMIT $2', [after_id, limit])).map(toChannel);
  }

  async totals(): Promise<Totals> {
    const [r] = await this.#rows(
      `SELECT (SELECT coalesce(sum(balance_units), 0)::text FROM accounts) AS balance_units,
        (SELECT coalesce(sum(escrow_units), 0)::text FROM accounts) AS escrow_units,
        (SELECT count(*) FROM accounts) AS accounts,
        (SELECT count(*) FROM channels WHERE state = 'open') AS open_channels,
        ((SELECT coalesce(sum(escrow_units), 0) FROM channels WHERE state = 'open') + (${CONTRACTS_HELD_SQL}))::text AS open_escrow_units`,
      [],
    );
    const row = r as Raw;
    return {
      balance_units: big(row.balance_units),
      escrow_units: big(row.escrow_units),
      accounts: int(row.accounts),
      open_channels: int(row.open_channels),
      open_escrow_units: big(row.open_escrow_units),
    };
  }

  async expiredChannels(now_ms: number, limit: number): Promise<Array<{ id: ChannelId; payer: PublicKeyHex }>> {
    const rows = await this.#rows(
      "SELECT id, payer FROM channels WHERE state = 'open' AND expires_at_ms <= $1 ORDER BY expires_at_ms LIMIT $2",
      [now_ms, limit],
    );
    return rows.map((r) => ({ id: r.id as ChannelId, payer: r.payer as PublicKeyHex }));
  }

  async head(): Promise<JournalHead> {
    const [row] = await this.#rows('SELECT seq, hash FROM ledger_head WHERE id = 1', []);
    return row ? { seq: int(row.seq), hash: row.hash as string } : EMPTY_HEAD;
  }

  async storageContract(id: string): Promise<ContractRow | null> {
    const [row] = await this.#rows(POSTGRES_STORAGE_SQL.contract, [id]);
    return row ? toContract(row) : null;
  }

  async storageContractsPage(after_id: string, limit: number): Promise<ContractRow[]> {
    return (await this.#rows(POSTGRES_STORAGE_SQL.page, [after_id, limit])).map(toContract);
  }

  async partyStorageContracts(party: PublicKeyHex, after_id: string, limit: number): Promise<ContractRow[]> {
    return (await this.#rows(POSTGRES_STORAGE_SQL.party, [party, after_id, limit])).map(toContract);
  }

  async dueStorageContracts(now_ms: number, limit: number): Promise<ContractRow[]> {
    return (await this.#rows(POSTGRES_STORAGE_SQL.due, [now_ms, limit])).map(toContract);
  }
}

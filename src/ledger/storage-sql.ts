// The storage_contracts table in both stores (created with the rest of the schema, so an older ledger gains it on
// its next start), the statements that read and write it, and its share of the totals the audit checks.

/** Column order of every insert: both stores write the same row. */
const COLUMNS = 'id, requester, provider, phase, due_at_ms, escrow_units, collateral_units, retrieval_price_units, state_json, last_effects, open_seq, updated_seq';
const UPDATE = `phase = excluded.phase, due_at_ms = excluded.due_at_ms, escrow_units = excluded.escrow_units,
  collateral_units = excluded.collateral_units, state_json = excluded.state_json, last_effects = excluded.last_effects,
  updated_seq = excluded.updated_seq`;

export const SQLITE_STORAGE_SCHEMA = `
CREATE TABLE IF NOT EXISTS storage_contracts (
  id TEXT PRIMARY KEY,
  requester TEXT NOT NULL,
  provider TEXT NOT NULL,
  phase TEXT NOT NULL CHECK (phase IN ('WaitingForEpoch', 'WaitingForAnswer', 'Ended')),
  due_at_ms INTEGER,
  escrow_units INTEGER NOT NULL CHECK (escrow_units >= 0),
  collateral_units INTEGER NOT NULL CHECK (collateral_units >= 0),
  retrieval_price_units INTEGER NOT NULL CHECK (retrieval_price_units >= 0),
  state_json TEXT NOT NULL,
  last_effects TEXT NOT NULL,
  open_seq INTEGER NOT NULL,
  updated_seq INTEGER NOT NULL,
  CHECK (phase <> 'Ended' OR (escrow_units = 0 AND collateral_units = 0 AND due_at_ms IS NULL))
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS storage_contracts_due ON storage_contracts (due_at_ms) WHERE phase <> 'Ended';
CREATE INDEX IF NOT EXISTS storage_contracts_requester ON storage_contracts (requester, id);
CREATE INDEX IF NOT EXISTS storage_contracts_provider ON storage_contracts (provider, id);
`;

export const POSTGRES_STORAGE_SCHEMA = `
CREATE TABLE IF NOT EXISTS storage_contracts (
  id text COLLATE "C" PRIMARY KEY,
  requester text NOT NULL,
  provider text NOT NULL,
  phase text NOT NULL CHECK (phase IN ('WaitingForEpoch', 'WaitingForAnswer', 'Ended')),
  due_at_ms bigint,
  escrow_units bigint NOT NULL CHECK (escrow_units >= 0),
  collateral_units bigint NOT NULL CHECK (collateral_units >= 0),
  retrieval_price_units bigint NOT NULL CHECK (retrieval_price_units >= 0),
  state_json text NOT NULL,
  last_effects text NOT NULL,
  open_seq bigint NOT NULL,
  updated_seq bigint NOT NULL,
  CHECK (phase <> 'Ended' OR (escrow_units = 0 AND collateral_units = 0 AND due_at_ms IS NULL))
);
CREATE INDEX IF NOT EXISTS storage_contracts_due ON storage_contracts (due_at_ms) WHERE phase <> 'Ended';
CREATE INDEX IF NOT EXISTS storage_contracts_requester ON storage_contracts (requester, id);
CREATE INDEX IF NOT EXISTS storage_contracts_provider ON storage_contracts (provider, id);
`;

/** Value held by live contracts: part of every account's escrow, so the audit adds it to the open channels'. */
export const CONTRACTS_HELD_SQL = "SELECT coalesce(sum(escrow_units + collateral_units), 0) FROM storage_contracts WHERE phase <> 'Ended'";

export const SQLITE_STORAGE_SQL = {
  contract: 'SELECT * FROM storage_contracts WHERE id = ?',
  page: 'SELECT * FROM storage_contracts WHERE id > ? ORDER BY id LIMIT ?',
  /** A party's contracts (as requester or provider) by id, each side through its own index. */
  party: `SELECT * FROM (SELECT * FROM storage_contracts WHERE requester = @party AND id > @after ORDER BY id LIMIT @limit)
    UNION SELECT * FROM (SELECT * FROM storage_contracts WHERE provider = @party AND id > @after ORDER BY id LIMIT @limit)
    ORDER BY id LIMIT @limit`,
  due: "SELECT * FROM storage_contracts WHERE phase <> 'Ended' AND due_at_ms <= ? ORDER BY due_at_ms LIMIT ?",
  put: `INSERT INTO storage_contracts (${COLUMNS}) VALUES (@id, @requester, @provider, @phase, @due_at_ms, @escrow_units,
    @collateral_units, @retrieval_price_units, @state_json, @last_effects, @open_seq, @updated_seq)
    ON CONFLICT (id) DO UPDATE SET ${UPDATE}`,
} as const;

export const POSTGRES_STORAGE_SQL = {
  contract: 'SELECT * FROM storage_contracts WHERE id = $1',
  load: 'SELECT * FROM storage_contracts WHERE id = ANY($1::text[]) FOR UPDATE',
  page: 'SELECT * FROM storage_contracts WHERE id > $1 ORDER BY id LIMIT $2',
  party: `(SELECT * FROM storage_contracts WHERE requester = $1 AND id > $2 ORDER BY id LIMIT $3)
    UNION (SELECT * FROM storage_contracts WHERE provider = $1 AND id > $2 ORDER BY id LIMIT $3)
    ORDER BY id LIMIT $3`,
  due: "SELECT * FROM storage_contracts WHERE phase <> 'Ended' AND due_at_ms <= $1 ORDER BY due_at_ms LIMIT $2",
  /** $1: JSON array of rows with 64-bit numbers as text. */
  put: `INSERT INTO storage_contracts (${COLUMNS})
    SELECT id, requester, provider, phase, due_at_ms::bigint, escrow_units::bigint, collateral_units::bigint,
      retrieval_price_units::bigint, state_json, last_effects, open_seq::bigint, updated_seq::bigint
    FROM json_to_recordset($1::json) AS x(id text, requester text, provider text, phase text, due_at_ms text,
      escrow_units text, collateral_units text, retrieval_price_units text, state_json text, last_effects text,
      open_seq text, updated_seq text)
    ON CONFLICT (id) DO UPDATE SET ${UPDATE}`,
} as const;

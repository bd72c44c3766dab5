// The PostgreSQL schema, the lock-and-load function and the one combined write statement (store-postgres.ts).
// Kept apart so the store's TypeScript reads without scrolling through SQL. Ids use the "C" collation to page like SQLite.

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS ledger_meta (key text COLLATE "C" PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_head (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
  id text COLLATE "C" PRIMARY KEY,
  balance_units bigint NOT NULL CHECK (balance_units >= 0),
  escrow_units bigint NOT NULL CHECK (escrow_units >= 0),
  nonce bigint NOT NULL CHECK (nonce >= 0),
  airdropped boolean NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS channels (
  id text COLLATE "C" PRIMARY KEY,
  payer text NOT NULL,
  payee text NOT NULL,
  escrow_units bigint NOT NULL CHECK (escrow_units > 0),
  timeout_ms bigint NOT NULL,
  context text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000',
  opened_at_ms bigint NOT NULL,
  expires_at_ms bigint NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'closed', 'expired')),
  paid_units bigint NOT NULL CHECK (paid_units >= 0),
  refund_units bigint NOT NULL CHECK (refund_units >= 0),
  payment_seq text,
  closed_at_ms bigint,
  open_seq bigint NOT NULL,
  close_seq bigint,
  CHECK (state = 'open' OR paid_units + refund_units = escrow_units)
);
-- v2 payment states: a store from before the session context gains the column (old channels keep zeros).
ALTER TABLE channels ADD COLUMN IF NOT EXISTS context text NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
CREATE INDEX IF NOT EXISTS channels_open_by_expiry ON channels (expires_at_ms) WHERE state = 'open';
CREATE TABLE IF NOT EXISTS journal (
  seq bigint PRIMARY KEY,
  at_ms bigint NOT NULL,
  kind text NOT NULL,
  account_a text,
  account_b text,
  channel_id text,
  body text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  signature text NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_by_account_a ON journal (account_a, seq) WHERE account_a IS NOT NULL;
CREATE INDEX IF NOT EXISTS journal_by_account_b ON journal (account_b, seq) WHERE account_b IS NOT NULL;

-- VOLATILE plpgsql takes a new snapshot per statement: the SELECTs after the head lock see every earlier commit.
CREATE OR REPLACE FUNCTION ledger_lock_load(account_ids text[], channel_ids text[]) RETURNS json
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  h ledger_head%ROWTYPE;
BEGIN
  SELECT * INTO STRICT h FROM ledger_head WHERE id = 1 FOR UPDATE;
  RETURN json_build_object(
    'head', json_build_object('seq', h.seq::text, 'hash', h.hash),
    'accounts', coalesce((
      SELECT json_agg(json_build_object('id', a.id, 'balance_units', a.balance_units::text,
        'escrow_units', a.escrow_units::text, 'nonce', a.nonce::text, 'airdropped', a.airdropped,
        'created_at_ms', a.created_at_ms::text))
      FROM accounts a WHERE a.id = ANY(account_ids)), '[]'::json),
    'channels', coalesce((
      SELECT json_agg(json_build_object('id', c.id, 'payer', c.payer, 'payee', c.payee,
        'escrow_units', c.escrow_units::text, 'timeout_ms', c.timeout_ms::text, 'context', c.context, 'opened_at_ms', c.opened_at_ms::text,
        'expires_at_ms', c.expires_at_ms::text, 'state', c.state, 'paid_units', c.paid_units::text,
        'refund_units', c.refund_units::text, 'payment_seq', c.payment_seq, 'closed_at_ms', c.closed_at_ms::text,
        'open_seq', c.open_seq::text, 'close_seq', c.close_seq::text))
      FROM channels c WHERE c.id = ANY(channel_ids)), '[]'::json));
END
$fn$;
`;

/** $1 accounts, $2 channels, $3 journal entries (JSON arrays with 64-bit numbers as text), $4/$5 the new head. */
export const WRITE_SQL = `
WITH
a AS (
  INSERT INTO accounts (id, balance_units, escrow_units, nonce, airdropped, created_at_ms)
  SELECT id, balance_units::bigint, escrow_units::bigint, nonce::bigint, airdropped, created_at_ms::bigint
  FROM json_to_recordset($1::json) AS x(id text, balance_units text, escrow_units text, nonce text,
    airdropped boolean, created_at_ms text)
  ON CONFLICT (id) DO UPDATE SET balance_units = excluded.balance_units, escrow_units = excluded.escrow_units,
    nonce = excluded.nonce, airdropped = excluded.airdropped
  RETURNING 1),
c AS (
  INSERT INTO channels (id, payer, payee, escrow_units, timeout_ms, context, opened_at_ms, expires_at_ms, state, paid_units,
    refund_units, payment_seq, closed_at_ms, open_seq, close_seq)
  SELECT id, payer, payee, escrow_units::bigint, timeout_ms::bigint, context, opened_at_ms::bigint, expires_at_ms::bigint, state,
    paid_units::bigint, refund_units::bigint, payment_seq, closed_at_ms::bigint, open_seq::bigint, close_seq::bigint
  FROM json_to_recordset($2::json) AS x(id text, payer text, payee text, escrow_units text, timeout_ms text, context text,
    opened_at_ms text, expires_at_ms text, state text, paid_units text, refund_units text, payment_seq text,
    closed_at_ms text, open_seq text, close_seq text)
  ON CONFLICT (id) DO UPDATE SET state = excluded.state, paid_units = excluded.paid_units,
    refund_units = excluded.refund_units, payment_seq = excluded.payment_seq, closed_at_ms = excluded.closed_at_ms,
    close_seq = excluded.close_seq
  RETURNING 1),
j AS (
  INSERT INTO journal (seq, at_ms, kind, account_a, account_b, channel_id, body, prev_hash, hash, signature)
  SELECT seq::bigint, at_ms::bigint, kind, account_a, account_b, channel_id, body, prev_hash, hash, signature
  FROM json_to_recordset($3::json) AS x(seq text, at_ms text, kind text, account_a text, account_b text,
    channel_id text, body text, prev_hash text, hash text, signature text)
  RETURNING 1),
h AS (
  UPDATE ledger_head SET seq = $4::bigint, hash = $5::text WHERE id = 1 AND $4::bigint IS NOT NULL
  RETURNING 1)
SELECT (SELECT count(*) FROM a) AS accounts, (SELECT count(*) FROM c) AS channels,
  (SELECT count(*) FROM j) AS entries, (SELECT count(*) FROM h) AS head
`;

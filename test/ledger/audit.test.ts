// The audit catches tampering behind the ledger's back (rows or journal edited in the SQLite file), the issuance
// table is the paper's, and the OpenAPI document describes exactly the routes the app serves.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AIRDROP_RESERVE_ID, RESERVES } from '../../src/ledger/genesis.ts';
import { OPENAPI_DOCUMENT } from '../../src/ledger/openapi.ts';
import { SQLITE_FILE } from '../../src/ledger/store-sqlite-reads.ts';
import { TOTAL_SUPPLY_UNITS, UNITS_PER_BTT } from '../../src/protocol/money.ts';
import { signPaymentState } from '../../src/protocol/payment-state.ts';
import { createFixture, newSigner, type Fixture } from './helpers/ledger.ts';

describe('genesis', () => {
  it('splits 990,000,000,000 BTT by the white paper issuance table', () => {
    expect(TOTAL_SUPPLY_UNITS).toBe(990_000_000_000n * UNITS_PER_BTT);
    const btt = Object.fromEntries(RESERVES.map((r) => [r.id, r.amount_units / UNITS_PER_BTT]));
    expect(btt).toEqual({
      'reserve:public_sale': 59_400_000_000n,
      'reserve:private_sale': 19_800_000_000n,
      'reserve:seed_sale': 89_100_000_000n,
      'reserve:tron_airdrop': 99_990_000_000n,
      'reserve:bittorrent_protocol_airdrop': 99_000_000_000n,
      'reserve:team_and_foundation': 188_100_000_000n,
      'reserve:tron_foundation': 198_000_000_000n,
      'reserve:ecosystem': 197_010_000_000n,
      'reserve:partnership': 39_600_000_000n,
    });
    expect(RESERVES.find((r) => r.id === AIRDROP_RESERVE_ID)?.share_bp).toBe(1_000);
  });
});

describe('audit against tampering (SQLite file edited behind the ledger)', () => {
  let f: Fixture;
  let db: Database.Database;
  beforeEach(async () => {
    f = await createFixture('sqlite', null);
    const a = await f.funded();
    const b = await newSigner();
    const ch = await f.client.openChannel(a.signer, { payee: b.key, escrow_units: 500n, timeout_ms: 5_000 });
    await f.client.closeChannel(b.signer, { state: await signPaymentState(a.signer, { channel_id: ch.channel_id, amount_units: 20n, seq: 1n }) });
    await f.client.transfer(a.signer, { to: b.key, amount_units: 3n });
    expect((await f.service.audit(true)).problems).toEqual([]);
    db = new Database(join(f.dataDir, SQLITE_FILE));
  });
  afterEach(async () => {
    db.close();
    await f.close();
  });

  const problems = async () => {
    const report = await f.service.audit(true);
    expect(report.ok).toBe(false);
    return report.problems.join('\n');
  };

  it('a balance edited in place', async () => {
    db.prepare("UPDATE accounts SET balance_units = balance_units + 1 WHERE id NOT LIKE 'reserve:%'").run();
    expect(await problems()).toMatch(/journal says[\s\S]*differ from the total supply/);
    expect((await f.request('GET', '/audit')).status).toBe(500);
  });

  it('an account created from nothing', async () => {
    db.prepare("INSERT INTO accounts VALUES ('" + 'ee'.repeat(32) + "', 0, 0, 0, 0, 0)").run();
    expect(await problems()).toMatch(/exists but no journal entry created it/);
  });

  it('a journal body rewritten', async () => {
    db.prepare("UPDATE journal SET body = replace(body, '\"amount_units\":\"3\"', '\"amount_units\":\"4\"') WHERE kind = 'transfer'").run();
    expect(await problems()).toMatch(/hash mismatch/);
  });

  it('an entry re-hashed without the ledger key', async () => {
    db.prepare("UPDATE journal SET signature = replace(signature, substr(signature, 1, 2), 'ff') WHERE kind = 'channel_close'").run();
    expect(await problems()).toMatch(/bad ledger signature/);
  });

  it('the head stripped of its signature', async () => {
    db.prepare("UPDATE journal SET signature = '' WHERE seq = (SELECT max(seq) FROM journal)").run();
    expect(await problems()).toMatch(/is not signed by the ledger/);
  });

  it('the newest entry deleted', async () => {
    db.prepare('DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)').run();
    expect(await problems()).toMatch(/journal says/);
  });

  it('a channel settled differently from its journal', async () => {
    db.prepare("UPDATE channels SET paid_units = 0, refund_units = 500 WHERE state = 'closed'").run();
    expect(await problems()).toMatch(/differs from the journal/);
  });
});

describe('OpenAPI document', () => {
  it('documents exactly the routes the app serves', async () => {
    const f = await createFixture('sqlite', null);
    try {
      const served = new Set(
        f.service.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
      );
      const documented = new Set(
        Object.entries(OPENAPI_DOCUMENT.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)),
      );
      expect([...documented].sort()).toEqual([...served].sort());
      const served_doc = await f.request('GET', '/openapi.json');
      expect(served_doc).toMatchObject({ status: 200, json: { openapi: '3.1.0' } });
    } finally {
      await f.close();
    }
  });
});

// The ledger's epoch timer runs on its own (nobody reads the contract, nobody calls tick), and the audit catches a
// storage contract edited behind the ledger's back (its collateral, its escrow, its journal), and its replay refuses
// a reveal that breaks the commitment, a payment without a proof, a settle out of turn and a double open.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { SQLITE_FILE } from '../../src/ledger/store-sqlite-reads.ts';
import { replayStorageEntry, type ReplayBooks, type ReplayContract } from '../../src/ledger/storage-audit.ts';
import { beaconCommit } from '../../src/protocol/storage-challenge.ts';
import { createFixture, type Fixture } from './helpers/ledger.ts';
import { EPOCH_MS, openContract, randomReplica, STORAGE_TEST_OPTIONS, StoringProvider, WINDOW_MS } from './helpers/storage.ts';

const replica = randomReplica('timer', 50 * 256);
/** Real time the test waits for the timer (it runs every TIMER_MS); generous for a loaded 2-core machine. */
const TIMER_MS = 20;
const WAIT_MS = 5_000;

let f: Fixture;
let live = false;
afterEach(async () => {
  if (live) await f.close();
  live = false;
});

async function journalKinds(after_seq: number): Promise<string[]> {
  const entries = (await f.request('GET', `/journal?after_seq=${after_seq}&limit=1000`)).json.entries as Array<{ kind: string }>;
  return entries.map((e) => e.kind);
}

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('the epoch timer did not act in time');
    await new Promise((done) => setTimeout(done, TIMER_MS));
  }
}

describe('the epoch timer', () => {
  it('challenges a due epoch and grades the missed deadline without any request', async () => {
    f = await createFixture('sqlite', null, { storage: { min_epoch_ms: 1_000, tickIntervalMs: TIMER_MS } });
    live = true;
    const requester = await f.funded();
    const provider = new StoringProvider(await f.funded(), replica);
    const { reply } = await openContract(f, requester, provider.party, replica, 2n);
    const opened = (reply.json.entry as { seq: number }).seq;
    await waitFor(async () => (await journalKinds(opened)).includes('storage_challenge'));
    f.clock.now_ms += WINDOW_MS + 1;
    await waitFor(async () => (await journalKinds(opened)).includes('storage_settle'));
    f.clock.now_ms += EPOCH_MS;
    await waitFor(async () => (await journalKinds(opened)).filter((k) => k === 'storage_challenge').length === 2);
    expect(await journalKinds(opened)).toEqual(['storage_challenge', 'storage_settle', 'storage_challenge']);
    const entries = (await f.request('GET', `/journal?after_seq=${opened}&limit=10`)).json.entries as Array<{ fields: Record<string, unknown> }>;
    expect(entries[1]?.fields).toMatchObject({ outcome: 'epoch_missed', paid_units: '0', refunded_units: '1000', reasons: 'epoch_missed,missed_epoch' });
    expect((await f.service.audit()).problems).toEqual([]);
  });
});

describe('audit of storage contracts against tampering (SQLite file edited behind the ledger)', () => {
  async function tampered(sql: string): Promise<string> {
    f = await createFixture('sqlite', null, STORAGE_TEST_OPTIONS);
    live = true;
    const requester = await f.funded();
    const provider = new StoringProvider(await f.funded(), replica);
    const { id } = await openContract(f, requester, provider.party, replica, 2n);
    expect(await provider.answer(f, id)).toMatchObject({ status: 200 });
    expect((await f.service.audit()).problems).toEqual([]);
    const db = new Database(join(f.dataDir, SQLITE_FILE));
    try {
      db.prepare(sql).run();
    } finally {
      db.close();
    }
    return (await f.service.audit(true)).problems.join('\n');
  }

  it('a contract holding other collateral than its journal says', async () => {
    expect(await tampered('UPDATE storage_contracts SET collateral_units = collateral_units - 1')).toMatch(/storage contract \w+ differs from the journal/);
  });

  it('escrow taken out of a live contract (the accounts no longer add up)', async () => {
    expect(await tampered('UPDATE storage_contracts SET escrow_units = 0')).toMatch(/account escrows differ/);
  });

  it('a beacon reveal rewritten in the journal breaks the chain', async () => {
    const problems = await tampered(`UPDATE journal SET body = replace(body, '"beacon_secret":"', '"beacon_secret":"0') WHERE kind = 'storage_challenge'`);
    expect(problems).toMatch(/hash mismatch/);
  });
});

describe("the audit's replay of storage entries", () => {
  const books = (problems: string[], contracts = new Map<string, ReplayContract>()): ReplayBooks => ({
    contracts, escrow: () => {}, debit: () => {}, credit: () => {}, nonce: () => {}, problem: (p) => problems.push(p),
  });
  const secret = new Uint8Array(32).fill(7);
  const open = { contract_id: 'c1', requester: 'r', provider: 'p', escrow_units: '3000', collateral_units: '500', first_commit: bytesToHex(beaconCommit(secret)) };

  it('checks each reveal against the commitment published before it, and refuses a payment without a proof', () => {
    const problems: string[] = [];
    const b = books(problems);
    replayStorageEntry('storage_open', open, b);
    replayStorageEntry('storage_challenge', { contract_id: 'c1', epoch: 0, beacon_secret: bytesToHex(secret), next_commit: 'ab'.repeat(32) }, b);
    expect(problems).toEqual([]);
    replayStorageEntry('storage_settle', { contract_id: 'c1', epoch: 0, outcome: 'epoch_missed', paid_units: '1000', refunded_units: '0', slashed_units: '0', returned_units: '0', end_reason: '' }, b);
    replayStorageEntry('storage_challenge', { contract_id: 'c1', epoch: 1, beacon_secret: bytesToHex(secret), next_commit: 'ab'.repeat(32) }, b);
    replayStorageEntry('storage_settle', { contract_id: 'c1', epoch: 2, outcome: 'epoch_missed', paid_units: '0', refunded_units: '9000', slashed_units: '0', returned_units: '0', end_reason: '' }, b);
    replayStorageEntry('storage_open', open, b);
    expect(problems).toEqual([
      'contract c1: paid for an epoch without a proof',
      'contract c1: the beacon reveal of epoch 1 does not match its commitment',
      'contract c1: entry for epoch 2, the contract is at 1',
      'contract c1: settles more than its escrow',
      'contract c1 opened twice',
    ]);
  });
});

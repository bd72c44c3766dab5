// The storage provider against the real ledger (SQLite and PostgreSQL, its own HTTP routes, the epoch timer): one
// provider holding its replica is paid every epoch and gets its collateral back; one that lost 10 % of its leaves on
// disk is caught, paid nothing for those epochs and slashed as the contract machine grades (docs/storage.md: a 10 %
// loss is caught with 99.03 % per epoch, the 4th miss ends the contract). Supply is conserved (the ledger's audit).
import { mkdtempSync, openSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOTAL_SUPPLY_UNITS } from '../../../src/protocol/money.ts';
import { leafCount } from '../../../src/protocol/storage-merkle.ts';
import type { StorageOpenTerms } from '../../../src/protocol/storage-request.ts';
import { ReplicaStore } from '../../../src/services/storage/replica-store.ts';
import { StorageProvider, type EpochReport } from '../../../src/services/storage/storage-provider.ts';
import { StorageLedgerClient } from '../../../src/wallet/storage-client.ts';
import { createFixture, type Fixture, type StoreKind } from '../../ledger/helpers/ledger.ts';
import { startPg } from '../../ledger/helpers/pg.ts';
import { balances, COLLATERAL_UNITS, EPOCH_MS, openTerms, PRICE_UNITS, randomReplica, STORAGE_TEST_OPTIONS, WINDOW_MS, type Party } from '../../ledger/helpers/storage.ts';

const pg = startPg();
afterAll(() => pg?.stop());
const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];
const EPOCHS = 8;
const LEAF = 256;

describe.each(kinds)('storage provider on the real ledger (%s)', (kind) => {
  let f: Fixture;
  let client: StorageLedgerClient;
  let requester: Party;
  const dirs: string[] = [];

  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), 'seedpay-provider-'));
    dirs.push(d);
    return d;
  };

  beforeEach(async () => {
    f = await createFixture(kind, pg, STORAGE_TEST_OPTIONS);
    client = new StorageLedgerClient({ baseUrl: 'http://ledger.test', fetch: (input, init) => Promise.resolve(f.service.app.request(input, init)) });
    requester = await f.funded();
  });
  afterEach(async () => {
    const audit = await f.service.audit(true);
    expect(audit.problems).toEqual([]);
    expect(BigInt(audit.balance_units) + BigInt(audit.escrow_units)).toBe(TOTAL_SUPPLY_UNITS);
    await f.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A provider with its own folder holding `seed`'s replica, and the contract opened with it. */
  async function provider(seed: string, nonce: bigint, over: Partial<StorageOpenTerms> = {}) {
    const party = await f.funded();
    const replica = randomReplica(seed, 200 * LEAF + 40, LEAF);
    const store = ReplicaStore.open(folder(), 1);
    const put = store.put(replica.data, LEAF, replica.tree.root);
    expect(put.ok).toBe(true);
    const terms = openTerms(requester, party, replica, nonce, { epochs: EPOCHS, ...over });
    const opened = await client.open(terms, {
      requester: await client.signTerms(requester.signer, terms, 'open'), provider: await client.signTerms(party.signer, terms, 'accept'),
    });
    const node = new StorageProvider({ signer: party.signer, store, ledger: client, now: () => f.clock.now_ms, log: () => {} });
    return { party, replica, store, node, id: opened.contract.contract_id, start: await balances(f, party.key) };
  }

  it('pays the provider that holds its replica every epoch; the one that lost 10 % of its leaves is caught, unpaid and slashed', async () => {
    const requesterStart = await balances(f, requester.key);
    const honest = await provider('honest', 2n);
    const lossy = await provider('lossy', 3n);
    // Lose every 10th leaf on disk (20 of 201): overwritten with zeros, as a failing disk or a cheat would have it.
    const count = leafCount(lossy.replica.tree);
    const fd = openSync(join(lossy.store.dir, `${Buffer.from(lossy.replica.tree.root).toString('hex')}.replica`), 'r+');
    for (let i = 0; i < count; i += 10) writeSync(fd, new Uint8Array(LEAF), 0, LEAF, i * LEAF);
    closeSync(fd);

    const t0 = f.clock.now_ms;
    const lossyReports: EpochReport[] = [];
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      f.clock.now_ms = t0 + epoch * EPOCH_MS + 10;
      await f.service.storageTick();
      const h = await honest.node.runOnce();
      expect(h.map((r) => [r.epoch, r.outcome])).toEqual([[epoch, 'paid']]);
      // A second pass in the same epoch has nothing to do: every epoch is answered once.
      expect(await honest.node.runOnce()).toEqual([]);
      lossyReports.push(...(await lossy.node.runOnce()));
      f.clock.now_ms += WINDOW_MS + 5; // past every deadline: the timer grades the lossy provider's misses
      await f.service.storageTick();
    }
    f.clock.now_ms = t0 + EPOCHS * EPOCH_MS + 10;
    await f.service.storageTick();

    const h = await client.contract(honest.id);
    expect(h).toMatchObject({ phase: 'Ended', end_reason: 'completed', passed_epochs: EPOCHS, missed_epochs: 0, paid_units: PRICE_UNITS * BigInt(EPOCHS) });
    expect(h.returned_units).toBe(COLLATERAL_UNITS);
    expect(await balances(f, honest.party.key)).toEqual({ balance: honest.start.balance + COLLATERAL_UNITS + PRICE_UNITS * BigInt(EPOCHS), escrow: 0n });
    expect(honest.node.tally()).toEqual({ paid: EPOCHS });

    const l = await client.contract(lossy.id);
    // 4 misses end it; with 99.03 % per epoch it ends at epoch 3 with 96 %, after epoch 7 with probability ~5e-9.
    expect(l).toMatchObject({ phase: 'Ended', end_reason: 'too_many_misses' });
    const paid = lossyReports.filter((r) => r.outcome === 'paid').length;
    const caught = lossyReports.filter((r) => r.outcome === 'missing_leaves');
    expect(caught.length).toBe(l.missed_epochs);
    expect(l.missed_epochs).toBe(4);
    expect(l.passed_epochs).toBe(paid);
    expect(l.paid_units).toBe(PRICE_UNITS * BigInt(paid));
    expect(l.slashed_units).toBe(COLLATERAL_UNITS);
    expect(l.returned_units).toBe(0n);
    expect(l.refunded_units).toBe(PRICE_UNITS * BigInt(EPOCHS - paid));
    expect(await balances(f, lossy.party.key)).toEqual({ balance: lossy.start.balance + PRICE_UNITS * BigInt(paid), escrow: 0n });
    // The requester paid the honest provider and the lossy one's passed epochs, and holds the lossy one's collateral.
    expect(await balances(f, requester.key)).toEqual({
      balance: requesterStart.balance - PRICE_UNITS * BigInt(EPOCHS + paid) + COLLATERAL_UNITS, escrow: 0n,
    });
    process.stdout.write(`lossy provider (${kind}): caught at epochs ${caught.map((r) => r.epoch).join(', ')}; paid ${paid}; ended at its 4th miss, epoch ${caught.at(-1)?.epoch}\n`);

    // Ended contracts free their replicas.
    await honest.node.runOnce();
    expect(honest.store.used_bytes).toBe(0);
  });

  it('answers on its own timer over real HTTP, with the ledger epoch timer running', { timeout: 20_000 }, async () => {
    const live = await createFixture(kind, pg, { storage: { min_epoch_ms: 1_000, tickIntervalMs: 50 }, now: Date.now });
    try {
      const url = await live.listen();
      const http = new StorageLedgerClient({ baseUrl: url });
      const who = await live.funded();
      const party = await live.funded();
      const replica = randomReplica('live', 120 * LEAF + 3, LEAF);
      const store = ReplicaStore.open(folder(), 1);
      expect(store.put(replica.data, LEAF).ok).toBe(true);
      const terms = openTerms(who, party, replica, 2n, { epochs: 3, epoch_ms: 1_500, answer_window_ms: 1_200 });
      const { contract } = await http.open(terms, { requester: await http.signTerms(who.signer, terms, 'open'), provider: await http.signTerms(party.signer, terms, 'accept') });
      const node = new StorageProvider({ signer: party.signer, store, ledger: http, log: () => {} });
      node.start();
      let view = contract;
      for (let waited = 0; view.phase !== 'Ended' && waited < 10_000; waited += 200) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        view = await http.contract(contract.contract_id);
      }
      await node.stop();
      expect(view).toMatchObject({ phase: 'Ended', end_reason: 'completed', passed_epochs: 3, missed_epochs: 0, paid_units: PRICE_UNITS * 3n });
      const audit = await live.service.audit(true);
      expect(audit.problems).toEqual([]);
      expect(BigInt(audit.balance_units) + BigInt(audit.escrow_units)).toBe(TOTAL_SUPPLY_UNITS);
    } finally {
      await live.close();
    }
  });
});

// Paid storage on the ledger, on SQLite and on a real PostgreSQL: a contract opened by both parties' signatures moves
// escrow and collateral atomically; each epoch's answer pays the provider; a miss pays nothing and is graded (warning,
// slashes, the end); the end returns what is left; a restart gives back a window the outage took. Audit after each.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import { beaconCommit, challengeIndexes, answerIndexes } from '../../src/protocol/storage-challenge.ts';
import { createFixture, type Fixture, type StoreKind } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';
import {
  balances, COLLATERAL_UNITS, EPOCH_MS, openContract, PRICE_UNITS, randomReplica, STORAGE_TEST_OPTIONS, StoringProvider, WINDOW_MS, type Party,
} from './helpers/storage.ts';
import { hexToBytes } from '@noble/hashes/utils.js';

const pg = startPg();
afterAll(() => pg?.stop());
const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];
const replica = randomReplica('storage-test', 200 * 256 + 100);

describe.each(kinds)('storage contracts on the ledger (%s)', (kind) => {
  let f: Fixture;
  let requester: Party;
  let provider: StoringProvider;
  let start: { requester: Awaited<ReturnType<typeof balances>>; provider: Awaited<ReturnType<typeof balances>> };

  beforeEach(async () => {
    f = await createFixture(kind, pg, STORAGE_TEST_OPTIONS);
    requester = await f.funded();
    provider = new StoringProvider(await f.funded(), replica);
    start = { requester: await balances(f, requester.key), provider: await balances(f, provider.party.key) };
  });
  afterEach(async () => {
    const audit = await f.service.audit(true);
    expect(audit.problems).toEqual([]);
    expect(BigInt(audit.balance_units) + BigInt(audit.escrow_units)).toBe(TOTAL_SUPPLY_UNITS);
    await f.close();
  });

  const view = async (id: string) => (await f.request('GET', `/storage/contracts/${id}`)).json;

  it('opens atomically, challenges from the committed beacon, pays each answered epoch, and returns the collateral at the end', async () => {
    const { id, reply } = await openContract(f, requester, provider.party, replica, 2n);
    const escrow = PRICE_UNITS * 4n;
    expect(reply.json).toMatchObject({ entry: { kind: 'storage_open' }, contract: { contract_id: id, phase: 'WaitingForEpoch', escrow_units: String(escrow) } });
    expect(await balances(f, requester.key)).toEqual({ balance: start.requester.balance - escrow, escrow });
    expect(await balances(f, provider.party.key)).toEqual({ balance: start.provider.balance - COLLATERAL_UNITS, escrow: COLLATERAL_UNITS });
    const commit = (reply.json.contract as { next_commit: string }).next_commit;

    for (let epoch = 0; epoch < 4; epoch++) {
      const challenge = await f.request('GET', `/storage/contracts/${id}/challenge`);
      expect(challenge.status).toBe(200);
      const c = challenge.json as { epoch: number; indexes: number[]; beacon_secret: string; leaf_count: number; deadline_ms: number };
      expect(c.epoch).toBe(epoch);
      // Anyone can check the reveal against the commitment published before the epoch, and re-derive the leaves.
      if (epoch === 0) expect(Buffer.from(beaconCommit(hexToBytes(c.beacon_secret))).toString('hex')).toBe(commit);
      expect(c.indexes).toEqual(answerIndexes(challengeIndexes(hexToBytes(c.beacon_secret), id, epoch, c.leaf_count, 44)));
      expect(c.deadline_ms).toBe(f.clock.now_ms + WINDOW_MS);
      const answered = await provider.answer(f, id);
      expect(answered.status, JSON.stringify(answered.json)).toBe(200);
      expect(answered.json).toMatchObject({ entry: { kind: 'storage_settle', fields: { outcome: 'proof_accepted', paid_units: String(PRICE_UNITS) } } });
      // Between epochs there is nothing to answer.
      expect((await f.request('GET', `/storage/contracts/${id}/challenge`)).json).toMatchObject({ error: epoch < 3 ? 'no_open_challenge' : 'contract_ended' });
      f.clock.now_ms += EPOCH_MS;
    }
    expect(await view(id)).toMatchObject({ phase: 'Ended', end_reason: 'completed', passed_epochs: 4, paid_units: String(PRICE_UNITS * 4n), returned_units: String(COLLATERAL_UNITS) });
    expect(await balances(f, requester.key)).toEqual({ balance: start.requester.balance - PRICE_UNITS * 4n, escrow: 0n });
    expect(await balances(f, provider.party.key)).toEqual({ balance: start.provider.balance + PRICE_UNITS * 4n, escrow: 0n });
  });

  it('the epoch timer challenges and grades on its own: a miss pays nothing, warns, then slashes, and the fourth ends the contract', async () => {
    const { id } = await openContract(f, requester, provider.party, replica, 2n, { epochs: 10 });
    const ticks: number[] = [];
    const expectations: Array<Record<string, unknown>> = [
      { missed_epochs: 1, misses_in_window: 1, slashed_units: '0', last_effects: [{ type: 'refund_requester', reason: 'epoch_missed' }, { type: 'warn_provider', reason: 'missed_epoch' }] },
      { missed_epochs: 2, slashed_units: String(COLLATERAL_UNITS / 10n), last_effects: [{ reason: 'epoch_missed' }, { type: 'slash_collateral', reason: 'repeated_misses' }] },
      { missed_epochs: 3, slashed_units: String(COLLATERAL_UNITS / 5n) },
      { phase: 'Ended', end_reason: 'too_many_misses', missed_epochs: 4, paid_units: '0', escrow_units: '0', collateral_units: '0', slashed_units: String(COLLATERAL_UNITS) },
    ];
    for (const expected of expectations) {
      ticks.push(await f.service.storageTick()); // challenge
      f.clock.now_ms += WINDOW_MS + 1;
      ticks.push(await f.service.storageTick()); // the deadline passed: graded
      expect(await view(id)).toMatchObject(expected);
      f.clock.now_ms += EPOCH_MS;
    }
    expect(ticks).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    // Nothing was paid; the requester got every unit of escrow back plus the whole collateral.
    expect(await balances(f, requester.key)).toEqual({ balance: start.requester.balance + COLLATERAL_UNITS, escrow: 0n });
    expect(await balances(f, provider.party.key)).toEqual({ balance: start.provider.balance - COLLATERAL_UNITS, escrow: 0n });
    expect(await provider.answer(f, id)).toMatchObject({ status: 409, json: { error: 'contract_ended' } });
  });

  it('a provider that lost 10 % of its replica is caught: its answer is refused, it is paid nothing, and it loses collateral', async () => {
    const { id } = await openContract(f, requester, provider.party, replica, 2n, { epochs: 8 });
    provider.loseFraction(0.1);
    let refusals = 0;
    // Each epoch catches it with p ≥ 99 %: it fails to reach its 4th miss within 8 epochs with p < 1e-8.
    for (let epoch = 0; epoch < 8; epoch++) {
      const answered = await provider.answer(f, id);
      if (answered.json.error === 'contract_ended') break;
      if (answered.status !== 200) {
        refusals++;
        expect(answered.json).toMatchObject({ error: 'bad_proof' });
        expect(String(answered.json.message)).toMatch(/^leaf \d+: root_mismatch$/);
      }
      f.clock.now_ms += EPOCH_MS;
      await f.service.storageTick();
    }
    const v = await view(id);
    expect(refusals).toBe(4); // the 4th miss in the window ends it
    expect(v).toMatchObject({ phase: 'Ended', end_reason: 'too_many_misses', slashed_units: String(COLLATERAL_UNITS) });
    expect(BigInt(v.paid_units as string)).toBe(PRICE_UNITS * BigInt(v.passed_epochs as number));
    expect(v.missed_epochs).toBe(4);
  });

  it('gives back a window the ledger was down for, and not one that closed while it was up', async () => {
    const a = await openContract(f, requester, provider.party, replica, 2n);
    const ca = (await f.request('GET', `/storage/contracts/${a.id}/challenge`)).json as { epoch: number; indexes: number[] };
    f.clock.now_ms += WINDOW_MS + 50; // a's deadline passes while the ledger is up (and writes entries after it)
    const b = await openContract(f, requester, provider.party, replica, 3n);
    expect(await view(b.id)).toMatchObject({ phase: 'WaitingForAnswer' }); // b is challenged; a is not graded yet
    // The ledger goes down; b's deadline passes during the outage.
    await f.service.close();
    f.clock.now_ms += 10 * WINDOW_MS;
    await f.restart(STORAGE_TEST_OPTIONS);
    const vb = await view(b.id);
    expect(vb).toMatchObject({ phase: 'WaitingForAnswer', epoch: 0, last_effects: [{ type: 'deadline_extended', reason: 'verifier_outage' }] });
    expect((vb.challenge as { deadline_ms: number }).deadline_ms).toBe(f.clock.now_ms + WINDOW_MS);
    expect(await provider.answer(f, b.id)).toMatchObject({ status: 200 });
    // a's window had closed before the outage: the restart does not give it back, the timer grades it.
    const late = await provider.answerBody(f, a.id, ca.epoch, provider.proofs(ca.indexes));
    expect(await f.request('POST', `/storage/contracts/${a.id}/answers`, late)).toMatchObject({ status: 409, json: { error: 'late_answer' } });
    expect(await view(a.id)).toMatchObject({ epoch: 1, phase: 'WaitingForAnswer', passed_epochs: 0, missed_epochs: 1, paid_units: '0' });
    expect(await view(b.id)).toMatchObject({ passed_epochs: 1, missed_epochs: 0, paid_units: String(PRICE_UNITS) });
  });
});

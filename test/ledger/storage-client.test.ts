// Paid storage through the typed client (src/wallet/storage-client.ts) on both stores: open with both signatures, read
// one contract and each party's list (paged), challenge and answer; GET /storage/contracts?party= refuses bad
// queries; a provider's repeated bad answers to one challenge are cut off (too_many_bad_answers), forgeries are not counted.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_BAD_ANSWERS_PER_CHALLENGE } from '../../src/ledger/storage-answer-limit.ts';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import { storageContractIdFor } from '../../src/protocol/storage-request.ts';
import { LedgerApiError } from '../../src/wallet/ledger-client.ts';
import { StorageLedgerClient } from '../../src/wallet/storage-client.ts';
import { createFixture, newSigner, type Fixture, type StoreKind } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';
import { EPOCH_MS, openTerms, PRICE_UNITS, randomReplica, STORAGE_TEST_OPTIONS, StoringProvider, type Party } from './helpers/storage.ts';

const pg = startPg();
afterAll(() => pg?.stop());
const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];
const replica = randomReplica('client-test', 100 * 256 + 9);

async function refusedWith(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(LedgerApiError);
  return (error as LedgerApiError).code;
}

describe.each(kinds)('storage through the ledger client (%s)', (kind) => {
  let f: Fixture;
  let client: StorageLedgerClient;
  let requester: Party;
  let provider: StoringProvider;

  beforeEach(async () => {
    f = await createFixture(kind, pg, STORAGE_TEST_OPTIONS);
    client = new StorageLedgerClient({ baseUrl: 'http://ledger.test', fetch: (input, init) => Promise.resolve(f.service.app.request(input, init)) });
    requester = await f.funded();
    provider = new StoringProvider(await f.funded(), replica);
  });
  afterEach(async () => {
    const audit = await f.service.audit(true);
    expect(audit.problems).toEqual([]);
    expect(BigInt(audit.balance_units) + BigInt(audit.escrow_units)).toBe(TOTAL_SUPPLY_UNITS);
    await f.close();
  });

  const open = async (nonce: bigint, who: Party = provider.party) => {
    const terms = openTerms(requester, who, replica, nonce);
    const requesterSig = await client.signTerms(requester.signer, terms, 'open');
    const providerSig = await client.signTerms(who.signer, terms, 'accept');
    return client.open(terms, { requester: requesterSig, provider: providerSig });
  };

  it('opens, reads, lists by party (paged), challenges and answers', async () => {
    expect(await client.info()).toMatchObject({ leaves_per_challenge: 44, min_epoch_ms: 1_000 });
    const opened = await open(2n);
    const id = storageContractIdFor(requester.key, 2n);
    expect(opened.entry.kind).toBe('storage_open');
    expect(opened.contract).toMatchObject({ contract_id: id, phase: 'WaitingForEpoch', escrow_units: PRICE_UNITS * 4n, paid_units: 0n });
    expect(opened.contract.terms.price_units_per_epoch).toBe(PRICE_UNITS);
    const other = await f.funded();
    const second = (await open(3n, other)).contract.contract_id;

    const mine = await client.contractsOf(requester.key);
    expect(mine.contracts.map((c) => c.contract_id).sort()).toEqual([id, second].sort());
    expect(mine.next_after).toBeNull();
    expect((await client.contractsOf(provider.party.key)).contracts.map((c) => c.contract_id)).toEqual([id]);
    expect((await client.contractsOf(other.key)).contracts.map((c) => c.contract_id)).toEqual([second]);
    expect((await client.contractsOf((await newSigner()).key)).contracts).toEqual([]);
    const first = await client.contractsOf(requester.key, { limit: 1 });
    expect(first.contracts).toHaveLength(1);
    expect(first.next_after).toBe(first.contracts[0]?.contract_id);
    const rest = await client.contractsOf(requester.key, { after: first.next_after ?? '', limit: 1 });
    expect(rest.contracts.map((c) => c.contract_id)).toEqual([[id, second].sort()[1]]);

    const challenge = await client.challenge(id);
    expect(challenge).toMatchObject({ contract_id: id, epoch: 0, leaf_count: 101 });
    const paid = await client.answer(provider.party.signer, { contract_id: id, epoch: challenge.epoch, proofs: provider.proofs(challenge.indexes) });
    expect(paid.contract).toMatchObject({ paid_units: PRICE_UNITS, passed_epochs: 1, phase: 'WaitingForEpoch' });
    expect(paid.contract.last_effects).toContainEqual(expect.objectContaining({ reason: 'proof_accepted' }));
    expect(await refusedWith(client.challenge(id))).toBe('no_open_challenge');
    expect((await client.contract(id)).paid_units).toBe(PRICE_UNITS);
    expect(await refusedWith(client.contract('ab'.repeat(32)))).toBe('unknown_contract');
  });

  it('refuses bad list queries with invalid_field and moves nothing', async () => {
    await open(2n);
    const before = (await f.request('GET', '/info')).json.journal_head;
    const key = requester.key;
    for (const query of [
      '', 'party=', `party=${key.toUpperCase()}`, `party=${key.slice(2)}`, 'party=reserve:ecosystem', `party=${key}&limit=0`,
      `party=${key}&limit=1001`, `party=${key}&limit=-1`, `party=${key}&limit=x`, `party=${key}&after=zz`, `party=${key}&after=${'A'.repeat(64)}`,
    ]) {
      const reply = await f.request('GET', `/storage/contracts?${query}`);
      expect({ query, status: reply.status, code: reply.json.error }).toEqual({ query, status: 400, code: 'invalid_field' });
    }
    expect((await f.request('GET', '/info')).json.journal_head).toEqual(before);
  });

  it(`cuts off a provider after ${MAX_BAD_ANSWERS_PER_CHALLENGE} bad answers to one challenge, until the next challenge`, async () => {
    const id = (await open(2n)).contract.contract_id;
    const c = await client.challenge(id);
    const proofs = provider.proofs(c.indexes);
    const tampered = proofs.map((p, k) => (k === 1 ? { ...p, leaf: p.leaf.map((b) => b ^ 0x55) } : p));
    const post = (body: Record<string, unknown>) => f.request('POST', `/storage/contracts/${id}/answers`, body);
    // Forgeries (not signed by the provider) are not counted: nobody can lock a provider out.
    const stranger = new StoringProvider(await newSigner(), replica);
    for (let i = 0; i < MAX_BAD_ANSWERS_PER_CHALLENGE + 2; i++) {
      expect((await post(await stranger.answerBody(f, id, c.epoch, proofs))).json.error).toBe('invalid_signature');
    }
    for (let i = 0; i < MAX_BAD_ANSWERS_PER_CHALLENGE; i++) {
      expect((await post(await provider.answerBody(f, id, c.epoch, i % 2 ? tampered : proofs.slice(1)))).json.error).toMatch(/bad_proof|wrong_proof_count/);
    }
    const before = (await f.request('GET', '/info')).json.journal_head;
    const cut = await post(await provider.answerBody(f, id, c.epoch, proofs));
    expect({ status: cut.status, code: cut.json.error }).toEqual({ status: 429, code: 'too_many_bad_answers' });
    expect(await refusedWith(client.answer(provider.party.signer, { contract_id: id, epoch: c.epoch, proofs }))).toBe('too_many_bad_answers');
    expect((await f.request('GET', '/info')).json.journal_head).toEqual(before);
    // The epoch is missed (not paid); the next challenge gets a fresh allowance and an honest answer is paid.
    f.clock.now_ms += EPOCH_MS;
    const next = await client.challenge(id);
    expect(next.epoch).toBe(1);
    const paid = await client.answer(provider.party.signer, { contract_id: id, epoch: next.epoch, proofs: provider.proofs(next.indexes) });
    expect(paid.contract).toMatchObject({ passed_epochs: 1, missed_epochs: 1, paid_units: PRICE_UNITS });
  });
});

// Hostile and malformed input to paid storage's routes, on both stores: forged or missing signatures, bad terms and
// sizes, unfunded parties, replays, proofs tampered, reordered, short, stale, late or made for another contract.
// Each gets its typed 4xx code and leaves the journal head where it was; the audit afterwards finds nothing moved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeProof, type LeafProof } from '../../src/protocol/storage-merkle.ts';
import { createFixture, newSigner, type Fixture, type StoreKind } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';
import {
  COLLATERAL_UNITS, EPOCH_MS, openBody, openContract, openTerms, randomReplica, STORAGE_TEST_OPTIONS, StoringProvider, WINDOW_MS, type Party,
} from './helpers/storage.ts';

const pg = startPg();
afterAll(() => pg?.stop());
const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];
const replica = randomReplica('bad-input', 120 * 256 + 7);
const other = randomReplica('other-file', 120 * 256 + 7);

describe.each(kinds)('storage bad input on %s', (kind) => {
  let f: Fixture;
  let requester: Party;
  let provider: StoringProvider;
  let stranger: Party;
  let contract: string;
  let otherContract: string;

  beforeAll(async () => {
    f = await createFixture(kind, pg, STORAGE_TEST_OPTIONS);
    requester = await f.funded();
    provider = new StoringProvider(await f.funded(), replica);
    stranger = await newSigner();
    contract = (await openContract(f, requester, provider.party, replica, 2n)).id;
    otherContract = (await openContract(f, requester, provider.party, other, 3n)).id;
  });
  afterAll(async () => {
    const audit = await f.service.audit(true);
    expect(audit.problems).toEqual([]);
    await f.close();
  });

  /** Sends a request that must be refused with `code`, and checks that the journal did not move. */
  async function refused(method: string, path: string, body: unknown, status: number, code: string): Promise<string> {
    const before = (await f.request('GET', '/info')).json.journal_head;
    const reply = await f.request(method, path, body);
    expect({ status: reply.status, code: reply.json.error }, JSON.stringify(reply.json)).toEqual({ status, code });
    expect((await f.request('GET', '/info')).json.journal_head).toEqual(before);
    return String(reply.json.message);
  }

  it('refuses opens that are forged, unaccepted, malformed, unfunded, replayed or on bad terms', async () => {
    const terms = openTerms(requester, provider.party, replica, 10n);
    const good = await openBody(f, requester, provider.party, terms);
    const open = (body: unknown, status: number, code: string) => refused('POST', '/storage/contracts', body, status, code);
    // Signatures: by someone else, over other terms, or the provider never accepted these.
    await open(await openBody(f, stranger, provider.party, terms), 401, 'invalid_signature');
    await open(await openBody(f, requester, provider.party, terms, { requesterTerms: { ...terms, price_units_per_epoch: 1n } }), 401, 'invalid_signature');
    await open(await openBody(f, requester, provider.party, terms, { providerTerms: { ...terms, collateral_units: 0n } }), 401, 'invalid_signature');
    await open(await openBody(f, requester, requester, terms), 401, 'invalid_signature');
    await open({ ...good, epochs: 5 }, 401, 'invalid_signature'); // altered after signing
    // Shape of the body.
    await open({ ...good, extra: 1 }, 400, 'invalid_field');
    const { root: _root, ...noRoot } = good;
    await open(noRoot, 400, 'invalid_field');
    await open({ ...good, root: 'zz'.repeat(32) }, 400, 'invalid_field');
    await open({ ...good, size_bytes: -1 }, 400, 'invalid_field');
    await open({ ...good, epochs: 10_001 }, 400, 'invalid_field');
    await open({ ...good, price_units_per_epoch: '0' }, 400, 'amount_zero');
    await open('{"requester":', 400, 'malformed_json');
    // Terms both parties signed but the ledger refuses: sizes, leaf layout, timing, parties.
    const signedOpen = async (over: Partial<typeof terms>, who: [Party, Party] = [requester, provider.party]) =>
      openBody(f, who[0], who[1], { ...terms, ...over, requester: who[0].key, provider: who[1].key });
    expect(await open(await signedOpen({ size_bytes: 0 }), 400, 'bad_terms')).toBe('bad_shape');
    expect(await open(await signedOpen({ leaf_bytes: 32 }), 400, 'bad_terms')).toBe('bad_shape');
    expect(await open(await signedOpen({ size_bytes: 2 ** 26 * 256 + 1 }), 400, 'bad_terms')).toBe('bad_shape');
    expect(await open(await signedOpen({ epochs: 0 }), 400, 'bad_terms')).toBe('bad_epochs');
    expect(await open(await signedOpen({ answer_window_ms: EPOCH_MS + 1 }), 400, 'bad_terms')).toBe('bad_timing');
    expect(await open(await signedOpen({ epoch_ms: 999, answer_window_ms: 100 }), 400, 'bad_terms')).toMatch(/at least 1000 ms/);
    expect(await open(await signedOpen({}, [requester, requester]), 400, 'bad_terms')).toBe('same_party');
    // Money: an unknown requester, a requester or provider without the funds.
    await open(await signedOpen({}, [stranger, provider.party]), 404, 'unknown_account');
    await open(await signedOpen({ price_units_per_epoch: 10n ** 12n }), 409, 'insufficient_funds');
    await open(await signedOpen({ collateral_units: 10n ** 12n }), 409, 'provider_insufficient_funds');
    await open(await signedOpen({ collateral_units: COLLATERAL_UNITS }, [requester, stranger]), 409, 'provider_insufficient_funds');
    // A replayed open (same nonce as an accepted one) and a JSON body sent as text/plain.
    await open(await openBody(f, requester, provider.party, openTerms(requester, provider.party, replica, 2n)), 409, 'stale_nonce');
    const before = (await f.request('GET', '/info')).json.journal_head;
    const plain = await f.service.app.request('/storage/contracts', { method: 'POST', body: JSON.stringify(good), headers: { 'content-type': 'text/plain' } });
    expect(plain.status).toBe(415);
    expect((await f.request('GET', '/info')).json.journal_head).toEqual(before);
  });

  it('refuses answers that are forged, tampered, short, reordered, stale, early, late or for another contract', async () => {
    const challenge = (await f.request('GET', `/storage/contracts/${contract}/challenge`)).json as { epoch: number; indexes: number[] };
    const path = `/storage/contracts/${contract}/answers`;
    const proofs = provider.proofs(challenge.indexes);
    const answer = (body: unknown, status: number, code: string) => refused('POST', path, body, status, code);
    const signed = (p: readonly LeafProof[], epoch = challenge.epoch, id = contract) => provider.answerBody(f, id, epoch, p);
    const good = await signed(proofs);
    // Signatures: by the requester, for another epoch, for another contract, or proofs swapped after signing.
    const byRequester = new StoringProvider(requester, replica);
    await answer(await byRequester.answerBody(f, contract, challenge.epoch, proofs), 401, 'invalid_signature');
    await answer({ ...good, epoch: challenge.epoch + 1 }, 401, 'invalid_signature');
    await answer(await signed(proofs, challenge.epoch, otherContract), 401, 'invalid_signature');
    await answer({ ...good, proofs: (good.proofs as string[]).slice().reverse() }, 401, 'invalid_signature');
    // Proofs that are signed but wrong: short, reordered, tampered, truncated leaf, from another file.
    await answer(await signed(proofs.slice(1)), 400, 'wrong_proof_count');
    await answer(await signed(proofs.slice().reverse()), 400, 'wrong_index');
    const tampered = proofs.map((p, k) => (k === 3 ? { ...p, leaf: p.leaf.map((b, i) => (i === 0 ? b ^ 1 : b)) } : p));
    expect(await answer(await signed(tampered), 400, 'bad_proof')).toMatch(/root_mismatch/);
    const short = proofs.map((p, k) => (k === 0 ? { ...p, leaf: p.leaf.slice(1) } : p));
    expect(await answer(await signed(short), 400, 'bad_proof')).toMatch(/bad_leaf_length/);
    const foreign = new StoringProvider(provider.party, other).proofs(challenge.indexes);
    expect(await answer(await signed(foreign), 400, 'bad_proof')).toMatch(/root_mismatch/);
    // Epochs: an answer for a future epoch is refused; nothing here can be paid early.
    await answer(await signed(proofs, challenge.epoch + 1), 409, 'wrong_epoch');
    // Malformed wire: not base64, not one proof (extra byte), empty, too many, bad id, unknown contract.
    await answer({ ...good, proofs: ['***'] }, 400, 'invalid_field');
    const extra = Buffer.concat([Buffer.from(encodeProof(proofs[0] as LeafProof)), Buffer.of(0)]).toString('base64');
    await answer({ ...good, proofs: [extra] }, 400, 'invalid_field');
    await answer({ ...good, proofs: [] }, 400, 'invalid_field');
    await answer({ ...good, proofs: Array.from({ length: 1025 }, () => (good.proofs as string[])[0]) }, 400, 'invalid_field');
    await answer({ ...good, unexpected: true }, 400, 'invalid_field');
    await refused('POST', `/storage/contracts/${'x'.repeat(64)}/answers`, good, 400, 'invalid_field');
    await refused('POST', `/storage/contracts/${'ab'.repeat(32)}/answers`, good, 404, 'unknown_contract');
    await refused('GET', `/storage/contracts/${'ab'.repeat(32)}`, undefined, 404, 'unknown_contract');
    await answer('x'.repeat(4 * 1024 * 1024 + 1), 413, 'body_too_large');
    // The good answer is paid once; the same answer again is stale (a replay), and so is one for the settled epoch.
    expect((await f.request('POST', path, good)).status).toBe(200);
    await answer(good, 409, 'stale_answer');
    expect((await f.request('GET', `/storage/contracts/${contract}/challenge`)).json).toMatchObject({ error: 'no_open_challenge' });
    await answer(await signed(proofs, challenge.epoch + 1), 409, 'no_open_challenge');
    // Late: the next epoch's challenge is open, its deadline passes before the answer arrives.
    f.clock.now_ms += EPOCH_MS;
    const next = (await f.request('GET', `/storage/contracts/${contract}/challenge`)).json as { epoch: number; indexes: number[] };
    f.clock.now_ms += WINDOW_MS + 1;
    await answer(await signed(provider.proofs(next.indexes), next.epoch), 409, 'late_answer');
  });
});

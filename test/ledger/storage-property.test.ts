// Property: random sequences of opens, clock jumps, timer passes, answers (honest, from a copy missing 10 %, forged,
// replayed, made for another contract), reads and ledger restarts (with time passing while it is down), through the
// HTTP API on the real stores. After every step the audit holds (supply conserved, escrow and collateral accounted);
// every payment in the journal answers exactly one accepted answer, no epoch is settled twice, a missed epoch is
// never paid, an honest answer to an open challenge is always paid; at the end every contract has settled every epoch.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_BAD_ANSWERS_PER_CHALLENGE } from '../../src/ledger/storage-answer-limit.ts';
import { createFixture, type Fixture, type StoreKind } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';
import { balances, EPOCH_MS, openContract, randomReplica, STORAGE_TEST_OPTIONS, StoringProvider, type Party } from './helpers/storage.ts';

const pg = startPg();
afterAll(() => pg?.stop());
const RUNS: Record<StoreKind, number> = { sqlite: 10, postgres: 3 };
const OPS_PER_RUN = 45;
const replicas = [randomReplica('prop-a', 90 * 256 + 3), randomReplica('prop-b', 60 * 256)];

const op = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('open' as const), provider: fc.integer({ min: 0, max: 1 }), epochs: fc.integer({ min: 1, max: 5 }) }) },
  // Mostly steps within an answer window; sometimes a whole epoch or more.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 400, max: 2 * EPOCH_MS }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('answer' as const), contract: fc.nat(),
      mode: fc.constantFrom('honest', 'honest', 'forged', 'replay', 'other_contract'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('read' as const), contract: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), down_ms: fc.integer({ min: 0, max: 3_000 }) }) },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

interface Live {
  id: string;
  provider: StoringProvider;
  epochs: number;
  accepted: Set<number>;
  lastGood: Record<string, unknown> | null;
}

async function run(kind: StoreKind, ops: Op[]): Promise<void> {
  const f: Fixture = await createFixture(kind, pg, STORAGE_TEST_OPTIONS);
  try {
    const requester: Party = await f.funded();
    // Provider 1 stores its replica whole; provider 2 lost 10 % of its leaves (caught with ≥ 99 % per epoch).
    const providers = [new StoringProvider(await f.funded(), replicas[0]!), new StoringProvider(await f.funded(), replicas[1]!)];
    providers[1]!.loseFraction(0.1);
    const parties = [requester.key, ...providers.map((p) => p.party.key)];
    const held = async () => (await Promise.all(parties.map((k) => balances(f, k)))).reduce((n, b) => n + b.balance + b.escrow, 0n);
    const total = await held();
    const contracts: Live[] = [];
    const settled = new Set<string>();
    // The ledger's bad-answer limit, modelled: refusals counted per contract while its row stays at one updated_seq.
    const bad = new Map<string, { seq: number; count: number }>();
    let nonce = 10n;
    let seen = ((await f.request('GET', '/info')).json.journal_head as { seq: number }).seq;
    let paidNow: Array<{ id: string; epoch: number }> = [];

    /** Reads the journal's new entries and checks every storage settle against the model. */
    const checkJournal = async () => {
      const entries = (await f.request('GET', `/journal?after_seq=${seen}&limit=1000`)).json.entries as Array<{ seq: number; kind: string; fields: Record<string, string | number> }>;
      for (const e of entries) {
        seen = e.seq;
        if (e.kind !== 'storage_settle') continue;
        const key = `${e.fields.contract_id}/${e.fields.epoch}`;
        expect(settled.has(key), `epoch settled twice: ${key}`).toBe(false);
        settled.add(key);
        const paid = BigInt(e.fields.paid_units as string);
        const answered = paidNow.findIndex((p) => `${p.id}/${p.epoch}` === key);
        if (e.fields.outcome === 'proof_accepted') {
          expect(paid > 0n && answered >= 0, `paid without an accepted answer: ${key}`).toBe(true);
          paidNow.splice(answered, 1);
          count('paid');
        } else {
          expect(paid, `a missed epoch was paid: ${key}`).toBe(0n);
          count(BigInt(e.fields.slashed_units as string) > 0n ? 'slashed' : 'missed');
        }
      }
      expect(paidNow, 'an accepted answer left no payment in the journal').toEqual([]);
      const audit = await f.service.audit();
      expect(audit.problems).toEqual([]);
      expect(await held()).toBe(total);
    };

    for (const o of ops) {
      switch (o.kind) {
        case 'open': {
          const provider = providers[o.provider]!;
          const { id } = await openContract(f, requester, provider.party, provider.replica, nonce++, { epochs: o.epochs });
          contracts.push({ id, provider, epochs: o.epochs, accepted: new Set(), lastGood: null });
          break;
        }
        case 'advance':
          f.clock.now_ms += o.ms;
          break;
        case 'tick':
          await f.service.storageTick();
          break;
        case 'read': {
          const c = contracts[o.contract % Math.max(1, contracts.length)];
          if (c) await f.request('GET', `/storage/contracts/${c.id}`);
          break;
        }
        case 'restart':
          await f.service.close();
          f.clock.now_ms += o.down_ms;
          await f.restart(STORAGE_TEST_OPTIONS);
          bad.clear();
          count('restart');
          break;
        case 'answer': {
          const c = contracts[o.contract % Math.max(1, contracts.length)];
          if (!c) break;
          const path = `/storage/contracts/${c.id}/answers`;
          if (o.mode === 'replay') {
            if (!c.lastGood) break;
            const reply = await f.request('POST', path, c.lastGood);
            expect(['stale_answer', 'contract_ended']).toContain(reply.json.error);
            count('replay_refused');
            break;
          }
          const challenge = await f.request('GET', `/storage/contracts/${c.id}/challenge`);
          if (challenge.status !== 200) break;
          const { epoch, indexes } = challenge.json as { epoch: number; indexes: number[] };
          let proofs = c.provider.proofs(indexes);
          let id = c.id;
          if (o.mode === 'forged') proofs = proofs.map((p, k) => (k === 0 ? { ...p, leaf: p.leaf.map((b) => b ^ 0xff) } : p));
          if (o.mode === 'other_contract') id = contracts.find((x) => x.id !== c.id)?.id ?? c.id;
          // For another contract: signed for it, so only the proofs are wrong there (its leaves, its root, its epoch).
          const body = await c.provider.answerBody(f, id, epoch, proofs);
          const seq = (await f.request('GET', `/storage/contracts/${id}`)).json.updated_seq as number;
          const seen = bad.get(id)?.seq === seq ? (bad.get(id)?.count ?? 0) : 0;
          const reply = await f.request('POST', `/storage/contracts/${id}/answers`, body);
          if (seen >= MAX_BAD_ANSWERS_PER_CHALLENGE) {
            expect(reply.json.error).toBe('too_many_bad_answers');
            count('answer_limited');
            break;
          }
          expect(reply.json.error).not.toBe('too_many_bad_answers');
          if (['bad_proof', 'wrong_proof_count', 'wrong_index'].includes(String(reply.json.error))) bad.set(id, { seq, count: seen + 1 });
          const honest = o.mode === 'honest' && id === c.id && c.provider.proofs(indexes).every((p) => !c.provider.lost.has(p.index));
          if (honest) expect(reply.status, `an honest answer in time was refused: ${JSON.stringify(reply.json)}`).toBe(200);
          if (o.mode !== 'honest' && id !== c.id) expect(reply.status).not.toBe(200);
          if (o.mode === 'forged') expect(reply.json.error).toBe('bad_proof');
          count(`answer_${reply.status === 200 ? 'paid' : String(reply.json.error)}`);
          if (reply.status === 200) {
            expect(c.accepted.has(epoch)).toBe(false);
            c.accepted.add(epoch);
            c.lastGood = body;
            paidNow.push({ id: c.id, epoch });
          }
          break;
        }
      }
      await checkJournal();
    }
    // Time runs out for every contract: each settles every epoch exactly once and ends holding nothing.
    for (let i = 0; i < 12; i++) {
      f.clock.now_ms += EPOCH_MS;
      await f.service.storageTick();
    }
    await checkJournal();
    for (const c of contracts) {
      const v = (await f.request('GET', `/storage/contracts/${c.id}`)).json;
      expect(v).toMatchObject({ phase: 'Ended', escrow_units: '0', collateral_units: '0', passed_epochs: c.accepted.size });
      if (v.end_reason === 'completed') expect((v.passed_epochs as number) + (v.missed_epochs as number)).toBe(c.epochs);
    }
    paidNow = [];
    expect((await f.service.audit(true)).problems).toEqual([]);
  } finally {
    await f.close();
  }
}

describe('storage contracts: random sequences with restarts conserve supply and never pay a missed epoch', () => {
  const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];
  it.each(kinds)('on %s', { timeout: 240_000 }, async (kind) => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: OPS_PER_RUN, maxLength: OPS_PER_RUN }), (ops) => run(kind, ops)), {
      numRuns: RUNS[kind], endOnFailure: true,
    });
    process.stdout.write(`storage property outcomes (${kind}): ${JSON.stringify(Object.fromEntries([...tally].sort()))}\n`);
    for (const key of ['paid', 'missed', 'slashed', 'restart', 'replay_refused', 'answer_bad_proof']) expect(tally.get(key) ?? 0, key).toBeGreaterThan(0);
  });
});

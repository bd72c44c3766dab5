// The ledger's challenge load through the real ledger (SQLite store, journal, audit-ready entries, the HTTP routes
// in-process): contracts challenged per second by the epoch timer, and contracts checked per second, each one
// provider's signed 44-leaf answer (4 KiB leaves, ~260 KB of base64) parsed, its signature and proofs verified,
// and the epoch paid in the store. The providers' side (building the proofs) is done before the clock starts.
import { createFixture } from '../ledger/helpers/ledger.ts';
import { openContract, randomReplica, StoringProvider } from '../ledger/helpers/storage.ts';
import type { BenchContext, BenchResult } from './bench.ts';

const CONTRACTS = 200;
const EPOCHS = 3;
/** 1 MiB replica in 4 KiB leaves (256 leaves): a challenge asks 44 leaves, about 38 distinct. */
const replica = randomReplica('bench', 1024 * 1024, 4096);

export default async function storageLedgerBench(ctx: BenchContext): Promise<BenchResult[]> {
  const f = await createFixture('sqlite', null, { storage: { min_epoch_ms: 1_000, tickIntervalMs: 0 }, log: () => {} });
  try {
    const requester = await f.funded();
    const provider = new StoringProvider(await f.funded(), replica);
    const ids: string[] = [];
    for (let i = 0; i < CONTRACTS; i++) {
      ids.push((await openContract(f, requester, provider.party, replica, BigInt(i + 2), { epochs: EPOCHS, collateral_units: 1_000n, epoch_ms: 60_000, answer_window_ms: 30_000 })).id);
    }
    const challenged: number[] = [];
    const checked: number[] = [];
    let bytes = 0;
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      let start = performance.now();
      const done = await f.service.storageTick();
      challenged.push((done * 1000) / (performance.now() - start));
      const bodies = await Promise.all(ids.map(async (id) => {
        const c = (await f.request('GET', `/storage/contracts/${id}/challenge`)).json as { epoch: number; indexes: number[] };
        return provider.answerBody(f, id, c.epoch, provider.proofs(c.indexes));
      }));
      bytes = JSON.stringify(bodies[0]).length;
      start = performance.now();
      const replies = await Promise.all(ids.map((id, k) => f.request('POST', `/storage/contracts/${id}/answers`, bodies[k])));
      checked.push((ids.length * 1000) / (performance.now() - start));
      if (replies.some((r) => r.status !== 200)) throw new Error(`an answer was refused: ${JSON.stringify(replies.find((r) => r.status !== 200)?.json)}`);
      f.clock.now_ms += 60_000;
    }
    const audit = await f.service.audit(true);
    if (!audit.ok) throw new Error(`audit: ${audit.problems.join('; ')}`);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    ctx.log(`${CONTRACTS} contracts x ${EPOCHS} epochs; answer body ${Math.round(bytes / 1024)} KiB; challenged/s ${challenged.map(Math.round).join(', ')}; checked/s ${checked.map(Math.round).join(', ')}`);
    return [
      { name: 'ledger: contracts challenged per second (epoch timer, SQLite)', value: median(challenged), unit: 'contracts/s', note: `median of ${EPOCHS} epochs, ${CONTRACTS} contracts` },
      { name: "ledger's challenge load: contracts checked per second (SQLite)", value: median(checked), unit: 'contracts/s', note: 'signed 44-leaf answer over HTTP in-process, verified and paid' },
    ];
  } finally {
    await f.close();
  }
}

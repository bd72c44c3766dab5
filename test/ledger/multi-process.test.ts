// Ledger cluster mode: two stateless ledger processes (src/ledger/main.ts, as deployed) behind one PostgreSQL.
// Each channel is opened through one process and closed through the other, many clients at once; both processes
// then agree on the journal head, the audit holds from genesis and the supply is conserved.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import { fundedPairs, post, signCycles, spawnLedger } from './helpers/bench-load.ts';
import { startPg } from './helpers/pg.ts';

const pg = startPg();
afterAll(() => pg?.stop());
const CLIENTS = 12;
const CYCLES = 8;

describe.runIf(pg !== null)('two ledger processes on one PostgreSQL', () => {
  it('channels opened on one process close on the other; both agree, the audit holds', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'seedpay-ledger-cluster-'));
    const databaseUrl = await pg!.createDatabase();
    // The first process creates the ledger key in the shared data dir (in production: the same secret on each host).
    const a = await spawnLedger(dataDir, databaseUrl);
    const b = await spawnLedger(dataDir, databaseUrl);
    try {
      expect(b.ledger_id).toBe(a.ledger_id);
      const pairs = await fundedPairs(a, CLIENTS);
      const signed = await Promise.all(pairs.map((p) => signCycles(a.ledger_id, p, 1n, CYCLES)));
      const statuses: number[] = [];
      await Promise.all(signed.map(async (cycles, client) => {
        for (const [i, cycle] of cycles.entries()) {
          const [first, second] = (client + i) % 2 === 0 ? [a, b] : [b, a];
          statuses.push((await post(first.url + cycle.openPath, cycle.openBody)).status);
          statuses.push((await post(second.url + cycle.closePath, cycle.closeBody)).status);
        }
      }));
      expect(statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
      expect(statuses).toHaveLength(CLIENTS * CYCLES * 2);

      const infoA = (await (await fetch(`${a.url}/info`)).json()) as { journal_head: { seq: number } };
      const infoB = (await (await fetch(`${b.url}/info`)).json()) as { journal_head: { seq: number } };
      expect(infoB.journal_head).toEqual(infoA.journal_head);
      for (const ledger of [a, b]) {
        const audit = (await (await fetch(`${ledger.url}/audit?from_genesis=true`)).json()) as { ok: boolean; problems: unknown[]; balance_units: string; escrow_units: string };
        expect(audit.problems).toEqual([]);
        expect(audit.ok).toBe(true);
        expect(BigInt(audit.balance_units) + BigInt(audit.escrow_units)).toBe(TOTAL_SUPPLY_UNITS);
      }
    } finally {
      await a.stop();
      await b.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

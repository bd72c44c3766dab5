// Ledger throughput: channel open+close cycles per second over HTTP (ledger in its own process) with p50/p99
// latency, p99 at a fixed 100 requests/s, and the raw store's insert ceiling in the same run; SQLite and PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/ledger/store-sqlite.ts';
import { PostgresStore } from '../../src/ledger/store-postgres.ts';
import type { Store } from '../../src/ledger/store.ts';
import { fundedPairs, runCycle, signCycles, spawnLedger, storeInsertCeiling, type Cycle } from '../ledger/helpers/bench-load.ts';
import { startPg, type PgServer } from '../ledger/helpers/pg.ts';
import { cpuSampler, type CpuSplit } from './helpers/ledger-cpu.ts';
import { percentile, type BenchContext, type BenchResult } from './bench.ts';

/** Concurrent clients in the closed-loop run: enough to keep the ledger's group commit fed. */
const CLIENTS = Number(process.env.LEDGER_BENCH_CLIENTS ?? 64);
const CYCLES_PER_CLIENT = Number(process.env.LEDGER_BENCH_CYCLES ?? 120);
const WARMUP_CYCLES = 10;
const FIXED_RATE_PER_S = 100;
const FIXED_RATE_SECONDS = 5;
const RAW_DURATION_MS = 2_000;

async function closedLoop(base: string, perClient: Cycle[][]): Promise<{ cycles_per_s: number; latencies_ms: number[] }> {
  const latencies_ms: number[] = [];
  const started = performance.now();
  await Promise.all(perClient.map(async (cycles) => {
    for (const cycle of cycles) await runCycle(base, cycle, latencies_ms);
  }));
  const elapsed_ms = performance.now() - started;
  return { cycles_per_s: (perClient.reduce((n, c) => n + c.length, 0) * 1000) / elapsed_ms, latencies_ms: latencies_ms.sort((a, b) => a - b) };
}

/** Open loop: a new cycle every 2/rate seconds whatever the replies do, so two requests per period on average. */
async function fixedRate(base: string, cycles: Cycle[]): Promise<number[]> {
  const latencies_ms: number[] = [];
  const period_ms = 2_000 / FIXED_RATE_PER_S;
  const started = performance.now();
  const running: Promise<unknown>[] = [];
  const failures: unknown[] = [];
  for (let i = 0; i < cycles.length; i++) {
    const due = started + i * period_ms;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    running.push(runCycle(base, cycles[i]!, latencies_ms).catch((error: unknown) => failures.push(error)));
  }
  await Promise.all(running);
  if (failures.length > 0) throw new Error(`${failures.length} fixed-rate cycles failed, first: ${String(failures[0])}`);
  return latencies_ms.sort((a, b) => a - b);
}

/** Where the cores went: CPU µs per cycle for each party, and how busy the whole machine was. */
function cpuFigures(ctx: BenchContext, kind: string, split: CpuSplit, cycles: number): BenchResult[] {
  const per = (seconds: number) => (seconds * 1e6) / cycles;
  const busy_pct = (100 * split.machine_busy_s) / (split.wall_s * split.cores);
  ctx.log(
    `${kind}: CPU per cycle: ledger ${per(split.ledger_s).toFixed(0)} µs, load generator ${per(split.client_s).toFixed(0)} µs` +
      `${split.database_s > 0 ? `, PostgreSQL ${per(split.database_s).toFixed(0)} µs` : ''}; machine ${busy_pct.toFixed(0)} % busy on ${split.cores} cores`,
  );
  return [
    { name: `${kind}: ledger process CPU per cycle`, value: per(split.ledger_s), unit: 'µs' },
    { name: `${kind}: load generator CPU per cycle`, value: per(split.client_s), unit: 'µs' },
    ...(split.database_s > 0 ? [{ name: `${kind}: PostgreSQL CPU per cycle`, value: per(split.database_s), unit: 'µs' }] : []),
    { name: `${kind}: machine busy during the closed loop`, value: busy_pct, unit: '%', note: `${split.cores} cores, other sessions included` },
  ];
}

async function benchStore(ctx: BenchContext, kind: 'sqlite' | 'postgres', pg: PgServer | null): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const label = kind === 'sqlite' ? 'SQLite (WAL, synchronous=FULL)' : 'PostgreSQL (fsync on)';
  const dirs: string[] = [];
  const tmp = () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedpay-bench-'));
    dirs.push(dir);
    return dir;
  };
  const newStore = async (): Promise<Store> => (kind === 'sqlite' ? SqliteStore.open(tmp()) : new PostgresStore(await pg!.createDatabase()));
  try {
    for (const per of [1, 64]) {
      const store = await newStore();
      const tx_per_s = await storeInsertCeiling(store, RAW_DURATION_MS, per);
      await store.close();
      const what = per === 1 ? 'one per transaction' : `${per} per transaction`;
      results.push({ name: `${kind}: raw store debit+channel+journal, ${what}`, value: tx_per_s, unit: 'ops/s', note: label });
      ctx.log(`${kind} raw store (${what}): ${Math.round(tx_per_s)} ops/s`);
    }

    const dataDir = tmp();
    const databaseUrl = kind === 'postgres' ? await pg!.createDatabase() : undefined;
    const ledger = await spawnLedger(dataDir, databaseUrl);
    try {
      const pairs = await fundedPairs(ledger, CLIENTS);
      ctx.log(`${kind}: signing ${CLIENTS * (CYCLES_PER_CLIENT + WARMUP_CYCLES)} cycles for ${CLIENTS} clients`);
      const signed = await Promise.all(pairs.map((p) => signCycles(ledger.ledger_id, p, 1n, WARMUP_CYCLES + CYCLES_PER_CLIENT)));
      await closedLoop(ledger.url, signed.map((c) => c.slice(0, WARMUP_CYCLES)));
      const cpu = cpuSampler([ledger.child.pid!], databaseUrl);
      const loop = await closedLoop(ledger.url, signed.map((c) => c.slice(WARMUP_CYCLES)));
      const split = cpu.stop();
      ctx.log(`${kind}: ${Math.round(loop.cycles_per_s)} cycles/s, p50 ${percentile(loop.latencies_ms, 50).toFixed(1)} ms, p99 ${percentile(loop.latencies_ms, 99).toFixed(1)} ms`);
      results.push(...cpuFigures(ctx, kind, split, CLIENTS * CYCLES_PER_CLIENT));
      // The box is shared: the load average says how much of its 2 cores the run really had.
      const load = loadavg()[0]?.toFixed(1);
      results.push({ name: `${kind}: channel open+close cycles over HTTP`, value: loop.cycles_per_s, unit: 'cycles/s', note: `${CLIENTS} concurrent clients, ${label}, load avg ${load}` });
      results.push({ name: `${kind}: request latency p50 at full load`, value: percentile(loop.latencies_ms, 50), unit: 'ms' });
      results.push({ name: `${kind}: request latency p99 at full load`, value: percentile(loop.latencies_ms, 99), unit: 'ms' });

      // Rotate over several pairs so one pair's cycles never overlap (each pair's nonces must arrive in order).
      const rotation = pairs.slice(0, Math.min(pairs.length, 10));
      const per = Math.ceil(((FIXED_RATE_PER_S / 2) * FIXED_RATE_SECONDS) / rotation.length);
      const next = BigInt(WARMUP_CYCLES + CYCLES_PER_CLIENT + 1);
      const byPair = await Promise.all(rotation.map((p) => signCycles(ledger.ledger_id, p, next, per)));
      const steady = Array.from({ length: per * rotation.length }, (_, i) => byPair[i % rotation.length]![Math.floor(i / rotation.length)]!);
      const fixed = await fixedRate(ledger.url, steady);
      results.push({ name: `${kind}: request latency p50 at ${FIXED_RATE_PER_S} req/s`, value: percentile(fixed, 50), unit: 'ms' });
      results.push({ name: `${kind}: request latency p99 at ${FIXED_RATE_PER_S} req/s`, value: percentile(fixed, 99), unit: 'ms', note: 'target < 50 ms' });

      if (kind === 'postgres') {
        // Cluster mode: a second stateless ledger process on the same database; clients split over both.
        const second = await spawnLedger(dataDir, databaseUrl);
        try {
          const from = next + BigInt(per);
          const cycles = await Promise.all(pairs.map((p) => signCycles(ledger.ledger_id, p, from, CYCLES_PER_CLIENT)));
          const halves = [cycles.filter((_, i) => i % 2 === 0), cycles.filter((_, i) => i % 2 === 1)];
          const started = performance.now();
          const [x, y] = await Promise.all([closedLoop(ledger.url, halves[0]!), closedLoop(second.url, halves[1]!)]);
          const rate = (CLIENTS * CYCLES_PER_CLIENT * 1000) / (performance.now() - started);
          const both = [...x.latencies_ms, ...y.latencies_ms].sort((m, n) => m - n);
          ctx.log(`${kind}, 2 ledger processes: ${Math.round(rate)} cycles/s, p99 ${percentile(both, 99).toFixed(1)} ms`);
          results.push({ name: `${kind}: cycles over HTTP, 2 ledger processes`, value: rate, unit: 'cycles/s', note: `${CLIENTS} clients split over both, load avg ${loadavg()[0]?.toFixed(1)}` });
          results.push({ name: `${kind}: request latency p99, 2 ledger processes`, value: percentile(both, 99), unit: 'ms' });
        } finally {
          await second.stop();
        }
      }
    } finally {
      await ledger.stop();
    }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export default async function ledgerBench(ctx: BenchContext): Promise<BenchResult[]> {
  const results = await benchStore(ctx, 'sqlite', null);
  let pg: PgServer | null = null;
  try {
    pg = startPg();
  } catch (error) {
    ctx.log(`PostgreSQL bench skipped: ${String(error)}`);
  }
  if (!pg) return results;
  try {
    results.push(...(await benchStore(ctx, 'postgres', pg)));
  } finally {
    await pg.stop();
  }
  return results;
}

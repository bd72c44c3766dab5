// The contract every test/bench/*.bench.ts module follows, and a small timing helper they share.

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
  suite?: string;
}

export interface BenchContext {
  log(line: string): void;
}

export interface BenchModule {
  default(ctx: BenchContext): Promise<BenchResult[]>;
}

/** Runs `fn` repeatedly for about `duration_ms` (after a warm-up) and returns operations per second. */
export async function opsPerSecond(fn: () => unknown | Promise<unknown>, duration_ms = 1500): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < duration_ms) {
    for (let i = 0; i < 16; i++) await fn();
    count += 16;
    elapsed = performance.now() - start;
  }
  return (count * 1000) / elapsed;
}

export function percentile(sorted_ms: number[], p: number): number {
  if (sorted_ms.length === 0) return NaN;
  const index = Math.min(sorted_ms.length - 1, Math.max(0, Math.ceil((p / 100) * sorted_ms.length) - 1));
  return sorted_ms[index] ?? NaN;
}

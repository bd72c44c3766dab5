// `npm run bench [filter]`: runs every test/bench/*.bench.ts in turn, prints one table of figures and writes
// them to test-results/bench/results.json so notes and charts quote the same run.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { barChart } from '../../src/sim/svg.ts';
import type { BenchModule, BenchResult } from './bench.ts';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts') && name.includes(filter))
  .sort();

const all: BenchResult[] = [];
for (const file of files) {
  const started = performance.now();
  process.stdout.write(`\n== ${file}\n`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  const results = await mod.default({ log: (line) => process.stdout.write(`   ${line}\n`) });
  for (const r of results) {
    all.push({ ...r, suite: file.replace(/\.bench\.ts$/, '') });
    process.stdout.write(`   ${r.name.padEnd(58)} ${formatValue(r.value).padStart(14)} ${r.unit}${r.note ? `  (${r.note})` : ''}\n`);
  }
  process.stdout.write(`   [${((performance.now() - started) / 1000).toFixed(1)} s]\n`);
}

function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}

const out = join(here, '../../test-results/bench');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'results.json'), JSON.stringify({ at: new Date().toISOString(), results: all }, null, 2));
process.stdout.write(`\n${all.length} figures written to test-results/bench/results.json\n`);

// One bar chart per suite and unit with two figures or more (throughput by mode, cycles/s by store, …).
const charts: string[] = [];
for (const suite of new Set(all.map((r) => r.suite ?? ''))) {
  const ofSuite = all.filter((r) => r.suite === suite);
  for (const unit of new Set(ofSuite.map((r) => r.unit))) {
    const rows = ofSuite.filter((r) => r.unit === unit && Number.isFinite(r.value));
    if (rows.length < 2) continue;
    const slug = unit.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'ratio';
    const name = `${suite}-${slug}.svg`;
    const bars = rows.map((r) => ({ label: r.name.length > 30 ? `${r.name.slice(0, 29)}…` : r.name, values: [r.value] }));
    writeFileSync(join(out, name), barChart(`${suite}: ${unit}`, unit, [unit], bars));
    charts.push(name);
  }
}
if (charts.length > 0) process.stdout.write(`charts: ${charts.map((c) => `test-results/bench/${c}`).join(', ')}\n`);

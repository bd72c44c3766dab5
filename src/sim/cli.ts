// `npm run sim -- <scenario|all> [--scale docs|test] [--out docs/sim] [--seed N]` runs scenarios with their baselines
// and writes reports and charts; `npm run sim -- readings` re-inlines the hand-written readings only.
import { writeCdnReport } from './cdn-report.ts';
import { CDN_SCENARIO, runCdnScenario } from './cdn-scenario.ts';
import { refreshReading, writeReport } from './report.ts';
import { runScenario } from './run.ts';
import { SCENARIOS, scenarioByName, type Scale, type Scenario } from './scenarios.ts';

function usage(): never {
  process.stderr.write(`usage: npm run sim -- <${[...SCENARIOS.map((s) => s.name), CDN_SCENARIO.name].join('|')}|all|readings> [--scale docs|test] [--out DIR] [--seed N]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const positional: string[] = [];
const flags = new Map<string, string>();
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg.startsWith('--')) flags.set(arg.slice(2), args[++i] ?? usage());
  else positional.push(arg);
}
const target = positional[0] ?? usage();
const scale = (flags.get('scale') ?? 'docs') as Scale;
if (scale !== 'docs' && scale !== 'test') usage();
const out = flags.get('out') ?? 'docs/sim';
const seed = flags.has('seed') ? Number(flags.get('seed')) : null;
if (seed !== null && !Number.isSafeInteger(seed)) usage();

if (target === 'readings') {
  // Only re-inline the hand-written readings into the existing reports: no scenario runs.
  for (const name of [...SCENARIOS.map((s) => s.name), CDN_SCENARIO.name]) process.stdout.write(`${refreshReading(out, name) ?? `${name}: no report yet`}\n`);
  process.exit(0);
}
// The paid-CDN scenario has its own runs and report (cdn-scenario.ts, cdn-report.ts): it compares board runs, not Speed with no Speed.
if (target === CDN_SCENARIO.name || target === 'all') {
  const result = runCdnScenario(scale, seed, (line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`${CDN_SCENARIO.name}: report ${writeCdnReport(result, out)}\n`);
  if (target !== 'all') process.exit(0);
}
const chosen: Scenario[] = target === 'all' ? [...SCENARIOS] : [scenarioByName(target)];
for (const base of chosen) {
  const scenario: Scenario = seed === null ? base : { ...base, config: (s) => ({ ...base.config(s), seed }) };
  const result = runScenario(scenario, scale, (line) => process.stdout.write(`${line}\n`));
  const path = writeReport(result, out);
  const s = result.speed.summary;
  const b = result.baseline.summary;
  const life = (x: typeof s) => (x.dead_at_ms === null ? 'alive' : `${(x.dead_at_ms / 3_600_000).toFixed(1)} h`);
  process.stdout.write(
    `${scenario.name}: lifetime ${life(s)} vs ${life(b)}; completed ${(s.completed_share * 100).toFixed(1)} % vs ${(b.completed_share * 100).toFixed(1)} %; report ${path}\n`,
  );
}

// Runs a scenario: its Speed configuration, the no-Speed baseline with the same seed, and each variant, timing each.
import { baselineOf, type SwarmConfig } from './config.ts';
import type { Scale, Scenario } from './scenarios.ts';
import { summarize, type Summary } from './summary.ts';
import { Swarm } from './swarm.ts';

export interface TimedSummary {
  readonly summary: Summary;
  readonly config: SwarmConfig;
  readonly wall_ms: number;
  readonly events: number;
}

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly scale: Scale;
  readonly speed: TimedSummary;
  readonly baseline: TimedSummary;
  readonly variants: readonly (TimedSummary & { readonly label: string })[];
}

export function runOne(config: SwarmConfig, label: string): TimedSummary {
  const started = performance.now();
  const swarm = new Swarm(config).run();
  return { summary: summarize(swarm, label), config, wall_ms: performance.now() - started, events: swarm.queue.pushed };
}

export function runScenario(scenario: Scenario, scale: Scale, log: (line: string) => void = () => {}): ScenarioResult {
  const config = scenario.config(scale);
  const speed = runOne(config, 'Speed');
  log(`${scenario.name}: Speed run ${(speed.wall_ms / 1000).toFixed(1)} s`);
  const baseline = runOne(baselineOf(config), 'No Speed');
  log(`${scenario.name}: baseline ${(baseline.wall_ms / 1000).toFixed(1)} s`);
  const variants = scenario.variants.map((v) => {
    const run = runOne({ ...config, ...v.change }, v.label);
    log(`${scenario.name}: ${v.label} ${(run.wall_ms / 1000).toFixed(1)} s`);
    return { ...run, label: v.label };
  });
  return { scenario, scale, speed, baseline, variants };
}

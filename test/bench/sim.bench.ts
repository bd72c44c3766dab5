// Simulator speed: a 10,000-peer × 1,000-piece swarm over one day of swarm time (Poisson arrivals), with its peak
// memory, the cost of a paid piece through the real channel machines (an all-Speed flash crowd), and the same day
// with every peer on Speed, measured rather than estimated (issue 11's figure: about ten million paid pieces).
import { DAY_MS, DEFAULT_CONFIG, type SwarmConfig } from '../../src/sim/config.ts';
import { summarize } from '../../src/sim/summary.ts';
import { Swarm } from '../../src/sim/swarm.ts';
import type { BenchContext, BenchResult } from './bench.ts';

/** Speed adoption in the headline run; the mixed swarm a day-one rollout would see. */
const HEADLINE_SPEED_SHARE = 0.2;
const PEERS = 10_000;
const PIECES = 1_000;
/** The all-Speed run is kept smaller: every paid piece is several channel-machine transitions. */
const PAID_RUN_PEERS = 500;
const MIB = 2 ** 20;

interface Measured {
  seconds: number;
  /** CPU time of this process (user + system): steadier than wall time on a machine shared with other work. */
  cpu_seconds: number;
  events: number;
  pieces: number;
  paid: number;
  peak_rss_bytes: number;
  peak_heap_bytes: number;
  completed: number;
  arrivals: number;
}

function measure(config: SwarmConfig): Measured {
  let peakRss = 0;
  let peakHeap = 0;
  const probe = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  probe();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const swarm = new Swarm(config);
  swarm.onSample = probe;
  swarm.run();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  probe();
  const r = swarm.recorder;
  const s = summarize(swarm, 'bench');
  return {
    seconds, cpu_seconds: (used.user + used.system) / 1e6, events: swarm.queue.pushed, pieces: r.paid_pieces + r.free_pieces, paid: r.paid_pieces,
    peak_rss_bytes: peakRss, peak_heap_bytes: peakHeap, completed: s.completed, arrivals: s.arrivals,
  };
}

export default async function simBench(ctx: BenchContext): Promise<BenchResult[]> {
  const day: SwarmConfig = {
    ...DEFAULT_CONFIG, seed: 7, piece_count: PIECES, horizon_ms: DAY_MS, speed_share: HEADLINE_SPEED_SHARE,
    arrivals: { kind: 'poisson', count: PEERS, mean_interval_ms: Math.round(DAY_MS / PEERS) },
  };
  ctx.log(`10k x 1k day, ${HEADLINE_SPEED_SHARE * 100} % Speed ...`);
  const big = measure(day);
  ctx.log(`  ${big.completed}/${big.arrivals} completed, ${big.pieces.toLocaleString('en-US')} pieces (${big.paid.toLocaleString('en-US')} paid), ${big.events.toLocaleString('en-US')} events`);

  ctx.log('all-Speed flash crowd for the per-paid-piece cost ...');
  const flash: SwarmConfig = { ...day, speed_share: 1, arrivals: { kind: 'flash', count: PAID_RUN_PEERS, decay_ms: 30 * 60_000 } };
  const paid = measure(flash);
  const base = measure({ ...flash, speed_share: 0 });
  const extra_us = ((paid.cpu_seconds - base.cpu_seconds) * 1e6) / Math.max(1, paid.paid);
  const allSpeedEstimate = big.cpu_seconds + ((PEERS * PIECES * (paid.paid / paid.pieces) - big.paid) * extra_us) / 1e6;

  ctx.log('10k x 1k day, all Speed (measured; several minutes) ...');
  const all = measure({ ...day, speed_share: 1 });
  ctx.log(`  ${all.completed}/${all.arrivals} completed, ${all.paid.toLocaleString('en-US')} of ${all.pieces.toLocaleString('en-US')} pieces paid`);
  return [
    { name: `sim 10k peers x 1k pieces, 1 day, ${HEADLINE_SPEED_SHARE * 100} % Speed`, value: big.seconds, unit: 's', note: `${(big.events / big.seconds / 1000).toFixed(0)}k events/s` },
    { name: 'sim 10k x 1k day: CPU time', value: big.cpu_seconds, unit: 's' },
    { name: 'sim 10k x 1k day: peak RSS', value: big.peak_rss_bytes / MIB, unit: 'MiB' },
    { name: 'sim 10k x 1k day: peak heap used', value: big.peak_heap_bytes / MIB, unit: 'MiB' },
    { name: 'sim pieces per second (10k x 1k day)', value: big.pieces / big.seconds, unit: 'pieces/s' },
    { name: 'sim CPU cost of a paid piece (real payer+payee cranks)', value: extra_us, unit: 'µs', note: `${paid.paid.toLocaleString('en-US')} paid pieces, ${PAID_RUN_PEERS}-peer all-Speed crowd` },
    { name: 'sim 10k x 1k day, all Speed (estimated CPU time)', value: allSpeedEstimate, unit: 's', note: 'headline CPU + paid-piece cost × extra paid pieces' },
    { name: 'sim 10k x 1k day, all Speed: CPU time', value: all.cpu_seconds, unit: 's', note: `${(all.paid / all.cpu_seconds / 1000).toFixed(0)}k paid pieces per CPU second` },
  ];
}

import { DAY_MS, DEFAULT_CONFIG, type SwarmConfig } from '../../src/sim/config.ts';
import { summarize } from '../../src/sim/summary.ts';
import { Swarm } from '../../src/sim/swarm.ts';
const peers = Number(process.argv[2] ?? 10000), pieces = Number(process.argv[3] ?? 1000);
const share = Number(process.argv[4] ?? 1);
const day: SwarmConfig = { ...DEFAULT_CONFIG, seed: 7, piece_count: pieces, horizon_ms: DAY_MS, speed_share: share,
  arrivals: { kind: 'poisson', count: peers, mean_interval_ms: Math.round(DAY_MS / peers) } };
const cpu = process.cpuUsage();
const swarm = new Swarm(day); swarm.run();
const u = process.cpuUsage(cpu);
const r = swarm.recorder; const s = summarize(swarm, 'x');
if (process.env.COUNT) console.log([...(globalThis as any).C]);
console.log(JSON.stringify({ cpu_s: (u.user + u.system) / 1e6, events: swarm.queue.pushed, paid: r.paid_pieces, free: r.free_pieces, completed: s.completed, arrivals: s.arrivals }));
if (process.argv[5]) (await import("node:fs")).writeFileSync(process.argv[5], JSON.stringify(s, (k, v) => typeof v === "bigint" ? v.toString() : v));

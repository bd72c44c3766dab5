// `npm run bench tracker`: N simulated WebSocket peers (real sockets, loopback) in S swarms against the tracker
// cluster (nats-server, 2 swarm shards, 2 gateways, each its own process) and then against the single-process
// tracker `npm start` runs, same load in the same run: offers delivered and answered, relay latency at a fixed
// announce rate, memory per connection; then a shard and a gateway are SIGKILLed mid-run and recovery is timed.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startNatsServer, type NatsServer } from '../../src/tracker/nats-server.ts';
import { spawnReady, spawnTracker, type TrackerProcess } from '../tracker/helpers/process.ts';
import { percentile, type BenchContext, type BenchResult } from './bench.ts';
import { Population, type OfferRound } from './helpers/tracker-load.ts';

const env = process.env;
/** This machine's open-files limit is 20,000 (hard, not raisable in this container): the peers' sockets all live in
 * the bench process and the single-process tracker holds them all, so the count stays below it. */
const PEERS = Number(env.TRACKER_BENCH_PEERS ?? 10_000);
const SWARMS = Number(env.TRACKER_BENCH_SWARMS ?? 1000);
const OFFERS_EACH = Number(env.TRACKER_BENCH_OFFERS ?? 2);
/** Announces per second in the offer round (each with OFFERS_EACH offers). */
const RATE_PER_S = Number(env.TRACKER_BENCH_RATE ?? 250);
/** Re-announce interval of the simulated peers in the recovery phase (browsers: 15 s, src/peer/signaling.ts). */
const INTERVAL_S = Number(env.TRACKER_BENCH_INTERVAL_S ?? 10);
const ROUND_TIMEOUT_MS = 30_000;
const SINGLE = fileURLToPath(new URL('./helpers/single-tracker.ts', import.meta.url));

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** CPU seconds a process has used (utime + stime; USER_HZ is 100 on Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function roundResults(prefix: string, r: OfferRound, note: string): BenchResult[] {
  return [
    { name: `${prefix}: offers delivered`, value: r.sent ? (100 * r.delivered) / r.sent : NaN, unit: '%', note: `${r.delivered}/${r.sent}; ${note}` },
    { name: `${prefix}: offers answered back`, value: r.sent ? (100 * r.answered) / r.sent : NaN, unit: '%', note: `${r.answered}/${r.sent}` },
    { name: `${prefix}: offer relay p50`, value: percentile(r.relay_ms, 50), unit: 'ms' },
    { name: `${prefix}: offer relay p99`, value: percentile(r.relay_ms, 99), unit: 'ms', note: `${RATE_PER_S} announces/s × ${OFFERS_EACH} offers` },
    { name: `${prefix}: offer→answer round trip p99`, value: percentile(r.answer_rtt_ms, 99), unit: 'ms' },
  ];
}

export default async function trackerBench(ctx: BenchContext): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
  ctx.log(`${PEERS} peers, ${SWARMS} swarms, ${OFFERS_EACH} offers per announce at ${RATE_PER_S} announces/s; load ${load()}`);
  const procs: TrackerProcess[] = [];
  let nats: NatsServer | null = null;
  let pop: Population | null = null;
  try {
    // --- cluster
    nats = await startNatsServer();
    const base = { NATS_URL: nats.url, TRACKER_MAX_SOCKETS: String(PEERS + 100) };
    const shards = [await spawnTracker('shard', { ...base, TRACKER_NAME: 's1' }), await spawnTracker('shard', { ...base, TRACKER_NAME: 's2' })];
    const gateways = [await spawnTracker('gateway', { ...base, TRACKER_NAME: 'g1' }), await spawnTracker('gateway', { ...base, TRACKER_NAME: 'g2' })];
    procs.push(...shards, ...gateways);
    const before = [...shards, ...gateways].map((p) => rssKiB(p.ready.pid));
    pop = new Population(gateways.map((g) => g.ready.url as string), PEERS, SWARMS);
    const connect_s = await pop.connectAll();
    const after = [...shards, ...gateways].map((p) => rssKiB(p.ready.pid));
    const gwKiB = ((after[2]! - before[2]!) + (after[3]! - before[3]!)) / PEERS;
    const shardBytes = ((after[0]! - before[0]! + after[1]! - before[1]!) * 1024) / PEERS;
    ctx.log(`cluster: ${PEERS} sockets connected and announced in ${connect_s.toFixed(1)} s; load ${load()}`);
    results.push({ name: 'cluster: connect + first announce', value: PEERS / connect_s, unit: 'peers/s' });
    results.push({ name: 'cluster: gateway memory per connection', value: gwKiB, unit: 'KiB', note: 'RSS growth of both gateways / sockets' });
    results.push({ name: 'cluster: shard memory per peer', value: shardBytes, unit: 'bytes', note: 'RSS growth of both shards / peers' });
    const pids = { shards: shards.map((p) => p.ready.pid), gateways: gateways.map((p) => p.ready.pid), nats: [nats.process.pid as number] };
    const cpuOf = (list: number[]) => list.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const cpu0 = { shards: cpuOf(pids.shards), gateways: cpuOf(pids.gateways), nats: cpuOf(pids.nats), load: process.cpuUsage() };
    const round = await pop.offerRound(OFFERS_EACH, RATE_PER_S, ROUND_TIMEOUT_MS);
    const loadCpu = process.cpuUsage(cpu0.load);
    const perOffer = (seconds: number) => (seconds * 1e6) / Math.max(1, round.delivered);
    results.push({ name: 'cluster: CPU per relayed offer, gateways', value: perOffer(cpuOf(pids.gateways) - cpu0.gateways), unit: 'µs/offer', note: 'offer + answer + announce share' });
    results.push({ name: 'cluster: CPU per relayed offer, shards', value: perOffer(cpuOf(pids.shards) - cpu0.shards), unit: 'µs/offer' });
    results.push({ name: 'cluster: CPU per relayed offer, nats-server', value: perOffer(cpuOf(pids.nats) - cpu0.nats), unit: 'µs/offer' });
    results.push({ name: 'cluster: CPU per relayed offer, simulated peers', value: perOffer((loadCpu.user + loadCpu.system) / 1e6), unit: 'µs/offer' });
    results.push(...roundResults('cluster', round, `${((100 * round.cross_gateway) / Math.max(1, round.delivered)).toFixed(0)} % across gateways; load ${load()}`));

    // --- kill a shard and a gateway while peers re-announce
    pop.startReannouncing(INTERVAL_S * 1000);
    await new Promise((r) => setTimeout(r, (INTERVAL_S * 1000) / 2));
    const killedAt = performance.now();
    pop.dead.add(1);
    await Promise.all([shards[0]!.kill(), gateways[1]!.kill()]);
    const recovery = await pop.untilRecovered(3 * INTERVAL_S * 1000, killedAt);
    ctx.log(`recovery: reconnected ${recovery.reconnected_s?.toFixed(1)} s, swarms whole ${recovery.seconds?.toFixed(1)} s (${recovery.swarms_recovered}/${SWARMS}); load ${load()}`);
    results.push({ name: 'cluster: all peers reconnected after gateway kill', value: recovery.reconnected_s ?? NaN, unit: 's' });
    results.push({ name: 'cluster: every swarm whole again after shard+gateway kill', value: recovery.seconds ?? NaN, unit: 's', note: `announce interval ${INTERVAL_S} s; ${recovery.swarms_recovered}/${SWARMS} swarms` });
    const post = await pop.offerRound(OFFERS_EACH, RATE_PER_S, ROUND_TIMEOUT_MS);
    results.push({ name: 'cluster after kills: offers delivered', value: post.sent ? (100 * post.delivered) / post.sent : NaN, unit: '%', note: `${post.delivered}/${post.sent}, answered ${post.answered}` });
    pop.close();
    pop = null;
    for (const p of procs.splice(0)) await p.stop();
    await nats.stop();
    nats = null;

    // --- single process (bittorrent-tracker, as `npm start` runs it)
    await new Promise((r) => setTimeout(r, 1000)); // let the closed sockets' ports settle
    const single = await spawnReady(SINGLE, [], { TRACKER_MAX_SOCKETS: String(PEERS + 100) }, 'single tracker');
    procs.push(single);
    const singleBefore = rssKiB(single.ready.pid);
    pop = new Population([single.ready.url as string], PEERS, SWARMS);
    const singleConnect_s = await pop.connectAll();
    const singleKiB = (rssKiB(single.ready.pid) - singleBefore) / PEERS;
    results.push({ name: 'single process: connect + first announce', value: PEERS / singleConnect_s, unit: 'peers/s' });
    results.push({ name: 'single process: memory per connection', value: singleKiB, unit: 'KiB', note: 'RSS growth / sockets (swarms included)' });
    const singleCpu0 = cpuSeconds(single.ready.pid);
    const singleRound = await pop.offerRound(OFFERS_EACH, RATE_PER_S, ROUND_TIMEOUT_MS);
    results.push({ name: 'single process: CPU per relayed offer', value: ((cpuSeconds(single.ready.pid) - singleCpu0) * 1e6) / Math.max(1, singleRound.delivered), unit: 'µs/offer' });
    results.push(...roundResults('single process', singleRound, `load ${load()}`));
  } finally {
    pop?.close();
    for (const p of procs) await p.kill();
    await nats?.stop();
  }
  return results;
}

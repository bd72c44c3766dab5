// A swarm shard: owns the swarms whose info hashes rendezvous-hash to it, takes announces, answers and socket
// closes from gateways over NATS, and sends each frame to the gateway that holds the target socket (aquatic_ws's
// swarm worker, across processes). It keeps nothing on disk: a shard that restarts is rebuilt by re-announces.
import { connect, type NatsConnection } from 'nats';
import {
  GATEWAY_HEARTBEAT_SUBJECT,
  HELLO_SUBJECT,
  SHARD_HEARTBEAT_SUBJECT,
  decodeHeartbeat,
  decodeShardMessage,
  encode,
  encodeGatewayMessage,
  gatewaySubject,
  isName,
  publishWhileOpen,
  shardSubject,
  type Route,
  type ShardMessage,
} from './bus.ts';
import { ownerOf } from './rendezvous.ts';
import { SwarmTable } from './swarm-table.ts';
import { hexToBinary } from './wire.ts';

export interface ShardOptions {
  natsUrl: string;
  /** Stable name (e.g. "s1"): it is the rendezvous key, so a restarted shard gets the same info hashes back. */
  id: string;
  /** Announce interval told to peers, in seconds (bittorrent-tracker's WebSocket default: 120). */
  interval_s?: number;
  /** A peer that has not announced for this long is dropped (bittorrent-tracker keeps peers 20 minutes). */
  peer_ttl_ms?: number;
  heartbeat_ms?: number;
  /** A gateway not heard from for this long is dead: its peers leave every swarm. */
  gateway_timeout_ms?: number;
}

export interface RunningShard {
  readonly id: string;
  stats(): { swarms: number; peers: number };
  swarm(info_hash: string): { complete: number; incomplete: number } | null;
  close(): Promise<void>;
}

export const DEFAULT_INTERVAL_S = 120;
export const DEFAULT_HEARTBEAT_MS = 1000;
/** Three missed heartbeats. */
export const DEFAULT_GATEWAY_TIMEOUT_MS = 3500;

export async function startShard(options: ShardOptions): Promise<RunningShard> {
  if (!isName(options.id)) throw new Error(`shard id must match [A-Za-z0-9_-]{1,64}: ${options.id}`);
  const interval_s = options.interval_s ?? DEFAULT_INTERVAL_S;
  const peer_ttl_ms = options.peer_ttl_ms ?? 20 * 60 * 1000;
  const heartbeat_ms = options.heartbeat_ms ?? DEFAULT_HEARTBEAT_MS;
  const gateway_timeout_ms = options.gateway_timeout_ms ?? DEFAULT_GATEWAY_TIMEOUT_MS;
  const nc: NatsConnection = await connect({ servers: options.natsUrl, name: `tracker-shard-${options.id}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const table = new SwarmTable();
  const gateways = new Map<string, number>(); // instance id → last heard (ms)
  // Other shards, as the gateways see them: when one (re)joins, the swarms it owns now are dropped here, so stale
  // copies never come back to life if ownership moves here again later.
  const shards = new Map<string, number>([[options.id, Date.now()]]);
  const shardTimeout_ms = 3.5 * heartbeat_ms;
  const dropForeignSwarms = () => {
    const live = [...shards.keys()];
    table.retain((info_hash) => ownerOf(info_hash, live) === options.id);
  };

  const deliver = (batches: Map<string, Array<[number, string]>>) => {
    for (const [gw, frames] of batches) publishWhileOpen(nc, gatewaySubject(gw), encodeGatewayMessage({ frames }));
  };
  const push = (batches: Map<string, Array<[number, string]>>, route: Route, frame: string) => {
    const list = batches.get(route.gw);
    if (list) list.push([route.conn, frame]);
    else batches.set(route.gw, [[route.conn, frame]]);
  };

  /** Handles one message; returns the announcer's response frame for an announce (sent as the NATS reply). */
  const onMessage = (m: ShardMessage): string | null => {
    const now = Date.now();
    gateways.set(m.gw, now);
    const route: Route = { gw: m.gw, conn: m.conn };
    const info_hash = hexToBinary(m.info_hash);
    const peer_id = hexToBinary(m.peer_id);
    const batches = new Map<string, Array<[number, string]>>();
    if (m.t === 'close') {
      table.close(m.info_hash, m.peer_id, route);
      return null;
    }
    if (m.t === 'answer') {
      // As in bittorrent-tracker, answering is also an announce: the answerer is (still) in the swarm.
      table.announce({ info_hash: m.info_hash, peer_id: m.peer_id, event: 'update', left_zero: false, numwant: 0, route }, now);
      const to = table.route(m.info_hash, m.to_peer_id);
      if (!to) return null;
      push(batches, to, JSON.stringify({ action: 'announce', answer: m.answer, offer_id: m.offer_id, peer_id, info_hash }));
      deliver(batches);
      return null;
    }
    const result = table.announce({ info_hash: m.info_hash, peer_id: m.peer_id, event: m.event, left_zero: m.left_zero, numwant: m.offers.length, route }, now);
    result.targets.forEach((target, i) => {
      const o = m.offers[i];
      if (o) push(batches, target.route, JSON.stringify({ action: 'announce', offer: o.offer, offer_id: o.offer_id, peer_id, info_hash }));
    });
    deliver(batches);
    return JSON.stringify({ action: 'announce', complete: result.complete, incomplete: result.incomplete, info_hash, interval: interval_s });
  };

  nc.subscribe(shardSubject(options.id), {
    callback: (err, msg) => {
      if (err) return;
      const m = decodeShardMessage(msg.data);
      const response = m ? onMessage(m) : null;
      if (response !== null && msg.reply) msg.respond(new TextEncoder().encode(response));
    },
  });
  nc.subscribe(GATEWAY_HEARTBEAT_SUBJECT, {
    callback: (err, msg) => {
      const hb = err ? null : decodeHeartbeat(msg.data);
      if (hb) gateways.set(hb.id, Date.now());
    },
  });
  nc.subscribe(SHARD_HEARTBEAT_SUBJECT, {
    callback: (err, msg) => {
      const hb = err ? null : decodeHeartbeat(msg.data);
      if (!hb) return;
      const known = shards.has(hb.id);
      shards.set(hb.id, Date.now());
      if (!known) dropForeignSwarms();
    },
  });
  const heartbeat = () => publishWhileOpen(nc, SHARD_HEARTBEAT_SUBJECT, encode({ id: options.id }));
  nc.subscribe(HELLO_SUBJECT, { callback: (err) => err || heartbeat() });

  const sweep = () => {
    const now = Date.now();
    const dead = new Set<string>();
    for (const [gw, seen] of gateways) if (now - seen > gateway_timeout_ms) dead.add(gw);
    for (const gw of dead) gateways.delete(gw);
    for (const [shard, seen] of shards) if (shard !== options.id && now - seen > shardTimeout_ms) shards.delete(shard);
    table.sweep({ gw: dead, seen_before_ms: now - peer_ttl_ms });
  };
  const timer = setInterval(() => {
    heartbeat();
    sweep();
  }, heartbeat_ms);
  timer.unref();
  heartbeat();
  await nc.flush();

  return {
    id: options.id,
    stats: () => table.stats(),
    swarm: (info_hash) => table.swarm(info_hash),
    async close() {
      clearInterval(timer);
      await nc.drain().catch(() => {});
    },
  };
}

// A tracker gateway: holds browsers' WebSocket connections at /announce and speaks the WebTorrent tracker protocol
// to them exactly as the single-process tracker does, but keeps no swarm: each announce or answer goes over NATS
// to the shard that owns its info hash, and frames for its sockets come back on its own subject (aquatic_ws's
// socket worker, across processes). A gateway that dies loses only its sockets; their peers reconnect anywhere.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ErrorCode, NatsError, connect, type NatsConnection } from 'nats';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  GATEWAY_HEARTBEAT_SUBJECT,
  HELLO_SUBJECT,
  SHARD_HEARTBEAT_SUBJECT,
  decodeGatewayMessage,
  decodeHeartbeat,
  encode,
  gatewaySubject,
  isName,
  publishWhileOpen,
  shardSubject,
  type ShardMessage,
} from './bus.ts';
import { ownerOf } from './rendezvous.ts';
import { DEFAULT_HEARTBEAT_MS } from './shard.ts';
import { MAX_MESSAGE_BYTES, failureFrame, parseClientFrame } from './wire.ts';

export const TRACKER_PATH = '/announce';
/** Sockets one gateway holds; more gateways hold more. */
export const DEFAULT_MAX_SOCKETS = 32_768;
/** Swarms one socket may be in (a browser seeding a large library is still far below). */
const MAX_SWARMS_PER_SOCKET = 1024;
/** Refused messages tolerated on one socket before it is closed as abusive. */
const MAX_BAD_MESSAGES = 20;
/** A socket that does not read its frames is not sent more (a slow or stalled client must not grow our memory). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A shard not heard from for this many heartbeat periods is out of the rendezvous set. */
const SHARD_TIMEOUT_HEARTBEATS = 3.5;
/** An announce's response from its shard; past this the announce is dropped (the peer re-announces). */
const ANNOUNCE_TIMEOUT_MS = 5000;
/** How long start waits for the first shard heartbeat (announces before it get a failure reason). */
const FIRST_SHARD_WAIT_MS = 3000;

export interface GatewayOptions {
  natsUrl: string;
  /** Config name (e.g. "g1"); the instance id adds a random suffix, so a restarted gateway is a new address. */
  name: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  max_sockets?: number;
  heartbeat_ms?: number;
}

export interface RunningGateway {
  readonly id: string;
  readonly url: string;
  readonly port: number;
  connections(): number;
  shards(): string[];
  close(): Promise<void>;
}

interface Conn {
  ws: WebSocket;
  /** Bound by the first announce: one socket is one peer, as bittorrent-tracker assumes. */
  peer_id: string | null;
  swarms: Set<string>;
  bad: number;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  if (!isName(options.name) || options.name.length > 48) throw new Error(`gateway name must match [A-Za-z0-9_-]{1,48}: ${options.name}`);
  const id = `${options.name}-${randomBytes(4).toString('hex')}`;
  const max_sockets = options.max_sockets ?? DEFAULT_MAX_SOCKETS;
  const heartbeat_ms = options.heartbeat_ms ?? DEFAULT_HEARTBEAT_MS;
  const nc: NatsConnection = await connect({ servers: options.natsUrl, name: `tracker-gateway-${id}`, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  const conns = new Map<number, Conn>();
  let nextConn = 0;
  const shards = new Map<string, number>(); // shard id → last heard (ms)
  let shardList: string[] = [];
  const owners = new Map<string, string | null>(); // info hash → owner, for the current shard set
  let firstShard: () => void = () => {};
  const firstShardSeen = new Promise<void>((done) => (firstShard = done));

  const setShards = () => {
    shardList = [...shards.keys()].sort();
    owners.clear();
  };
  const owner = (info_hash: string): string | null => {
    let o = owners.get(info_hash);
    if (o === undefined) {
      o = ownerOf(info_hash, shardList);
      if (owners.size > 100_000) owners.clear();
      owners.set(info_hash, o);
    }
    return o;
  };

  nc.subscribe(SHARD_HEARTBEAT_SUBJECT, {
    callback: (err, msg) => {
      const hb = err ? null : decodeHeartbeat(msg.data);
      if (!hb) return;
      const known = shards.has(hb.id);
      shards.set(hb.id, Date.now());
      if (!known) setShards();
      firstShard();
    },
  });
  nc.subscribe(gatewaySubject(id), {
    callback: (err, msg) => {
      const m = err ? null : decodeGatewayMessage(msg.data);
      if (!m) return;
      for (const [conn, frame] of m.frames) send(conns.get(conn), frame);
    },
  });
  const timer = setInterval(() => {
    publishWhileOpen(nc, GATEWAY_HEARTBEAT_SUBJECT, encode({ id }));
    const now = Date.now();
    let changed = false;
    for (const [shard, seen] of shards) {
      if (now - seen > SHARD_TIMEOUT_HEARTBEATS * heartbeat_ms) {
        shards.delete(shard);
        changed = true;
      }
    }
    if (changed) setShards();
  }, heartbeat_ms);
  timer.unref();
  publishWhileOpen(nc, GATEWAY_HEARTBEAT_SUBJECT, encode({ id }));
  publishWhileOpen(nc, HELLO_SUBJECT, new Uint8Array());

  function send(conn: Conn | undefined, frame: string): void {
    if (!conn || conn.ws.readyState !== conn.ws.OPEN || conn.ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
    conn.ws.send(frame);
  }

  function toShard(conn: Conn, info_hash: string, message: ShardMessage): boolean {
    const shard = owner(info_hash);
    if (!shard) {
      send(conn, failureFrame('no swarm shard is available, retry later', info_hash));
      return false;
    }
    if (message.t === 'announce') void announce(conn, shard, message, true);
    else publishWhileOpen(nc, shardSubject(shard), encode(message));
    return true;
  }

  /** An announce is a NATS request: the reply is the announcer's response frame. A shard whose process died has no
   * subscription left, so NATS says "no responders" at once: the shard leaves the rendezvous set here and now and
   * the announce goes to the new owner, instead of being lost until heartbeats time out. */
  async function announce(conn: Conn, shard: string, message: ShardMessage, retry: boolean): Promise<void> {
    try {
      const reply = await nc.request(shardSubject(shard), encode(message), { timeout: ANNOUNCE_TIMEOUT_MS });
      send(conn, new TextDecoder().decode(reply.data));
    } catch (error) {
      if (!(error instanceof NatsError) || error.code !== ErrorCode.NoResponders || !retry) return;
      if (shards.delete(shard)) setShards();
      const next = owner(message.info_hash);
      if (next) void announce(conn, next, message, false);
      else send(conn, failureFrame('no swarm shard is available, retry later', message.info_hash));
    }
  }

  function refuse(connId: number, conn: Conn, reason: string, info_hash?: string): void {
    send(conn, failureFrame(reason, info_hash));
    if (++conn.bad > MAX_BAD_MESSAGES) {
      conn.ws.close(1008, 'too many invalid messages');
      onClose(connId);
    }
  }

  function onMessage(connId: number, data: RawData, isBinary: boolean): void {
    const conn = conns.get(connId);
    if (!conn) return;
    if (isBinary) return refuse(connId, conn, 'binary frames are not tracker messages');
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) return refuse(connId, conn, parsed.reason, parsed.info_hash);
    const m = parsed.message;
    if (conn.peer_id === null) conn.peer_id = m.peer_id;
    else if (conn.peer_id !== m.peer_id) return refuse(connId, conn, 'peer_id differs from this socket’s first announce', m.info_hash);
    const route = { gw: id, conn: connId };
    if (m.kind === 'answer') {
      toShard(conn, m.info_hash, { t: 'answer', ...route, info_hash: m.info_hash, peer_id: m.peer_id, to_peer_id: m.to_peer_id, offer_id: m.offer_id, answer: m.answer });
      conn.swarms.add(m.info_hash);
      return;
    }
    if (m.event !== 'stopped' && !conn.swarms.has(m.info_hash) && conn.swarms.size >= MAX_SWARMS_PER_SOCKET) {
      return refuse(connId, conn, 'too many swarms on one socket', m.info_hash);
    }
    const sent = toShard(conn, m.info_hash, { t: 'announce', ...route, info_hash: m.info_hash, peer_id: m.peer_id, event: m.event, left_zero: m.left_zero, offers: m.offers });
    if (!sent) return;
    if (m.event === 'stopped') conn.swarms.delete(m.info_hash);
    else conn.swarms.add(m.info_hash);
  }

  function onClose(connId: number): void {
    const conn = conns.get(connId);
    if (!conn) return;
    conns.delete(connId);
    if (conn.peer_id === null) return;
    for (const info_hash of conn.swarms) {
      const shard = owner(info_hash);
      if (shard) publishWhileOpen(nc, shardSubject(shard), encode({ t: 'close', gw: id, conn: connId, info_hash, peer_id: conn.peer_id }));
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, id, connections: conns.size, shards: shardList }));
      return;
    }
    res.writeHead(404).end();
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== TRACKER_PATH) return void socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    if (conns.size >= max_sockets) return void socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connId = nextConn++;
      conns.set(connId, { ws, peer_id: null, swarms: new Set(), bad: 0 });
      ws.on('message', (data, isBinary) => onMessage(connId, data, isBinary));
      ws.on('error', () => {}); // e.g. an oversized frame: ws closes the socket (1009) and 'close' follows
      ws.on('close', () => onClose(connId));
    });
  });
  await new Promise<void>((done) => server.listen(options.port, options.host, () => done()));
  await Promise.race([firstShardSeen, new Promise((done) => setTimeout(done, FIRST_SHARD_WAIT_MS).unref())]);
  const port = (server.address() as AddressInfo).port;

  return {
    id,
    url: `ws://${options.host}:${port}${TRACKER_PATH}`,
    port,
    connections: () => conns.size,
    shards: () => shardList.slice(),
    async close() {
      clearInterval(timer);
      const stopped = new Promise<void>((done) => server.close(() => done()));
      // Say goodbye for every socket now, while the bus is open: the shards drop these peers at once instead of
      // after the gateway timeout, and the sockets' own 'close' events (which may come after the drain) find nothing.
      for (const [connId, conn] of [...conns]) {
        onClose(connId);
        conn.ws.terminate();
      }
      server.closeAllConnections();
      await stopped;
      await nc.drain().catch(() => {});
    },
  };
}

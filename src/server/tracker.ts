// The WebSocket tracker browsers announce to (WebRTC signaling), mounted on the app's own HTTP server at
// /announce so peers reach it on the same origin. bittorrent-tracker does the swarm logic; UDP and HTTP stay off
// (on 127.0.0.1 its UDP6 socket fails to bind and `listen` would never call back). A tap beside it hands the
// signed demand bid some announces carry to the demand board (docs/cdn-board.md).
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { ServerType } from '@hono/node-server';
import type { Duplex } from 'node:stream';
import TrackerServer from 'bittorrent-tracker/server';
import { DEMAND_BID_FIELD } from '../protocol/demand-bid.ts';
import { binaryToHex } from '../tracker/wire.ts';

export const TRACKER_PATH = '/announce';
/** Announce interval handed to clients (bittorrent-tracker divides it by 5 for WebSocket peers): 2 minutes. */
const ANNOUNCE_INTERVAL_MS = 10 * 60 * 1000;
/** Signaling messages carry an SDP offer or answer (a few KiB each, five offers per announce at most). */
const MAX_MESSAGE_BYTES = 64 * 1024;
/** One browser holds one socket per tracker; a flood of sockets is abuse, not use (the tracker bench raises it). */
const DEFAULT_MAX_SOCKETS = 4096;

export interface MountedTracker {
  /** Swarms by info hash (hex) → seeders and leechers, for diagnostics and tests. */
  stats(): Record<string, { complete: number; incomplete: number }>;
  close(): Promise<void>;
}

/** Called with the signed demand bid of an announce that carries one (docs/cdn-board.md); `socket` is the sender. */
export type DemandBidTap = (field: unknown, info_hash: string, socket: object) => void;

/** The slice of the `ws` package's socket and server that the mount touches. */
interface WebSocket {
  once(event: 'close', listener: () => void): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): void;
  terminate(): void;
}
interface WebSocketServer {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, done: (ws: WebSocket) => void): void;
  emit(event: 'connection', ws: WebSocket, request: IncomingMessage): boolean;
}

interface TrackerInternals {
  ws: WebSocketServer;
  torrents: Record<string, { complete: number; incomplete: number }>;
  on(event: 'warning' | 'error', listener: (error: Error) => void): void;
  close(callback: () => void): void;
}

/** Attaches the tracker to `server`: upgrades on TRACKER_PATH become tracker sockets; other paths are left to other mounts. */
/**
 * The demand bid of one tracker frame, if it is an announce carrying one: bittorrent-tracker ignores the extra key,
 * so the tap reads it beside it. A frame without the key costs one substring search.
 */
export function demandBidOfFrame(text: string): { field: unknown; info_hash: string } | null {
  if (!text.includes(DEMAND_BID_FIELD)) return null;
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return null;
  const m = frame as Record<string, unknown>;
  if (m.action !== 'announce' || !(DEMAND_BID_FIELD in m)) return null;
  const ih = m.info_hash;
  if (typeof ih !== 'string' || ih.length !== 20 || [...ih].some((ch) => ch.charCodeAt(0) > 0xff)) return null;
  return { field: m[DEMAND_BID_FIELD], info_hash: binaryToHex(ih) };
}

export function mountTracker(serverOfAnyKind: ServerType, options: { max_sockets?: number; onDemandBid?: DemandBidTap } = {}): MountedTracker {
  const onDemandBid = options.onDemandBid;
  const max_sockets = options.max_sockets ?? DEFAULT_MAX_SOCKETS;
  // @hono/node-server's `serve` returns a plain http.Server unless told to use http2 (main.ts does not).
  const server = serverOfAnyKind as HttpServer;
  const tracker = new TrackerServer({
    udp: false,
    http: false,
    stats: false,
    interval: ANNOUNCE_INTERVAL_MS,
    ws: { noServer: true, maxPayload: MAX_MESSAGE_BYTES },
  }) as unknown as TrackerInternals;
  // A misbehaving client is a warning for the server, never a crash.
  tracker.on('warning', () => {});
  tracker.on('error', () => {});
  const sockets = new Set<WebSocket>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== TRACKER_PATH) {
      // Node leaves an upgrade no listener answers hanging (and server.close() waiting on it): answer it when
      // no other mount listens for upgrades.
      if (server.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (sockets.size >= max_sockets) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    tracker.ws.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.once('close', () => sockets.delete(ws));
      if (onDemandBid) {
        ws.on('message', (data, isBinary) => {
          if (isBinary) return;
          const found = demandBidOfFrame(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
          try {
            if (found) onDemandBid(found.field, found.info_hash, ws);
          } catch {
            // A bid the board cannot take is the bidder's problem, never the tracker's: the announce goes on.
          }
        });
      }
      tracker.ws.emit('connection', ws, request);
    });
  };
  server.on('upgrade', onUpgrade);

  return {
    stats() {
      const out: Record<string, { complete: number; incomplete: number }> = {};
      for (const [infoHash, swarm] of Object.entries(tracker.torrents)) {
        out[infoHash] = { complete: swarm.complete, incomplete: swarm.incomplete };
      }
      return out;
    },
    async close() {
      server.off('upgrade', onUpgrade);
      // The ws server does not track sockets with noServer, and open sockets would hold server.close() forever.
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      await new Promise<void>((done) => tracker.close(() => done()));
    },
  };
}

// The WebSocket tracker browsers announce to (WebRTC signaling), mounted on the app's own HTTP server at
// /announce so peers reach it on the same origin. bittorrent-tracker does the swarm logic; UDP and HTTP stay off
// (on 127.0.0.1 its UDP6 socket fails to bind and `listen` would never call back).
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { ServerType } from '@hono/node-server';
import type { Duplex } from 'node:stream';
import TrackerServer from 'bittorrent-tracker/server';

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

/** The slice of the `ws` package's socket and server that the mount touches. */
interface WebSocket {
  once(event: 'close', listener: () => void): void;
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
export function mountTracker(serverOfAnyKind: ServerType, options: { max_sockets?: number } = {}): MountedTracker {
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

// The app's front in cluster mode: serves the built app, and passes /ledger/* to the ledger processes and
// WebSocket upgrades on /announce to the tracker gateways, round-robin, so the browser sees one origin exactly as
// with `npm start`. On several machines a load balancer (nginx, HAProxy) does this job instead (docs/deploy.md).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { createStaticApp } from './app.ts';

export interface ClusterFrontOptions {
  host: string;
  port: number;
  staticDir: string;
  /** Base URLs of the ledger processes, each ending in /ledger. */
  ledgers: string[];
  /** ws://host:port/announce of each tracker gateway. */
  gateways: string[];
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length']);

export async function startClusterFront(options: ClusterFrontOptions): Promise<{ url: string; close(): Promise<void> }> {
  let nextLedger = 0;
  let nextGateway = 0;
  const root = new Hono();
  root.get('/healthz', (c) => c.json({ ok: true, ledgers: options.ledgers.length, gateways: options.gateways.length }));
  root.all('/ledger/*', async (c) => {
    const base = options.ledgers[nextLedger++ % options.ledgers.length] as string;
    const url = new URL(c.req.url);
    const headers = new Headers();
    c.req.raw.headers.forEach((value, key) => HOP_BY_HOP.has(key) || headers.set(key, value));
    const hasBody = c.req.method !== 'GET' && c.req.method !== 'HEAD';
    const upstream = await fetch(`${base}${url.pathname.slice('/ledger'.length)}${url.search}`, {
      method: c.req.method,
      headers,
      ...(hasBody ? { body: await c.req.arrayBuffer() } : {}),
    });
    return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
  });
  root.route('/', createStaticApp({ staticDir: options.staticDir }));

  const server: Server = createServer(getRequestListener(root.fetch));
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    if (new URL(request.url ?? '/', 'http://x').pathname !== '/announce') return void socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    const target = new URL(options.gateways[nextGateway++ % options.gateways.length] as string);
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (let i = 0; i < request.rawHeaders.length; i += 2) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((done) => server.listen(options.port, options.host, () => done()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

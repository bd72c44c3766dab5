// A loopback HTTP origin for the proxy's tests (node:http on port 0): serves one file with a strong ETag,
// Last-Modified and byte ranges (RFC 9110 Range, If-Range, 206, 416), plus redirects and misbehaving routes, and
// records every connection and request so a test can prove a refused fetch never reached it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Origin {
  readonly base: string;
  readonly port: number;
  /** `127.0.0.1:port`: the allowlist entry the tests pass, so this one loopback origin is reachable. */
  readonly allow_entry: string;
  readonly connections: number;
  readonly requests: ReadonlyArray<{ readonly path: string; readonly headers: IncomingHttpHeaders }>;
  /** Replaces the file and its ETag, as a changed resource would. */
  replace(content: Uint8Array, etag: string): void;
  /** The redirect route answers with this Location (a test aims it anywhere without it being contacted). */
  redirectTo(location: string): void;
  close(): Promise<void>;
}

export const LAST_MODIFIED = 'Wed, 02 Dec 2026 10:00:00 GMT';
const CORS_HEADERS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'ETag, Content-Range, Content-Length' };
const CORS_PREFLIGHT = { 'access-control-allow-headers': 'Range, If-Range', 'access-control-allow-methods': 'GET', 'access-control-max-age': '600' };

export async function startOrigin(initial: Uint8Array, initial_etag = '"v1"'): Promise<Origin> {
  let file = initial;
  let etag = initial_etag;
  let location = '/file';
  let connections = 0;
  const requests: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ path, headers: req.headers });
    if (path === '/redirect') {
      res.writeHead(302, { location, 'set-cookie': 'session=secret' }).end();
      return;
    }
    if (path === '/loop') return void res.writeHead(301, { location: '/loop' }).end();
    if (path === '/stall') return; // never answers: the timeout must fire
    if (path === '/huge') return void res.writeHead(200, { 'content-length': String(1 << 20) }).end(new Uint8Array(1 << 20));
    if (path === '/truncated') {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(new Uint8Array(500), () => res.destroy());
      return;
    }
    if (path === '/teapot') return void res.writeHead(418).end();
    // /cors-file is the same file for a browser provider: readable from any origin without credentials, its
    // validators and ranges exposed, Range and If-Range allowed by the preflight.
    const cors = path === '/cors-file' ? CORS_HEADERS : null;
    if (cors && req.method === 'OPTIONS') return void res.writeHead(204, { ...cors, ...CORS_PREFLIGHT }).end();
    if (path !== '/file' && cors === null) return void res.writeHead(404).end();
    const headers = { etag, 'last-modified': LAST_MODIFIED, 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', ...cors };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    const rangeValid = range && (ifRange === undefined || ifRange === etag || ifRange === LAST_MODIFIED);
    if (!rangeValid) return void res.writeHead(200, { ...headers, 'content-length': String(file.length) }).end(file);
    const start = Number(range[1]);
    const end = Math.min(range[2] === '' ? file.length - 1 : Number(range[2]), file.length - 1);
    if (start >= file.length || end < start) {
      return void res.writeHead(416, { 'content-range': `bytes */${file.length}`, ...cors }).end();
    }
    res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${file.length}`, 'content-length': String(end - start + 1) });
    res.end(file.subarray(start, end + 1));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    allow_entry: `127.0.0.1:${port}`,
    get connections() { return connections; },
    requests,
    replace(content, next) { file = content; etag = next; },
    redirectTo(next) { location = next; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

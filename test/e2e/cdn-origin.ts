// A publisher's web server for the CDN specs: one file on loopback with HTTP Range and CORS (what a browser web
// seed needs), paced to a byte rate shared by every response (0: unpaced), counting the bytes it serves per query
// string (a control client can use an alias URL); stop() takes it away.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Bytes written per paced chunk. */
const CHUNK_BYTES = 16 * 1024;

export interface Origin {
  readonly url: string;
  /** Body bytes sent so far (ranges included) to requests with this query string ('' : none; '*': all). */
  served_bytes(query?: string): number;
  setRate(rate_bytes_per_s: number): void;
  stop(): Promise<void>;
}

/** `cors: false` plays a site that allows no cross-origin reads (browsers cannot use it as a web seed). */
export async function startOrigin(path: string, content: Uint8Array, rate_bytes_per_s: number, cors = true): Promise<Origin> {
  const served = new Map<string, number>();
  let next_send_ms = 0; // one shared schedule: the origin's whole uplink is rate_bytes_per_s
  const slot = (bytes: number): number => {
    if (rate_bytes_per_s <= 0) return 0;
    const now = Date.now();
    next_send_ms = Math.max(next_send_ms, now) + (bytes / rate_bytes_per_s) * 1000;
    return next_send_ms - (bytes / rate_bytes_per_s) * 1000 - now;
  };
  const allow = (req: IncomingMessage, res: ServerResponse) => {
    if (!cors) return;
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Accept-Ranges');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'range');
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
  };
  const server = createServer((req, res) => {
    allow(req, res);
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const [pathname, query = ''] = (req.url ?? '').split('?', 2) as [string, string?];
    if (pathname !== path || (req.method !== 'GET' && req.method !== 'HEAD')) return void res.writeHead(404).end();
    let start = 0;
    let end = content.length - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (req.headers.range && !range) return void res.writeHead(416).end();
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      if (start > end) return void res.writeHead(416, { 'Content-Range': `bytes */${content.length}` }).end();
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${content.length}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'Content-Length': content.length, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' });
    }
    if (req.method === 'HEAD') return void res.end();
    let offset = start;
    const send = () => {
      if (res.destroyed) return;
      if (offset > end) return void res.end();
      const chunk = content.subarray(offset, Math.min(offset + CHUNK_BYTES, end + 1));
      offset += chunk.length;
      setTimeout(() => {
        if (res.destroyed) return;
        served.set(query, (served.get(query) ?? 0) + chunk.length);
        res.write(chunk, send);
      }, slot(chunk.length));
    };
    send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    served_bytes: (query = '') => (query === '*' ? [...served.values()].reduce((a, b) => a + b, 0) : (served.get(query) ?? 0)),
    setRate: (rate) => {
      rate_bytes_per_s = rate;
      next_send_ms = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The ledger's HTTP JSON API on hono: routes only; every rule lives in api.ts and below.
// Errors are {error: code, message} with the code's status (errors.ts); nothing changes on any error.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { ApiError, statusOf } from './errors.ts';
import type { LedgerApi } from './api.ts';
import { OPENAPI_DOCUMENT } from './openapi.ts';
import { MAX_BODY_BYTES, parseJsonBody } from './requests.ts';
import { storageRoutes } from './storage-http.ts';
import type { StorageApi } from './storage-api.ts';

export interface HttpOptions {
  /** Who is asking, for the airdrop rate limit; defaults to the socket's remote address under @hono/node-server. */
  readonly clientIp?: (c: Context) => string;
  readonly log?: (line: string) => void;
  /** Paid storage's routes (/storage/…), when the service runs them. */
  readonly storage?: StorageApi;
}

interface NodeIncoming {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly socket?: { remoteAddress?: string };
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'error' | 'close', listener: (error?: Error) => void): unknown;
  resume(): unknown;
}

function incoming(c: Context): NodeIncoming | undefined {
  const env = c.env as { incoming?: NodeIncoming } | undefined;
  return env?.incoming && typeof env.incoming.on === 'function' ? env.incoming : undefined;
}

/** A body is JSON only when it says so: a text/plain POST is a CORS-simple request any page can make unasked. */
const JSON_CONTENT_TYPE_RE = /^application\/json\s*(;|$)/i;

/** The client went away before its body arrived: routine on the internet, not an internal error. */
class ClientAbortedError extends Error {}

const tooLarge = (limit = MAX_BODY_BYTES) => new ApiError('body_too_large', `request bodies are limited to ${limit} bytes`);

/**
 * The body as text, at most MAX_BODY_BYTES. Under @hono/node-server it is read straight off the socket: building
 * the web Request (AbortController, web streams) would cost more than everything else a request does.
 */
async function readBody(c: Context, limit: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const source = incoming(c);
  if (!source) {
    const text = await c.req.text();
    if (Buffer.byteLength(text) > limit) throw tooLarge(limit);
    return text;
  }
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        chunks.length = 0; // answer now; the rest of the upload is read and dropped
        reject(tooLarge(limit));
      }
    });
    let ended = false;
    source.on('end', () => {
      ended = true;
      if (size > limit) reject(tooLarge(limit));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    // Node reports a mid-body abort as 'error' (ECONNRESET "aborted") and/or a 'close' without 'end'.
    source.on('error', () => reject(new ClientAbortedError('client aborted the request body')));
    source.on('close', () => {
      if (!ended) reject(new ClientAbortedError('client aborted the request body'));
    });
  });
}

function remoteAddress(c: Context): string {
  return incoming(c)?.socket?.remoteAddress ?? 'unknown';
}

export function createLedgerApp(api: LedgerApi, options: HttpOptions = {}): Hono {
  const clientIp = options.clientIp ?? remoteAddress;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json({ error: error.code, message: error.message }, statusOf(error.code));
    // Nobody is left to read the answer, and nothing was applied: no log line, no stack.
    if (error instanceof ClientAbortedError) return c.json({ error: 'malformed_json', message: error.message }, 400);
    log(`ledger: internal error on ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });
  const notFound = (c: Context) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404);
  app.notFound(notFound);
  app.use('*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    await next();
  });

  const body = async (c: Context, limit = MAX_BODY_BYTES) => {
    if (!JSON_CONTENT_TYPE_RE.test(c.req.header('content-type') ?? '')) {
      throw new ApiError('unsupported_media_type', 'request bodies must be sent as Content-Type: application/json');
    }
    return parseJsonBody(await readBody(c, limit), limit);
  };

  app.get('/openapi.json', (c) => c.json(OPENAPI_DOCUMENT));
  app.get('/info', async (c) => c.json(await api.info()));
  app.get('/accounts/:id', async (c) => c.json(await api.account(c.req.param('id'))));
  app.get('/accounts/:id/history', async (c) =>
    c.json(await api.history(c.req.param('id'), c.req.query('before_seq'), c.req.query('limit'))),
  );
  app.get('/journal', async (c) => c.json(await api.journal(c.req.query('after_seq'), c.req.query('limit'))));
  app.post('/transfers', async (c) => c.json(await api.transfer(await body(c)), 201));
  app.post('/channels', async (c) => c.json(await api.openChannel(await body(c)), 201));
  app.get('/channels/:id', async (c) => c.json(await api.channel(c.req.param('id'))));
  app.post('/channels/:id/close', async (c) => c.json(await api.closeChannel(c.req.param('id'), await body(c))));
  app.get('/airdrop/challenge', (c) => c.json(api.challenge(c.req.query('public_key'), clientIp(c))));
  app.post('/airdrop/claim', async (c) => c.json(await api.claim(await body(c), clientIp(c)), 201));
  app.get('/audit', async (c) => {
    const report = await api.audit(c.req.query('from_genesis') === 'true');
    return c.json(report, report.ok ? 200 : 500);
  });
  if (options.storage) storageRoutes(app, options.storage, body);
  // Mounted with route() the app's notFound is not consulted: this keeps /ledger/* from falling to the SPA.
  app.all('*', notFound);
  return app;
}

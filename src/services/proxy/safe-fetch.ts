// The terminal proxy provider's fetch (Node only): one GET of a requester's URL that cannot be steered at the
// provider's own network. Each hop is checked, resolved by us, every resolved address vetted, and the socket opened
// to the vetted IP itself (no second lookup, so DNS rebinding cannot swap in a private address); redirects are
// followed by hand and each new hop is vetted before any packet leaves. No cookies or credentials, capped size/time.
import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { checkAddress, checkUrl, type GuardOptions, type GuardRefusal } from './address-guard.ts';

/** Largest body one fetch accepts: 64 MiB, far above a 64 KiB chunk and bounded so one job cannot fill memory. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Wall-clock limit for one fetch, all hops included. */
export const FETCH_TIMEOUT_MS = 30_000;
/** Redirect hops followed before giving up (browsers use 20; a proxy has no reason to follow as many). */
export const MAX_REDIRECTS = 5;
/** Addresses one name may resolve to before we refuse to even look at them all. */
export const MAX_RESOLVED_ADDRESSES = 32;

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}
/** Resolves a host name to every address it has; injectable so tests can point names at chosen addresses. */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export interface SafeFetchOptions extends GuardOptions {
  /** First and last byte wanted, inclusive (RFC 9110 `Range: bytes=start-end`); end omitted = to the end. */
  readonly range?: { readonly start: number; readonly end?: number };
  /** The validator the range must still match (`If-Range`): a strong ETag or an HTTP date. Weak ETags are refused. */
  readonly if_range?: string;
  readonly max_bytes?: number;
  readonly timeout_ms?: number;
  readonly max_redirects?: number;
  readonly resolve?: Resolver;
}

export interface FetchedBody {
  readonly ok: true;
  readonly status: 200 | 206;
  readonly body: Uint8Array;
  /** The strong or weak ETag as sent, and Last-Modified: the validators a resume sends back in If-Range. */
  readonly etag: string | null;
  readonly last_modified: string | null;
  readonly content_type: string | null;
  /** Length of the whole resource (from Content-Range on a 206, Content-Length on a 200), null when unknown. */
  readonly total_length: number | null;
  /** First byte of `body` within the resource. */
  readonly offset: number;
  readonly final_url: string;
  readonly redirects: number;
}

export type FetchFailure =
  | { readonly ok: false; readonly reason: GuardRefusal | 'dns_failed' | 'too_many_redirects' | 'bad_redirect'; readonly detail: string }
  | { readonly ok: false; readonly reason: 'range_not_satisfiable'; readonly total_length: number | null; readonly detail: string }
  | { readonly ok: false; readonly reason: 'too_large' | 'timeout' | 'network_error' | 'bad_response' | 'weak_validator' | 'bad_range' | 'cors_refused'; readonly detail: string }
  | { readonly ok: false; readonly reason: 'http_status'; readonly status: number; readonly detail: string };

export type SafeFetchResult = FetchedBody | FetchFailure;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const systemResolver: Resolver = async (host) => dnsLookup(host, { all: true, verbatim: true });

type Hop =
  | { readonly kind: 'done'; readonly result: SafeFetchResult }
  | { readonly kind: 'redirect'; readonly location: string };

/** GET `input` on a requester's behalf. Never throws for anything the URL, DNS or the origin does. */
export async function safeFetch(input: string, options: SafeFetchOptions = {}): Promise<SafeFetchResult> {
  const range = options.range;
  if (range && (!Number.isSafeInteger(range.start) || range.start < 0 || (range.end !== undefined && (!Number.isSafeInteger(range.end) || range.end < range.start)))) {
    return { ok: false, reason: 'bad_range', detail: 'start and end must be integers, 0 <= start <= end' };
  }
  if (options.if_range !== undefined && options.if_range.startsWith('W/')) {
    return { ok: false, reason: 'weak_validator', detail: 'If-Range needs a strong ETag (RFC 9110 13.1.5)' };
  }
  const deadline = Date.now() + (options.timeout_ms ?? FETCH_TIMEOUT_MS);
  const max_redirects = options.max_redirects ?? MAX_REDIRECTS;
  let url = input;
  for (let redirects = 0; ; redirects++) {
    const hop = await fetchHop(url, redirects, deadline, options);
    if (hop.kind === 'done') return hop.result;
    if (redirects >= max_redirects) return { ok: false, reason: 'too_many_redirects', detail: `more than ${max_redirects}` };
    try {
      url = new URL(hop.location, url).href;
    } catch {
      return { ok: false, reason: 'bad_redirect', detail: 'unparseable Location' };
    }
  }
}

/** One request: vet the URL, resolve, vet every address, connect to the vetted one. */
async function fetchHop(input: string, redirects: number, deadline: number, options: SafeFetchOptions): Promise<Hop> {
  const checked = checkUrl(input, options);
  if (!checked.ok) return { kind: 'done', result: checked };
  let addresses: readonly ResolvedAddress[];
  if (checked.ip !== null) {
    addresses = [{ address: checked.ip, family: checked.ip.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await withDeadline((options.resolve ?? systemResolver)(checked.host), deadline);
    } catch (e) {
      const detail = e instanceof Error ? e.message : 'lookup failed';
      return { kind: 'done', result: { ok: false, reason: detail === 'timeout' ? 'timeout' : 'dns_failed', detail } };
    }
    if (addresses.length === 0 || addresses.length > MAX_RESOLVED_ADDRESSES) {
      return { kind: 'done', result: { ok: false, reason: 'dns_failed', detail: `${addresses.length} addresses` } };
    }
  }
  // Any non-public answer refuses the name: a name that points inside is hostile even if it also points outside.
  for (const a of addresses) {
    const verdict = checkAddress(a.address, checked.port, options);
    if (!verdict.ok) return { kind: 'done', result: verdict };
  }
  const pinned = addresses[0];
  if (!pinned) return { kind: 'done', result: { ok: false, reason: 'dns_failed', detail: 'no address' } };
  return send(checked.url, checked.host, pinned.address, redirects, deadline, options);
}

function withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), Math.max(0, deadline - Date.now()));
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/** Only these headers ever leave: no cookies, no authorization, nothing of the provider's. */
function requestHeaders(url: URL, options: SafeFetchOptions): Record<string, string> {
  const headers: Record<string, string> = { host: url.host, 'accept-encoding': 'identity', 'user-agent': 'seedpay-proxy' };
  if (options.range) headers.range = `bytes=${options.range.start}-${options.range.end ?? ''}`;
  if (options.range && options.if_range !== undefined) headers['if-range'] = options.if_range;
  return headers;
}

function send(url: URL, host: string, ip: string, redirects: number, deadline: number, options: SafeFetchOptions): Promise<Hop> {
  const max_bytes = options.max_bytes ?? MAX_RESPONSE_BYTES;
  const tls = url.protocol === 'https:';
  const request = tls ? httpsRequest : httpRequest;
  return new Promise<Hop>((resolve) => {
    let settled = false;
    const finish = (hop: Hop): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(hop);
    };
    const fail = (reason: 'too_large' | 'timeout' | 'network_error' | 'bad_response', detail: string): void =>
      finish({ kind: 'done', result: { ok: false, reason, detail } });
    // `host` is the vetted IP, so Node opens the socket there without a lookup; Host and SNI carry the name.
    const req = request({
      host: ip,
      port: Number(url.port || (tls ? 443 : 80)),
      path: url.pathname + url.search,
      method: 'GET',
      headers: requestHeaders(url, options),
      agent: false,
      ...(tls && isIP(host) === 0 ? { servername: host } : {}),
    });
    const timer = setTimeout(() => fail('timeout', 'fetch took too long'), Math.max(0, deadline - Date.now()));
    req.on('error', (e) => fail('network_error', e.message));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        const location = res.headers.location;
        if (!location) return fail('bad_response', `${status} without Location`);
        return finish({ kind: 'redirect', location });
      }
      if (status === 416) {
        const total = parseUnsatisfiedRange(res.headers['content-range']);
        return finish({ kind: 'done', result: { ok: false, reason: 'range_not_satisfiable', total_length: total, detail: 'range past the end' } });
      }
      if (status !== 200 && status !== 206) {
        return finish({ kind: 'done', result: { ok: false, reason: 'http_status', status, detail: `origin answered ${status}` } });
      }
      const declared = Number(res.headers['content-length'] ?? NaN);
      if (declared > max_bytes) return fail('too_large', `Content-Length ${declared} > ${max_bytes}`);
      readBody(res, max_bytes, (body) => {
        if (body === null) return fail('too_large', `body over ${max_bytes} bytes`);
        // A connection cut mid-body must not pass for a short file: the declared length has to arrive.
        if (!res.complete || (Number.isFinite(declared) && body.length !== declared)) return fail('network_error', 'body cut short');
        const meta = describe(status, res.headers, body.length);
        if (!meta) return fail('bad_response', 'unusable Content-Range on a 206');
        finish({ kind: 'done', result: { ok: true, status, body, ...meta, final_url: url.href, redirects } });
      }, (e) => fail('network_error', e.message));
    });
    req.end();
  });
}

function readBody(res: IncomingMessage, max_bytes: number, done: (body: Uint8Array | null) => void, error: (e: Error) => void): void {
  const parts: Buffer[] = [];
  let size = 0;
  res.on('data', (part: Buffer) => {
    size += part.length;
    if (size > max_bytes) return done(null);
    parts.push(part);
  });
  res.on('end', () => done(new Uint8Array(Buffer.concat(parts))));
  res.on('error', error);
  res.on('aborted', () => error(new Error('response aborted')));
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  return typeof value === 'string' ? value : null;
}

/** The validators, type and extent of a 200 or 206; null for a 206 whose Content-Range does not match its body. */
function describe(status: 200 | 206, headers: IncomingHttpHeaders, length: number):
  Pick<FetchedBody, 'etag' | 'last_modified' | 'content_type' | 'total_length' | 'offset'> | null {
  const base = { etag: header(headers, 'etag'), last_modified: header(headers, 'last-modified'), content_type: header(headers, 'content-type') };
  if (status === 200) return { ...base, total_length: length, offset: 0 };
  const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15}|\*)$/.exec(header(headers, 'content-range') ?? '');
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  const total = m[3] === '*' ? null : Number(m[3]);
  if (end < start || end - start + 1 !== length || (total !== null && end >= total)) return null;
  return { ...base, total_length: total, offset: start };
}

function parseUnsatisfiedRange(value: string | string[] | undefined): number | null {
  const m = typeof value === 'string' ? /^bytes \*\/(\d{1,15})$/.exec(value) : null;
  return m ? Number(m[1]) : null;
}

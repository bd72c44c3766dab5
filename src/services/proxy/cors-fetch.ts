// The browser proxy provider's fetch: one GET of a requester's URL from a page, which only works for sites that answer
// CORS for this origin. The URL is checked first (browser-guard.ts: no request for a private literal or a local name);
// the request carries no cookies or credentials (credentials: 'omit'), no referrer, follows no redirect (a browser
// would follow it without letting us check the next hop), and its size and time are capped. Same result as safe-fetch.
import { checkBrowserUrl } from './browser-guard.ts';
import type { SafeFetchOptions, SafeFetchResult } from './safe-fetch.ts';

/** Largest body one fetch accepts (safe-fetch.ts MAX_RESPONSE_BYTES; that file needs node:http). */
export const MAX_CORS_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Wall-clock limit for one fetch. */
export const CORS_FETCH_TIMEOUT_MS = 30_000;

export interface CorsFetchOptions extends Pick<SafeFetchOptions, 'range' | 'if_range' | 'max_bytes' | 'timeout_ms'> {
  /** `host:port` let through although not public. FOR TESTS ONLY (a loopback origin). */
  readonly allow?: readonly string[];
}

export async function corsFetch(input: string, o: CorsFetchOptions = {}): Promise<SafeFetchResult> {
  const check = checkBrowserUrl(input, o.allow ?? []);
  if (!check.ok) return check;
  if (o.if_range?.startsWith('W/')) return { ok: false, reason: 'weak_validator', detail: 'If-Range needs a strong ETag' };
  const max_bytes = Math.min(o.max_bytes ?? MAX_CORS_RESPONSE_BYTES, MAX_CORS_RESPONSE_BYTES);
  const headers: Record<string, string> = {};
  if (o.range) headers.range = `bytes=${o.range.start}-${o.range.end ?? ''}`;
  if (o.if_range) headers['if-range'] = o.if_range;
  let res: Response;
  try {
    res = await fetch(check.url.href, {
      method: 'GET', mode: 'cors', credentials: 'omit', redirect: 'error', cache: 'no-store', referrerPolicy: 'no-referrer', headers,
      signal: AbortSignal.timeout(o.timeout_ms ?? CORS_FETCH_TIMEOUT_MS),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'TimeoutError') return { ok: false, reason: 'timeout', detail: 'no answer in time' };
    // A browser says no more than "TypeError" for a CORS refusal, a redirect and a network failure alike.
    return { ok: false, reason: 'cors_refused', detail: 'no CORS answer for this origin (or a redirect, or a network failure)' };
  }
  if (res.status === 416) {
    const m = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    return { ok: false, reason: 'range_not_satisfiable', total_length: m ? Number(m[1]) : null, detail: '416' };
  }
  if (res.status !== 200 && res.status !== 206) return { ok: false, reason: 'http_status', status: res.status, detail: String(res.status) };
  let offset = 0;
  let total_length: number | null = null;
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m) return { ok: false, reason: 'bad_response', detail: 'a 206 without a readable Content-Range (it must be in Access-Control-Expose-Headers)' };
    offset = Number(m[1]);
    total_length = m[3] === '*' ? null : Number(m[3]);
  } else {
    const length = Number(res.headers.get('content-length') ?? 'NaN');
    total_length = Number.isSafeInteger(length) ? length : null;
  }
  const body = await readCapped(res, max_bytes);
  if (body === null) return { ok: false, reason: 'too_large', detail: `more than ${max_bytes} bytes` };
  return {
    ok: true, status: res.status as 200 | 206, body, etag: res.headers.get('etag'), last_modified: res.headers.get('last-modified'),
    content_type: res.headers.get('content-type'), total_length, offset, final_url: check.url.href, redirects: 0,
  };
}

/** The body, or null as soon as it passes `max_bytes` (the rest is not read). */
async function readCapped(res: Response, max_bytes: number): Promise<Uint8Array | null> {
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max_bytes) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

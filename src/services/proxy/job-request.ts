// The paid proxy's job request and a provider's limits (pure; browser and Node): what a requester asks for — GET one
// URL in chunks at a price, under a spending cap and a size bound, resumable with If-Range — and the typed reasons a
// request or the origin's answer is refused, decided before any fetch is made and before any money moves.
import { MAX_AMOUNT_UNITS, type Units } from '../../protocol/money.ts';
import { isValidatorText, MAX_CHUNK_BYTES, MAX_CHUNKS, MAX_JOB_URL_LENGTH, MIN_CHUNK_BYTES } from './chunk-plan.ts';

/** 32 random bytes the requester draws per request, lowercase hex: it names the job's paid session (proxyContext). */
export type JobId = string & { readonly __brand: 'JobId' };
export const JOB_ID_BYTES = 32;
/** Largest resource any job may ask for: 4 GiB, what MAX_CHUNKS × 64 KiB chunks cover. */
export const MAX_JOB_BYTES = 4 * 1024 * 1024 * 1024;

export function isJobId(value: unknown): value is JobId {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

export interface ProxyRequest {
  readonly job_id: JobId;
  readonly url: string;
  /** Bytes per chunk, a multiple of 1 KiB: one chunk is one metered, paid unit. */
  readonly chunk_size: number;
  /** Highest price the requester pays; a full 64 KiB chunk costs 64 times this (the last one pays for its bytes). */
  readonly max_price_units_per_kib: Units;
  /** Most this job may cost, over all its sessions and providers. */
  readonly cap_units: Units;
  /** A larger resource is refused before a byte of it is paid for. */
  readonly max_bytes: number;
  /** The validator of the version already partly fetched (If-Range), null for a fresh start. */
  readonly if_range: string | null;
}

export type UrlError = 'malformed_url' | 'scheme_not_allowed' | 'credentials_in_url' | 'url_too_long';
export type RequestError = UrlError | 'not_an_object' | 'bad_job_id' | 'bad_chunk_size' | 'bad_price' | 'bad_cap' | 'bad_max_bytes' | 'bad_validator';

/**
 * Why a URL cannot be a job, or null. Only http(s) without user info: `file:`, `data:`, `javascript:` and every other
 * scheme are refused here, in the requester, and again by the provider's address guard before any lookup.
 */
export function checkJobUrl(url: unknown): UrlError | null {
  if (typeof url !== 'string') return 'malformed_url';
  if (url.length > MAX_JOB_URL_LENGTH) return 'url_too_long';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'malformed_url';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'scheme_not_allowed';
  if (parsed.username !== '' || parsed.password !== '') return 'credentials_in_url';
  if (parsed.hostname === '') return 'malformed_url';
  return null;
}

function isUnits(value: unknown): value is Units {
  return typeof value === 'bigint' && value >= 0n && value <= MAX_AMOUNT_UNITS;
}

/** A request from the wire or the UI, every field checked; the first failing field names the error. */
export function checkRequest(value: unknown): { readonly ok: true; readonly request: ProxyRequest } | { readonly ok: false; readonly reason: RequestError } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not_an_object' };
  const r = value as Record<string, unknown>;
  if (!isJobId(r.job_id)) return { ok: false, reason: 'bad_job_id' };
  const url_error = checkJobUrl(r.url);
  if (url_error) return { ok: false, reason: url_error };
  const chunk = r.chunk_size;
  if (!Number.isSafeInteger(chunk) || (chunk as number) < MIN_CHUNK_BYTES || (chunk as number) > MAX_CHUNK_BYTES || (chunk as number) % 1024 !== 0) {
    return { ok: false, reason: 'bad_chunk_size' };
  }
  if (!isUnits(r.max_price_units_per_kib) || r.max_price_units_per_kib === 0n) return { ok: false, reason: 'bad_price' };
  if (!isUnits(r.cap_units) || r.cap_units === 0n) return { ok: false, reason: 'bad_cap' };
  const max = r.max_bytes;
  if (!Number.isSafeInteger(max) || (max as number) < 0 || (max as number) > MAX_JOB_BYTES || Math.ceil((max as number) / (chunk as number)) > MAX_CHUNKS) {
    return { ok: false, reason: 'bad_max_bytes' };
  }
  if (r.if_range !== null && (!isValidatorText(r.if_range) || r.if_range.startsWith('W/'))) return { ok: false, reason: 'bad_validator' };
  const request: ProxyRequest = {
    job_id: r.job_id, url: r.url as string, chunk_size: chunk as number, max_price_units_per_kib: r.max_price_units_per_kib,
    cap_units: r.cap_units, max_bytes: max as number, if_range: r.if_range as string | null,
  };
  return { ok: true, request };
}

/** What a provider is willing to do; set by its operator (`npm run seed -- --proxy`). */
export interface ProviderLimits {
  /** The price it serves at, and the lowest it accepts: a request bidding less is refused. */
  readonly price_units_per_kib: Units;
  readonly max_job_bytes: number;
  readonly max_day_bytes: number;
  /** Host names served (exact, lowercase); null serves any public host. */
  readonly allowed_hosts: readonly string[] | null;
  /** Media types served (`image/png`, or `image/*`); null serves any. */
  readonly allowed_content_types: readonly string[] | null;
}

export type LimitRefusal = 'price_too_low' | 'host_not_allowed' | 'job_too_large' | 'day_limit' | 'content_type_not_allowed' | 'over_requester_max';

/** Before any fetch: is this request one we serve at all? */
export function refuseRequest(request: ProxyRequest, limits: ProviderLimits, day_served_bytes: number): LimitRefusal | null {
  if (request.max_price_units_per_kib < limits.price_units_per_kib) return 'price_too_low';
  const host = new URL(request.url).hostname.toLowerCase();
  if (limits.allowed_hosts !== null && !limits.allowed_hosts.includes(host)) return 'host_not_allowed';
  if (day_served_bytes >= limits.max_day_bytes) return 'day_limit';
  return null;
}

/** After the first answer of the origin: its length and type against the provider's limits and the requester's bound. */
export function refuseResource(request: ProxyRequest, limits: ProviderLimits, day_served_bytes: number, total_length: number, content_type: string | null):
  LimitRefusal | null {
  if (total_length > request.max_bytes) return 'over_requester_max';
  if (total_length > limits.max_job_bytes) return 'job_too_large';
  if (day_served_bytes + total_length > limits.max_day_bytes) return 'day_limit';
  if (limits.allowed_content_types !== null && !contentTypeAllowed(content_type, limits.allowed_content_types)) return 'content_type_not_allowed';
  return null;
}

/** `type/subtype` (parameters dropped, case folded) against exact entries and `type/*` entries. */
export function contentTypeAllowed(content_type: string | null, allowed: readonly string[]): boolean {
  if (content_type === null) return false;
  const media = content_type.split(';')[0]?.trim().toLowerCase() ?? '';
  const slash = media.indexOf('/');
  if (slash <= 0) return false;
  return allowed.some((entry) => entry === media || (entry.endsWith('/*') && entry.slice(0, -1) === media.slice(0, slash + 1)));
}

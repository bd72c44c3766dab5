// The proxy request's checks and the provider's limits: every bad field is named by its own result code, the
// non-HTTP schemes and URLs with credentials never become a job, and limits refuse before any fetch.
import { hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { proxyContext, sessionContext } from '../../../src/protocol/session-context.ts';
import {
  checkJobUrl, checkRequest, contentTypeAllowed, refuseRequest, refuseResource, type ProviderLimits, type ProxyRequest,
} from '../../../src/services/proxy/job-request.ts';
import { jobId } from './proxy-harness.ts';

const GOOD: ProxyRequest = {
  job_id: jobId(1), url: 'https://example.com/a.bin', chunk_size: 65536, max_price_units_per_kib: 3n, cap_units: 1000n, max_bytes: 1 << 20, if_range: null,
};
const LIMITS: ProviderLimits = {
  price_units_per_kib: 2n, max_job_bytes: 1 << 20, max_day_bytes: 1 << 22, allowed_hosts: null, allowed_content_types: null,
};

describe('checkJobUrl', () => {
  it.each([
    ['not a url', 'malformed_url'],
    ['', 'malformed_url'],
    ['file:///etc/passwd', 'scheme_not_allowed'],
    ['data:text/plain,hi', 'scheme_not_allowed'],
    ['javascript:alert(1)', 'scheme_not_allowed'],
    ['ftp://example.com/x', 'scheme_not_allowed'],
    ['blob:https://example.com/1', 'scheme_not_allowed'],
    ['https://user:pw@example.com/', 'credentials_in_url'],
    ['https://user@example.com/', 'credentials_in_url'],
    [`https://example.com/${'a'.repeat(9000)}`, 'url_too_long'],
  ])('%s → %s', (url, code) => {
    expect(checkJobUrl(url)).toBe(code);
  });

  it('accepts http and https', () => {
    expect(checkJobUrl('http://example.com/x?y=1')).toBeNull();
    expect(checkJobUrl('https://[2001:db8::1]:8443/x')).toBeNull();
  });

  it('refuses what is not a string', () => {
    expect(checkJobUrl(42)).toBe('malformed_url');
    expect(checkJobUrl(null)).toBe('malformed_url');
  });
});

describe('checkRequest', () => {
  it('accepts a good request as given', () => {
    expect(checkRequest(GOOD)).toEqual({ ok: true, request: GOOD });
  });

  it.each([
    [null, 'not_an_object'],
    [[], 'not_an_object'],
    [{ ...GOOD, job_id: 'ab' }, 'bad_job_id'],
    [{ ...GOOD, job_id: jobId(1).toUpperCase() }, 'bad_job_id'],
    [{ ...GOOD, url: 'javascript:alert(1)' }, 'scheme_not_allowed'],
    [{ ...GOOD, chunk_size: 512 }, 'bad_chunk_size'],
    [{ ...GOOD, chunk_size: 1500 }, 'bad_chunk_size'],
    [{ ...GOOD, chunk_size: 8 * 1024 * 1024 }, 'bad_chunk_size'],
    [{ ...GOOD, chunk_size: 65536.5 }, 'bad_chunk_size'],
    [{ ...GOOD, max_price_units_per_kib: 0n }, 'bad_price'],
    [{ ...GOOD, max_price_units_per_kib: 3 }, 'bad_price'],
    [{ ...GOOD, max_price_units_per_kib: 1n << 64n }, 'bad_price'],
    [{ ...GOOD, cap_units: 0n }, 'bad_cap'],
    [{ ...GOOD, cap_units: -1n }, 'bad_cap'],
    [{ ...GOOD, max_bytes: -1 }, 'bad_max_bytes'],
    [{ ...GOOD, max_bytes: 2 ** 40 }, 'bad_max_bytes'],
    [{ ...GOOD, chunk_size: 1024, max_bytes: 1024 * 65537 }, 'bad_max_bytes'],
    [{ ...GOOD, if_range: 'W/"weak"' }, 'bad_validator'],
    [{ ...GOOD, if_range: '"a"\r\nX-Injected: 1' }, 'bad_validator'],
    [{ ...GOOD, if_range: undefined }, 'bad_validator'],
  ])('refuses %#', (value, reason) => {
    expect(checkRequest(value)).toEqual({ ok: false, reason });
  });
});

describe('provider limits', () => {
  it('refuses a bid under its price, a host not listed and a spent day before any fetch', () => {
    expect(refuseRequest(GOOD, LIMITS, 0)).toBeNull();
    expect(refuseRequest({ ...GOOD, max_price_units_per_kib: 1n }, LIMITS, 0)).toBe('price_too_low');
    expect(refuseRequest(GOOD, { ...LIMITS, allowed_hosts: ['other.org'] }, 0)).toBe('host_not_allowed');
    expect(refuseRequest(GOOD, { ...LIMITS, allowed_hosts: ['example.com'] }, 0)).toBeNull();
    expect(refuseRequest(GOOD, LIMITS, LIMITS.max_day_bytes)).toBe('day_limit');
  });

  it('refuses a resource over either bound or of a type not served', () => {
    expect(refuseResource(GOOD, LIMITS, 0, 1000, 'text/html')).toBeNull();
    expect(refuseResource(GOOD, LIMITS, 0, GOOD.max_bytes + 1, null)).toBe('over_requester_max');
    expect(refuseResource({ ...GOOD, max_bytes: 1 << 22 }, LIMITS, 0, LIMITS.max_job_bytes + 1, null)).toBe('job_too_large');
    expect(refuseResource(GOOD, LIMITS, LIMITS.max_day_bytes - 10, 11, null)).toBe('day_limit');
    expect(refuseResource(GOOD, { ...LIMITS, allowed_content_types: ['image/*'] }, 0, 10, 'text/html')).toBe('content_type_not_allowed');
  });

  it('matches content types exactly or by type/*, ignoring parameters and case', () => {
    expect(contentTypeAllowed('Image/PNG; q=1', ['image/*'])).toBe(true);
    expect(contentTypeAllowed('application/pdf', ['application/pdf'])).toBe(true);
    expect(contentTypeAllowed('application/pdfx', ['application/pdf'])).toBe(false);
    expect(contentTypeAllowed('imagex/png', ['image/*'])).toBe(false);
    expect(contentTypeAllowed(null, ['image/*'])).toBe(false);
    expect(contentTypeAllowed('garbage', ['*/*'])).toBe(false);
  });
});

describe('proxyContext', () => {
  it('names one job: distinct per job id, distinct from Speed contexts, refuses what is not a job id', () => {
    expect(proxyContext(jobId(1))).not.toBe(proxyContext(jobId(2)));
    expect(proxyContext(jobId(1))).toBe(proxyContext(jobId(1)));
    expect(proxyContext(jobId(1))).not.toBe(sessionContext('speed', hexToBytes(jobId(1))));
    expect(() => proxyContext('ab')).toThrow(TypeError);
  });
});

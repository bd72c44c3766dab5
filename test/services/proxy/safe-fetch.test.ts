// The Node provider's safe fetch against a real loopback origin (allowlisted here only): ranges and validators
// work, and every refusal happens before a socket opens. Refused addresses are never contacted: names resolve
// through an injected, recording resolver, and a spy on net.Socket's connect counts every outgoing socket.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_REDIRECTS, safeFetch, type Resolver } from '../../../src/services/proxy/safe-fetch.ts';
import { LAST_MODIFIED, startOrigin, type Origin } from './origin.ts';

const FILE = new Uint8Array(10_000).map((_, i) => (i * 31 + 7) & 0xff);
let origin: Origin;
let allow: string[];

beforeAll(async () => {
  origin = await startOrigin(FILE);
  allow = [origin.allow_entry];
});
afterAll(() => origin.close());
afterEach(() => vi.restoreAllMocks());

/** A resolver that answers from a table and records every name it was asked for. */
function recordingResolver(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (host: string) => {
    asked.push(host);
    const answers = table[host];
    if (!answers) throw new Error(`ENOTFOUND ${host}`);
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

function spyConnects(): { readonly count: number } {
  const spy = vi.spyOn(net.Socket.prototype, 'connect');
  return { get count() { return spy.mock.calls.length; } };
}

describe('safe fetch: the allowed origin', () => {
  it('fetches the whole file and reports its validators, type and length', async () => {
    const r = await safeFetch(`${origin.base}/file`, { allow });
    expect(r).toMatchObject({ ok: true, status: 200, etag: '"v1"', last_modified: LAST_MODIFIED, content_type: 'application/octet-stream', total_length: FILE.length, offset: 0, redirects: 0 });
    if (r.ok) expect(r.body).toEqual(FILE);
  });

  it('fetches a byte range (206) and resumes with If-Range on the strong ETag or Last-Modified', async () => {
    for (const if_range of [undefined, '"v1"', LAST_MODIFIED]) {
      const r = await safeFetch(`${origin.base}/file`, { allow, range: { start: 100, end: 199 }, ...(if_range ? { if_range } : {}) });
      expect(r).toMatchObject({ ok: true, status: 206, offset: 100, total_length: FILE.length });
      if (r.ok) expect(r.body).toEqual(FILE.subarray(100, 200));
    }
    const tail = await safeFetch(`${origin.base}/file`, { allow, range: { start: 9_990 } });
    expect(tail).toMatchObject({ ok: true, status: 206, offset: 9_990 });
    if (tail.ok) expect(tail.body.length).toBe(10);
    const sent = origin.requests.at(-2)?.headers;
    expect(sent?.range).toBe('bytes=100-199');
    expect(sent?.['if-range']).toBe(LAST_MODIFIED);
  });

  it('gets the whole new file (200, new ETag) when the validator changed, and 416 past the end', async () => {
    const next = FILE.map((b) => b ^ 0xff);
    origin.replace(next, '"v2"');
    try {
      const r = await safeFetch(`${origin.base}/file`, { allow, range: { start: 100, end: 199 }, if_range: '"v1"' });
      expect(r).toMatchObject({ ok: true, status: 200, etag: '"v2"', offset: 0, total_length: next.length });
      if (r.ok) expect(r.body).toEqual(next);
    } finally {
      origin.replace(FILE, '"v1"');
    }
    const past = await safeFetch(`${origin.base}/file`, { allow, range: { start: 20_000 } });
    expect(past).toMatchObject({ ok: false, reason: 'range_not_satisfiable', total_length: FILE.length });
  });

  it('connects to the one address it vetted, for a name, without a second lookup', async () => {
    let answers = 0;
    // A rebinding resolver: the first answer is the allowed origin, any later one a private address.
    const resolve: Resolver = async () => [{ address: answers++ === 0 ? '127.0.0.1' : '10.0.0.1', family: 4 }];
    const r = await safeFetch(`http://origin.test:${origin.port}/file`, { allow, resolve });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(answers).toBe(1); // and `.test` never resolves in the system DNS: the socket went to the pinned IP
    expect(origin.requests.at(-1)?.headers.host).toBe(`origin.test:${origin.port}`);
  });

  it('sends no cookie or credentials, even after a redirect that sets one', async () => {
    origin.redirectTo('/file');
    const r = await safeFetch(`${origin.base}/redirect`, { allow });
    expect(r).toMatchObject({ ok: true, status: 200, redirects: 1, final_url: `${origin.base}/file` });
    for (const { headers } of origin.requests.slice(-2)) {
      expect(headers.cookie).toBeUndefined();
      expect(headers.authorization).toBeUndefined();
      expect(Object.keys(headers).sort()).toEqual(['accept-encoding', 'connection', 'host', 'user-agent']);
    }
  });
});

describe('safe fetch: refusals before any socket', () => {
  it('refuses names resolving to non-public addresses without connecting', async () => {
    const resolve = recordingResolver({
      'ten.test': ['10.0.0.1'], 'meta.test': ['169.254.169.254'], 'ula.test': ['fd00::1'],
      'mapped.test': ['::ffff:7f00:1'], 'mixed.test': ['127.0.0.1', '10.0.0.1'], 'loop.test': ['127.0.0.1'],
    });
    const connects = spyConnects();
    const before = origin.connections;
    for (const host of ['ten.test', 'meta.test', 'ula.test', 'mapped.test', 'mixed.test']) {
      const r = await safeFetch(`http://${host}:${origin.port}/file`, { allow, resolve });
      expect(r, host).toMatchObject({ ok: false, reason: 'address_not_public' });
    }
    // The origin's own address, but on a port not allowlisted: refused too.
    expect(await safeFetch(`http://loop.test:${origin.port + 1}/`, { allow, resolve })).toMatchObject({ ok: false, reason: 'address_not_public' });
    expect(resolve.asked).toEqual(['ten.test', 'meta.test', 'ula.test', 'mapped.test', 'mixed.test', 'loop.test']);
    expect(connects.count).toBe(0);
    expect(origin.connections).toBe(before);
  });

  it('refuses the listening loopback origin itself when it is not allowlisted', async () => {
    const connects = spyConnects();
    const before = origin.connections;
    for (const url of [`${origin.base}/file`, `http://2130706433:${origin.port}/file`, `http://[::ffff:127.0.0.1]:${origin.port}/`, `http://localhost:${origin.port}/`]) {
      expect((await safeFetch(url)).ok, url).toBe(false);
    }
    expect(connects.count).toBe(0);
    expect(origin.connections).toBe(before);
  });

  it('refuses bad input: schemes, credentials, weak validators, names that do not resolve', async () => {
    const connects = spyConnects();
    const resolve = recordingResolver({});
    expect(await safeFetch('file:///etc/passwd')).toMatchObject({ ok: false, reason: 'scheme_not_allowed' });
    expect(await safeFetch('not a url')).toMatchObject({ ok: false, reason: 'malformed_url' });
    expect(await safeFetch(`http://u:p@127.0.0.1:${origin.port}/`, { allow })).toMatchObject({ ok: false, reason: 'credentials_in_url' });
    expect(await safeFetch(`${origin.base}/file`, { allow, range: { start: 0 }, if_range: 'W/"v1"' })).toMatchObject({ ok: false, reason: 'weak_validator' });
    expect(await safeFetch('http://nowhere.test/', { resolve })).toMatchObject({ ok: false, reason: 'dns_failed' });
    for (const range of [{ start: -1 }, { start: 1.5 }, { start: 10, end: 5 }, { start: Number.NaN }]) {
      expect(await safeFetch(`${origin.base}/file`, { allow, range }), JSON.stringify(range)).toMatchObject({ ok: false, reason: 'bad_range' });
    }
    expect(connects.count).toBe(0);
  });

  it('refuses a redirect into a private address before the second request', async () => {
    const resolve = recordingResolver({ 'inside.test': ['192.168.1.1'] });
    for (const [location, reason] of [
      ['http://10.0.0.1/x', 'address_not_public'],
      ['http://[::1]/x', 'address_not_public'],
      ['http://0x7f.1/x', 'address_not_public'],
      ['http://inside.test/x', 'address_not_public'],
      ['file:///etc/passwd', 'scheme_not_allowed'],
    ] as const) {
      origin.redirectTo(location);
      const connects = spyConnects();
      const seen = origin.requests.length;
      expect(await safeFetch(`${origin.base}/redirect`, { allow, resolve }), location).toMatchObject({ ok: false, reason });
      expect(connects.count, location).toBe(1); // the allowed origin's, and no other
      expect(origin.requests.length - seen).toBe(1);
      vi.restoreAllMocks();
    }
    expect(resolve.asked).toEqual(['inside.test']);
  });
});

describe('safe fetch: limits', () => {
  it('stops after the hop limit', async () => {
    const seen = origin.requests.length;
    expect(await safeFetch(`${origin.base}/loop`, { allow })).toMatchObject({ ok: false, reason: 'too_many_redirects' });
    expect(origin.requests.length - seen).toBe(MAX_REDIRECTS + 1);
  });

  it('caps the size, the time and refuses other statuses', async () => {
    expect(await safeFetch(`${origin.base}/huge`, { allow, max_bytes: 1000 })).toMatchObject({ ok: false, reason: 'too_large' });
    expect(await safeFetch(`${origin.base}/stall`, { allow, timeout_ms: 300 })).toMatchObject({ ok: false, reason: 'timeout' });
    expect(await safeFetch(`${origin.base}/teapot`, { allow })).toMatchObject({ ok: false, reason: 'http_status', status: 418 });
    expect(await safeFetch(`${origin.base}/truncated`, { allow })).toMatchObject({ ok: false, reason: 'network_error' });
    expect(await safeFetch(`${origin.base}/file`, { allow, max_bytes: FILE.length - 1 })).toMatchObject({ ok: false, reason: 'too_large' });
  });
});

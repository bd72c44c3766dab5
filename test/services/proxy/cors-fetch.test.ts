// The browser provider's fetch, run here on Node's fetch against a real loopback origin (CORS itself is enforced
// only by a browser: proxy-browser-provider.spec.ts): refused URLs are never contacted, ranges and validators are
// read, no redirect is followed, bodies past the cap are cut, and no cookie or credential is sent.
import { afterEach, describe, expect, it } from 'vitest';
import { corsFetch } from '../../../src/services/proxy/cors-fetch.ts';
import { startOrigin, type Origin } from './origin.ts';

let origin: Origin | null = null;
afterEach(async () => {
  await origin?.close();
  origin = null;
});

describe('cors fetch', () => {
  it('refuses private literals, local names and bad URLs before any request', async () => {
    origin = await startOrigin(new Uint8Array(100), '"c"');
    for (const url of [`${origin.base}/file`, `http://localhost:${origin.port}/file`, `http://[::1]:${origin.port}/file`, `http://2130706433:${origin.port}/file`,
      'http://10.0.0.1/f', 'http://169.254.169.254/', 'file:///etc/passwd', 'https://u:p@example.com/']) {
      expect((await corsFetch(url)).ok).toBe(false);
    }
    expect(origin.connections).toBe(0);
  });

  it('reads a range with its validators from an allowlisted origin, with no cookie or credential', async () => {
    const file = new Uint8Array(5000).map((_, i) => i & 0xff);
    origin = await startOrigin(file, '"c1"');
    const allow = [origin.allow_entry];
    const r = await corsFetch(`${origin.base}/file`, { allow, range: { start: 1000, end: 1999 }, if_range: '"c1"' });
    expect(r).toMatchObject({ ok: true, status: 206, offset: 1000, total_length: 5000, etag: '"c1"' });
    expect(r.ok && r.body).toEqual(file.subarray(1000, 2000));
    const h = origin.requests.at(-1)?.headers ?? {};
    expect([h.range, h['if-range'], h.cookie, h.authorization, h.referer]).toEqual(['bytes=1000-1999', '"c1"', undefined, undefined, undefined]);
    // A changed version answers 200 with the whole file: cut at the cap, never read to the end.
    expect(await corsFetch(`${origin.base}/file`, { allow, range: { start: 0, end: 99 }, if_range: '"old"', max_bytes: 100 })).toMatchObject({ ok: false, reason: 'too_large' });
    expect(await corsFetch(`${origin.base}/file`, { allow, if_range: 'W/"c1"' })).toMatchObject({ ok: false, reason: 'weak_validator' });
    expect(await corsFetch(`${origin.base}/teapot`, { allow })).toMatchObject({ ok: false, reason: 'http_status', status: 418 });
  });

  it('follows no redirect', async () => {
    origin = await startOrigin(new Uint8Array(10), '"c"');
    origin.redirectTo('/file');
    const before = origin.requests.length;
    expect(await corsFetch(`${origin.base}/redirect`, { allow: [origin.allow_entry] })).toMatchObject({ ok: false, reason: 'cors_refused' });
    expect(origin.requests.length).toBe(before + 1);
  });
});

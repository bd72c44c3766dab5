// The browser provider's guard (no node:net) against the Node guard: random IPv4 and IPv6 literals, with addresses
// drawn inside every non-public range too, get the same verdict; URLs in every odd IPv4 spelling, IPv4-mapped IPv6,
// local names, credentials and non-http schemes are refused; only the exact allowlisted host:port passes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../../src/services/proxy/address-guard.ts';
import { checkBrowserUrl, isPublicLiteral } from '../../../src/services/proxy/browser-guard.ts';

const NOT_PUBLIC_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/4', '240.0.0.0/4', '198.18.0.0/15'];

const inRange = (cidr: string): fc.Arbitrary<string> => {
  const [net = '', bits = '0'] = cidr.split('/');
  const base = net.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  return fc.integer({ min: 0, max: 2 ** (32 - Number(bits)) - 1 }).map((k) => {
    const n = base + k;
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  });
};

const v4 = fc.oneof(fc.ipV4(), ...NOT_PUBLIC_V4.map(inRange));
const v6 = fc.oneof(
  fc.ipV6(),
  v4.map((a) => `::ffff:${a}`), v4.map((a) => `64:ff9b::${a}`),
  fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([x, y]) => `2002:${x.toString(16)}:${y.toString(16)}::1`),
  fc.constantFrom('::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001::1', '2001:db8::1', '2001:10::1', '2001:2::1', '2606:4700::1111'),
);

describe('browser guard', () => {
  it('agrees with the Node guard on random IPv4 and IPv6 literals', () => {
    fc.assert(fc.property(fc.oneof(v4, v6), (ip) => {
      expect(isPublicLiteral(ip)).toBe(isPublicAddress(ip));
    }), { numRuns: 3000 });
  });

  it('checks URL hosts the way the URL parser normalises them, literal IPv6 included', () => {
    fc.assert(fc.property(fc.oneof(v4, v6.map((a) => `[${a}]`)), (host) => {
      const r = checkBrowserUrl(`http://${host}/f`);
      const bare = host.startsWith('[') ? host.slice(1, -1) : host;
      expect(r.ok).toBe(isPublicAddress(bare));
    }), { numRuns: 1000 });
  });

  it('refuses odd IPv4 spellings of private addresses, local names, credentials and other schemes', () => {
    for (const url of ['http://2130706433/', 'http://0177.0.0.1/', 'http://0x7f.0.0.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::ffff:7f00:1]/',
      'http://169.254.169.254/latest/meta-data', 'http://0xa9fea9fe/', 'http://[fe80::1]/', 'http://[::1]:8080/']) {
      expect(checkBrowserUrl(url)).toMatchObject({ ok: false, reason: 'address_not_public' });
    }
    for (const url of ['http://localhost/', 'http://a.localhost/', 'http://printer.local/', 'http://router.home.arpa/', 'http://db.internal/', 'http://intranet/']) {
      expect(checkBrowserUrl(url)).toMatchObject({ ok: false, reason: 'local_name' });
    }
    expect(checkBrowserUrl('https://u:p@example.com/')).toMatchObject({ ok: false, reason: 'credentials_in_url' });
    for (const url of ['file:///etc/passwd', 'data:text/plain,x', 'javascript:alert(1)', 'ftp://example.com/']) {
      expect(checkBrowserUrl(url)).toMatchObject({ ok: false, reason: 'scheme_not_allowed' });
    }
    expect(checkBrowserUrl('not a url')).toMatchObject({ ok: false, reason: 'malformed_url' });
    expect(checkBrowserUrl(`https://example.com/${'a'.repeat(9000)}`)).toMatchObject({ ok: false, reason: 'url_too_long' });
    expect(checkBrowserUrl('https://example.com/f.bin').ok).toBe(true);
    expect(checkBrowserUrl('http://8.8.8.8/').ok).toBe(true);
  });

  it('lets only the exact allowlisted host:port through (tests)', () => {
    expect(checkBrowserUrl('http://127.0.0.1:4000/f', ['127.0.0.1:4000']).ok).toBe(true);
    expect(checkBrowserUrl('http://127.0.0.1:4001/f', ['127.0.0.1:4000']).ok).toBe(false);
    expect(checkBrowserUrl('http://127.0.0.2:4000/f', ['127.0.0.1:4000']).ok).toBe(false);
  });
});

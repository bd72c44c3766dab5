// The proxy's address guard: every non-public range in every textual form a URL can carry is refused, public
// addresses pass, and the bad-input cases (schemes, credentials, malformed URLs) get their own result codes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAddress, checkUrl, embeddedV4, isPublicAddress, MAX_URL_LENGTH } from '../../../src/services/proxy/address-guard.ts';

const RANGES_V4: ReadonlyArray<readonly [number, number]> = [
  [0x00000000, 8], [0x0a000000, 8], [0x64400000, 10], [0x7f000000, 8], [0xa9fe0000, 16], [0xac100000, 12],
  [0xc0000000, 24], [0xc0a80000, 16], [0xc6120000, 15], [0xe0000000, 4], [0xf0000000, 4],
];

const byte = (n: number, i: number): number => (n >>> (24 - 8 * i)) & 0xff;
const dotted = (n: number): string => [0, 1, 2, 3].map((i) => byte(n, i)).join('.');
const hex16 = (n: number): string => ((n >>> 16) & 0xffff).toString(16) + ':' + (n & 0xffff).toString(16);

/** Every spelling of one IPv4 address a URL host can carry, each one the WHATWG parser or a router maps back. */
function spellings(n: number): string[] {
  return [
    dotted(n),
    String(n >>> 0), // decimal integer
    '0x' + (n >>> 0).toString(16), // hex integer
    [0, 1, 2, 3].map((i) => '0' + byte(n, i).toString(8)).join('.'), // octal parts
    [0, 1, 2, 3].map((i) => '0x' + byte(n, i).toString(16)).join('.'), // hex parts
    `${byte(n, 0)}.${n & 0xffffff}`, // short form a.b
    `${byte(n, 0)}.${byte(n, 1)}.${n & 0xffff}`, // short form a.b.c
    dotted(n) + '.', // trailing dot
    `[::ffff:${dotted(n)}]`, // IPv4-mapped, dotted
    `[::ffff:${hex16(n)}]`, // IPv4-mapped, hex
    `[64:ff9b::${dotted(n)}]`, // NAT64
    `[2002:${hex16(n)}::1]`, // 6to4
  ];
}

const inRange = fc.constantFrom(...RANGES_V4).chain(([base, prefix]) =>
  fc.integer({ min: 0, max: 2 ** (32 - prefix) - 1 }).map((offset) => (base + offset) >>> 0),
);

// First octets with no non-public range inside them: an oracle independent of the guard's table.
const PUBLIC_FIRST = [...Array(224).keys()].filter((o) => ![0, 10, 100, 127, 169, 172, 192, 198, 203].includes(o));

describe('address guard: IPv4', () => {
  it('refuses a random address of every non-public range, in every textual form', () => {
    fc.assert(
      fc.property(inRange, (n) => {
        for (const host of spellings(n)) {
          const verdict = checkUrl(`http://${host}:8080/x`);
          expect(verdict.ok, `${host} (${dotted(n)})`).toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('passes random public addresses in every textual form', () => {
    const publicV4 = fc.tuple(fc.constantFrom(...PUBLIC_FIRST), fc.integer({ min: 0, max: 0xffffff }))
      .map(([o, rest]) => ((o << 24) | rest) >>> 0);
    fc.assert(
      fc.property(publicV4, (n) => {
        expect(isPublicAddress(dotted(n))).toBe(true);
        for (const host of spellings(n)) expect(checkUrl(`https://${host}/`).ok, host).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses the named addresses people reach for', () => {
    for (const host of ['127.0.0.1', '2130706433', '0177.0.0.1', '0x7f.0.0.1', '127.1', '0', '169.254.169.254', '255.255.255.255', '100.64.0.1', '198.19.1.1', '192.0.0.8', '224.0.0.251']) {
      expect(checkUrl(`http://${host}/`).ok, host).toBe(false);
    }
  });
});

const v6 = (groups: number[]): string => groups.map((g) => g.toString(16)).join(':');
const group = fc.integer({ min: 0, max: 0xffff });

describe('address guard: IPv6', () => {
  it('refuses ::, ::1, unique-local, link-local, multicast, documentation and Teredo', () => {
    const prefixed = (first: number, mask: number): fc.Arbitrary<string> =>
      fc.tuple(group, fc.array(group, { minLength: 7, maxLength: 7 })).map(([g, rest]) => v6([(first | (g & ~mask & 0xffff)) & 0xffff, ...rest]));
    const nonPublic = fc.oneof(
      prefixed(0xfc00, 0xfe00), prefixed(0xfe80, 0xffc0), prefixed(0xff00, 0xff00),
      fc.array(group, { minLength: 6, maxLength: 6 }).map((rest) => v6([0x2001, 0xdb8, ...rest])),
      fc.array(group, { minLength: 6, maxLength: 6 }).map((rest) => v6([0x2001, 0, ...rest])),
    );
    for (const host of ['::', '::1', '0:0:0:0:0:0:0:1']) expect(checkUrl(`http://[${host}]/`).ok, host).toBe(false);
    fc.assert(fc.property(nonPublic, (ip) => { expect(checkUrl(`http://[${ip}]/`).ok, ip).toBe(false); }), { numRuns: 300 });
  });

  it('passes random global unicast addresses', () => {
    const global = fc.tuple(fc.integer({ min: 0x2400, max: 0x2a0f }), fc.array(group, { minLength: 7, maxLength: 7 }))
      .map(([first, rest]) => v6([first, ...rest]));
    fc.assert(fc.property(global, (ip) => { expect(checkUrl(`http://[${ip}]:443/`).ok, ip).toBe(true); }), { numRuns: 300 });
  });

  it('reads the IPv4 address inside mapped, compatible, NAT64 and 6to4 addresses', () => {
    expect(embeddedV4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedV4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(embeddedV4('::7f00:1')).toBe('127.0.0.1');
    expect(embeddedV4('64:ff9b::a00:1')).toBe('10.0.0.1');
    expect(embeddedV4('2002:c0a8:101::1')).toBe('192.168.1.1');
    expect(embeddedV4('2606:4700::1111')).toBeNull();
    expect(isPublicAddress('64:ff9b::808:808')).toBe(true);
    expect(isPublicAddress('::ffff:a9fe:a9fe')).toBe(false);
  });
});

describe('address guard: the URL', () => {
  it('refuses every scheme but http and https', () => {
    for (const url of ['file:///etc/passwd', 'data:text/plain,hi', 'javascript:alert(1)', 'ftp://example.com/', 'blob:https://example.com/1', 'ws://example.com/', 'gopher://example.com/', 'about:blank']) {
      expect(checkUrl(url), url).toMatchObject({ ok: false, reason: 'scheme_not_allowed' });
    }
  });

  it('refuses malformed URLs, credentials, oversize and local names', () => {
    for (const url of ['', 'example.com/x', 'http://', 'http://exa mple.com/', 'http://[::1/', '//example.com/']) {
      expect(checkUrl(url), url).toMatchObject({ ok: false, reason: 'malformed_url' });
    }
    expect(checkUrl('https://user:pw@example.com/')).toMatchObject({ ok: false, reason: 'credentials_in_url' });
    expect(checkUrl('https://user@example.com/')).toMatchObject({ ok: false, reason: 'credentials_in_url' });
    expect(checkUrl(`https://example.com/${'a'.repeat(MAX_URL_LENGTH)}`)).toMatchObject({ ok: false, reason: 'url_too_long' });
    for (const host of ['localhost', 'LOCALHOST.', 'a.localhost', 'printer.local']) {
      expect(checkUrl(`http://${host}/`), host).toMatchObject({ ok: false, reason: 'local_name' });
    }
  });

  it('passes a public name for the fetcher to resolve, with its port', () => {
    expect(checkUrl('https://Example.COM./a?b')).toMatchObject({ ok: true, host: 'example.com', port: 443, ip: null });
    expect(checkUrl('http://example.com:8080/')).toMatchObject({ ok: true, port: 8080 });
  });

  it('allows a loopback origin only at the exact allowlisted host:port (tests only)', () => {
    const allow = ['127.0.0.1:4000', '[::1]:4000'];
    expect(checkUrl('http://127.0.0.1:4000/', { allow }).ok).toBe(true);
    expect(checkUrl('http://[::1]:4000/', { allow }).ok).toBe(true);
    expect(checkUrl('http://127.0.0.1:4001/', { allow }).ok).toBe(false);
    expect(checkUrl('http://127.0.0.2:4000/', { allow }).ok).toBe(false);
    expect(checkAddress('127.0.0.1', 4000, { allow }).ok).toBe(true);
    expect(checkAddress('10.0.0.1', 4000, { allow }).ok).toBe(false);
    expect(checkAddress('not-an-ip', 80).ok).toBe(false);
  });
});

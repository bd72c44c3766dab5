// The address guard for a provider that fetches in a browser (pure, no node:net): a browser cannot resolve a name
// before it connects, so only the URL is checked — http(s), no credentials, an IP literal must be public (the same
// ranges as address-guard.ts, checked without BlockList), and names that are local by convention are refused.
// A public name that resolves to a private address is left to CORS (a private service must answer CORS for this
// origin to be readable) and to the browser's Private Network Access rules; docs/proxy.md says so.
import type { GuardRefusal } from './address-guard.ts';

/** The Node guard's limit (address-guard.ts MAX_URL_LENGTH), repeated: that file needs node:net. */
export const MAX_BROWSER_URL_LENGTH = 8192;

export type BrowserUrlCheck =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly reason: GuardRefusal; readonly detail: string };

// IPv4 ranges that are not the public internet: [first address as a number, prefix length] (address-guard.ts).
const V4_NOT_PUBLIC: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];

/** Host names that never reach the public DNS (RFC 6761 localhost, mDNS .local, RFC 8375 home.arpa, .internal). */
const LOCAL_SUFFIXES = ['.localhost', '.local', '.home.arpa', '.internal', '.lan'];

function v4Number(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return parts.reduce((n, p) => n * 256 + p, 0);
}

function inV4(n: number, net: string, prefix: number): boolean {
  const base = v4Number(net) as number;
  const size = 2 ** (32 - prefix);
  return n >= base && n < base + size;
}

/** The eight groups of an IPv6 literal, or null when it is not one. */
function v6Groups(ip: string): number[] | null {
  let text = ip.toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(text) || !text.includes(':')) return null;
  const tail: number[] = [];
  if (text.includes('.')) {
    const cut = text.lastIndexOf(':');
    const n = v4Number(text.slice(cut + 1));
    if (n === null) return null;
    tail.push(Math.floor(n / 65536), n % 65536);
    text = text.slice(0, cut + 1) + 'x';
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g === 'x') continue;
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (left === null || right === null) return null;
  const fill = 8 - left.length - right.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  return [...left, ...Array<number>(fill).fill(0), ...right, ...tail];
}

function embeddedV4(g: readonly number[]): number | null {
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  const v4 = (hi: number, lo: number): number => hi * 65536 + lo;
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6] ?? 0, g[7] ?? 0);
  if (zeros(0, 6) && ((g[6] ?? 0) !== 0 || (g[7] ?? 0) > 1)) return v4(g[6] ?? 0, g[7] ?? 0);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6] ?? 0, g[7] ?? 0);
  if (g[0] === 0x2002) return v4(g[1] ?? 0, g[2] ?? 0);
  return null;
}

function publicV4(n: number): boolean {
  return !V4_NOT_PUBLIC.some(([net, prefix]) => inV4(n, net, prefix));
}

/** Whether `ip` (a bare IPv4 or IPv6 literal) is a public internet address; false for anything else. */
export function isPublicLiteral(ip: string): boolean {
  const n = v4Number(ip);
  if (n !== null) return publicV4(n);
  const g = v6Groups(ip);
  if (g === null) return false;
  const v4 = embeddedV4(g);
  if (v4 !== null) return publicV4(v4);
  const [a = 0, b = 0, c = 0] = g;
  if ((a & 0xe000) !== 0x2000) return false; // only 2000::/3 is global unicast
  if (a === 0x2001 && (b === 0 || b === 0xdb8 || (b & 0xfff0) === 0x10 || (b === 2 && c === 0))) return false;
  return true;
}

/** Whether the browser provider may fetch `input`: checked before any request; `allow` (`host:port`) is for tests only. */
export function checkBrowserUrl(input: string, allow: readonly string[] = []): BrowserUrlCheck {
  if (input.length > MAX_BROWSER_URL_LENGTH) return { ok: false, reason: 'url_too_long', detail: `${input.length} characters` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: 'malformed_url', detail: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'scheme_not_allowed', detail: url.protocol };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'credentials_in_url', detail: 'user:password@ in the URL' };
  if (allow.includes(url.host)) return { ok: true, url };
  const bare = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const host = bare.endsWith('.') ? bare.slice(0, -1) : bare;
  if (host === '') return { ok: false, reason: 'malformed_url', detail: 'no host' };
  if (v4Number(host) !== null || v6Groups(host) !== null) {
    return isPublicLiteral(host) ? { ok: true, url } : { ok: false, reason: 'address_not_public', detail: `${host} is not a public address` };
  }
  if (host === 'localhost' || !host.includes('.') || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return { ok: false, reason: 'local_name', detail: host };
  return { ok: true, url };
}

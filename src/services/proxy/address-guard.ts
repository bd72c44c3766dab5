// The paid proxy's address guard: decides whether a URL, and each address its host resolves to, may be fetched on
// a requester's behalf. A provider must never reach loopback, private, link-local, multicast or metadata addresses.
// No I/O here; it needs `node:net` (BlockList, isIP), so it runs in the Node provider only. The WHATWG URL parser
// normalises the odd IPv4 spellings (2130706433, 0177.0.0.1, 0x7f.0.0.1, 127.1) to dotted form before we look.
import { BlockList, isIP } from 'node:net';

/** Longest URL we accept: far above real pages, small enough that a hostile request costs nothing to parse. */
export const MAX_URL_LENGTH = 8192;

export type GuardRefusal =
  | 'malformed_url'
  | 'scheme_not_allowed'
  | 'credentials_in_url'
  | 'url_too_long'
  | 'local_name'
  | 'address_not_public';

export type UrlCheck =
  | { readonly ok: true; readonly url: URL; readonly host: string; readonly port: number; readonly ip: string | null }
  | { readonly ok: false; readonly reason: GuardRefusal; readonly detail: string };

export type AddressCheck = { readonly ok: true } | { readonly ok: false; readonly reason: 'address_not_public'; readonly detail: string };

export interface GuardOptions {
  /**
   * `host:port` pairs (`127.0.0.1:8080`, `[::1]:8080`) allowed although not public. FOR TESTS ONLY, so a test can
   * use a loopback origin: it must never be set in production, where it would let requesters reach the
   * provider's own network.
   */
  readonly allow?: readonly string[];
}

// Every IPv4 range that is not the public internet (RFC 6890 and its successors).
const V4_NOT_PUBLIC: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];

// IPv6 outside these is refused outright: only global unicast (2000::/3) is the public internet.
const V6_GLOBAL: readonly [string, number] = ['2000::', 3];
// Inside global unicast, ranges that are not public or that tunnel to an address we cannot see.
const V6_NOT_PUBLIC: ReadonlyArray<readonly [string, number]> = [
  ['2001::', 32], // Teredo: the embedded IPv4 is obfuscated, refuse the lot
  ['2001:db8::', 32], // documentation
  ['2001:10::', 28], // ORCHID
  ['2001:2::', 48], // benchmarking
];

const v4Blocked = new BlockList();
for (const [net, prefix] of V4_NOT_PUBLIC) v4Blocked.addSubnet(net, prefix, 'ipv4');
const v6Global = new BlockList();
v6Global.addSubnet(V6_GLOBAL[0], V6_GLOBAL[1], 'ipv6');
const v6Blocked = new BlockList();
for (const [net, prefix] of V6_NOT_PUBLIC) v6Blocked.addSubnet(net, prefix, 'ipv6');

/** The eight 16-bit groups of a valid IPv6 address (with or without an embedded dotted IPv4 tail). */
function groupsOf(ip: string): number[] {
  let text = ip.toLowerCase();
  const tail: number[] = [];
  const dotted = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = text.slice(dotted + 1).split('.').map(Number);
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    text = text.slice(0, dotted + 1) + '0';
  }
  const [head = '', rest] = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  if (tail.length) right.length ? right.pop() : left.pop();
  const fill = 8 - left.length - right.length - tail.length;
  return [...left, ...Array<number>(Math.max(0, fill)).fill(0), ...right, ...tail];
}

function v4From(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/**
 * The IPv4 address an IPv6 address carries and a router would deliver to: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002:AABB:CCDD::/16). Null when there is none.
 */
export function embeddedV4(ip: string): string | null {
  const g = groupsOf(ip);
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4From(g[6] ?? 0, g[7] ?? 0);
  if (zeros(0, 6) && ((g[6] ?? 0) !== 0 || (g[7] ?? 0) > 1)) return v4From(g[6] ?? 0, g[7] ?? 0);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4From(g[6] ?? 0, g[7] ?? 0);
  if (g[0] === 0x2002) return v4From(g[1] ?? 0, g[2] ?? 0);
  return null;
}

/** Whether `ip` (a bare IPv4 or IPv6 literal, no brackets) is an address of the public internet. */
export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return !v4Blocked.check(ip, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedV4(ip);
  if (v4 !== null) return isPublicAddress(v4);
  // ::, ::1, fc00::/7, fe80::/10, ff00::/8 and every other non-global block fall outside 2000::/3.
  return v6Global.check(ip, 'ipv6') && !v6Blocked.check(ip, 'ipv6');
}

function allowKey(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Whether a resolved address may be connected to on `port` (public, or allowlisted for a test). */
export function checkAddress(ip: string, port: number, options: GuardOptions = {}): AddressCheck {
  if (options.allow?.includes(allowKey(ip, port))) return { ok: true };
  if (isIP(ip) === 0) return { ok: false, reason: 'address_not_public', detail: `not an IP address: ${ip}` };
  if (!isPublicAddress(ip)) return { ok: false, reason: 'address_not_public', detail: `${ip} is not a public address` };
  return { ok: true };
}

const SCHEMES: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/**
 * Whether `input` may be fetched, before any DNS: an http(s) URL without credentials whose host is a public IP
 * literal or a name (a name's addresses are checked by the fetcher after resolution, with checkAddress).
 */
export function checkUrl(input: string, options: GuardOptions = {}): UrlCheck {
  if (input.length > MAX_URL_LENGTH) return { ok: false, reason: 'url_too_long', detail: `${input.length} characters` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: 'malformed_url', detail: 'not an absolute URL' };
  }
  const default_port = SCHEMES[url.protocol];
  if (default_port === undefined) return { ok: false, reason: 'scheme_not_allowed', detail: url.protocol };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'credentials_in_url', detail: 'user:password@ in the URL' };
  const bare = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const host = bare.endsWith('.') ? bare.slice(0, -1) : bare;
  if (host === '') return { ok: false, reason: 'malformed_url', detail: 'no host' };
  const port = url.port === '' ? default_port : Number(url.port);
  if (isIP(host) !== 0) {
    const verdict = checkAddress(host, port, options);
    if (!verdict.ok) return verdict;
    return { ok: true, url, host, port, ip: host };
  }
  // Names that resolve locally by convention (RFC 6761 localhost; mDNS .local) never reach the public DNS.
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) {
    return { ok: false, reason: 'local_name', detail: host };
  }
  return { ok: true, url, host, port, ip: null };
}

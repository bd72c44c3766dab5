// What a person sets for the proxy provider in this browser (pure): on/off and its limits — bytes per job and per
// day, the lowest price per KiB, the sites and file types served — read back from storage with every field checked,
// typed lists parsed with their errors worded, and turned into the provider host's ProviderLimits.
import type { Units } from '../../protocol/money.ts';
import type { ProviderLimits } from '../../services/proxy/job-request.ts';

export const MIB = 1024 * 1024;
/** Largest job a browser tab is let serve: the host checks it against each file's length. */
export const MAX_JOB_MIB = 4096;
export const MAX_DAY_MIB = 65_536;
/** Entries in each list; more is not a list a person typed. */
export const MAX_LIST_ENTRIES = 50;

export interface ProxyProviderSettings {
  readonly enabled: boolean;
  readonly max_job_mib: number;
  readonly max_day_mib: number;
  readonly min_price_units_per_kib: Units;
  /** Empty: any public site. */
  readonly allowed_hosts: readonly string[];
  /** Empty: any type. */
  readonly allowed_types: readonly string[];
}

export const DEFAULT_PROVIDER_SETTINGS: ProxyProviderSettings = {
  enabled: false, max_job_mib: 64, max_day_mib: 512, min_price_units_per_kib: 1n, allowed_hosts: [], allowed_types: [],
};

const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const TYPE = /^[a-z]+\/([a-z0-9][a-z0-9.+-]*|\*)$/;

export type ListParse = { readonly ok: true; readonly list: string[] } | { readonly ok: false; readonly error: string };

function parseList(text: string, pattern: RegExp, what: string): ListParse {
  const list = text.split(/[\s,]+/).map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (list.length > MAX_LIST_ENTRIES) return { ok: false, error: `At most ${MAX_LIST_ENTRIES} ${what}s.` };
  const bad = list.find((s) => !pattern.test(s));
  if (bad !== undefined) return { ok: false, error: `"${bad}" is not a ${what}.` };
  return { ok: true, list: [...new Set(list)] };
}

/** Sites typed by a person: host names (example.com), separated by commas or spaces. */
export function parseHosts(text: string): ListParse {
  return parseList(text, HOST, 'site name such as example.com');
}

/** File types typed by a person: image/png or image/*, separated by commas or spaces. */
export function parseTypes(text: string): ListParse {
  return parseList(text, TYPE, 'file type such as image/png or image/*');
}

/** A whole number of MiB from 1 to `max`, or null. */
export function parseMib(text: string, max: number): number | null {
  const n = Number(text.trim());
  return Number.isSafeInteger(n) && n >= 1 && n <= max ? n : null;
}

/** The stored settings, each field checked; anything unusable falls back to its default (and `enabled` to off). */
export function parseProviderSettings(value: unknown): ProxyProviderSettings {
  if (typeof value !== 'object' || value === null) return DEFAULT_PROVIDER_SETTINGS;
  const r = value as Record<string, unknown>;
  const d = DEFAULT_PROVIDER_SETTINGS;
  const mib = (v: unknown, max: number, fallback: number) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= max ? v : fallback);
  const list = (v: unknown, parse: (t: string) => ListParse) => {
    // Each stored entry must be exactly one valid entry; one that is not spoils the list (it was not written by us).
    const one = (x: unknown): boolean => {
      if (typeof x !== 'string') return false;
      const p = parse(x);
      return p.ok && p.list.length === 1 && p.list[0] === x;
    };
    return Array.isArray(v) && v.length <= MAX_LIST_ENTRIES && v.every(one) ? [...(v as string[])] : [];
  };
  const price = typeof r.min_price_units_per_kib === 'string' && /^\d{1,20}$/.test(r.min_price_units_per_kib) ? BigInt(r.min_price_units_per_kib) : d.min_price_units_per_kib;
  return {
    enabled: r.enabled === true,
    max_job_mib: mib(r.max_job_mib, MAX_JOB_MIB, d.max_job_mib),
    max_day_mib: mib(r.max_day_mib, MAX_DAY_MIB, d.max_day_mib),
    min_price_units_per_kib: price > 0n ? price : d.min_price_units_per_kib,
    allowed_hosts: list(r.allowed_hosts, parseHosts),
    allowed_types: list(r.allowed_types, parseTypes),
  };
}

export function serializeProviderSettings(s: ProxyProviderSettings): Record<string, unknown> {
  // Plain copies: the app's state hands in reactive proxies, which IndexedDB cannot clone.
  return {
    enabled: s.enabled, max_job_mib: s.max_job_mib, max_day_mib: s.max_day_mib, min_price_units_per_kib: s.min_price_units_per_kib.toString(),
    allowed_hosts: [...s.allowed_hosts], allowed_types: [...s.allowed_types],
  };
}

export function toProviderLimits(s: ProxyProviderSettings): ProviderLimits {
  return {
    price_units_per_kib: s.min_price_units_per_kib, max_job_bytes: s.max_job_mib * MIB, max_day_bytes: s.max_day_mib * MIB,
    allowed_hosts: s.allowed_hosts.length === 0 ? null : s.allowed_hosts, allowed_content_types: s.allowed_types.length === 0 ? null : s.allowed_types,
  };
}

// What a person sets for earn mode in this browser (pure): on/off, the storage budget lent to other people's content,
// an upload limit, and which content is acceptable (any, or only files whose web seed is on listed origins); read
// back from storage with every field checked, and turned into the shared loop's settings and the peer's upload cap.
import type { AcceptPolicy } from '../../protocol/earn-plan.ts';
import { UNLIMITED_UPLOAD_BYTES_PER_S, type EarnLoopSettings } from '../../services/earn/earn-loop.ts';
import type { PeerSettings } from '../peer/peer-api.ts';

export const MIB = 1024 * 1024;
/** Largest budget a person can type: a browser's storage quota is a share of the disk, rarely more than this. */
export const MAX_BUDGET_MIB = 262_144;
/** Same bound as the app's own upload limit field. */
export const MAX_EARN_UPLOAD_KIB_S = 1_000_000;
/** Origins in the acceptable-content list; more is not a list a person typed. */
export const MAX_ORIGINS = 50;

export interface EarnSettings {
  readonly enabled: boolean;
  readonly budget_mib: number;
  /** Upload cap over every torrent while earn mode is on, KiB/s; null: none of earn mode's own. */
  readonly upload_limit_kib_s: number | null;
  readonly accept: 'any' | 'listed';
  /** Web seed origins accepted when `accept` is 'listed' (https://example.com). */
  readonly origins: readonly string[];
}

export const DEFAULT_EARN_SETTINGS: EarnSettings = { enabled: false, budget_mib: 1024, upload_limit_kib_s: null, accept: 'any', origins: [] };

export type OriginsParse = { readonly ok: true; readonly origins: string[] } | { readonly ok: false; readonly error: string };

/** Origins typed by a person (https://cdn.example.com, separated by commas or spaces), each reduced to its origin. */
export function parseOrigins(text: string): OriginsParse {
  const items = text.split(/[\s,]+/).map((s) => s.trim()).filter((s) => s !== '');
  if (items.length > MAX_ORIGINS) return { ok: false, error: `At most ${MAX_ORIGINS} sites.` };
  const origins: string[] = [];
  for (const item of items) {
    const url = URL.canParse(item) ? new URL(item) : null;
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') return { ok: false, error: `"${item}" is not a site address such as https://example.com.` };
    origins.push(url.origin);
  }
  return { ok: true, origins: [...new Set(origins)] };
}

/** A whole number from 1 to `max`, or null. */
export function parseWhole(text: string, max: number): number | null {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isSafeInteger(n) && n >= 1 && n <= max ? n : null;
}

/** The stored settings, each field checked; anything unusable falls back to its default (and `enabled` to off). */
export function parseEarnSettings(value: unknown): EarnSettings {
  if (typeof value !== 'object' || value === null) return DEFAULT_EARN_SETTINGS;
  const r = value as Record<string, unknown>;
  const d = DEFAULT_EARN_SETTINGS;
  const whole = (v: unknown, max: number) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= max ? v : null);
  const origins = Array.isArray(r.origins) && r.origins.every((o) => typeof o === 'string') ? parseOrigins((r.origins as string[]).join(' ')) : null;
  const stored = origins?.ok && origins.origins.length === (r.origins as string[]).length ? origins.origins : [];
  return {
    enabled: r.enabled === true,
    budget_mib: whole(r.budget_mib, MAX_BUDGET_MIB) ?? d.budget_mib,
    upload_limit_kib_s: whole(r.upload_limit_kib_s, MAX_EARN_UPLOAD_KIB_S),
    accept: r.accept === 'listed' && stored.length > 0 ? 'listed' : 'any',
    origins: stored,
  };
}

export function serializeEarnSettings(s: EarnSettings): Record<string, unknown> {
  // Plain copies: the app's state hands in reactive proxies, which IndexedDB cannot clone.
  return { enabled: s.enabled, budget_mib: s.budget_mib, upload_limit_kib_s: s.upload_limit_kib_s, accept: s.accept, origins: [...s.origins] };
}

export function acceptPolicy(s: EarnSettings): AcceptPolicy {
  return s.accept === 'listed' ? { kind: 'listed', origins: [...s.origins], info_hashes: [] } : { kind: 'any' };
}

/** The shared loop's settings; `server` is the app's own origin (board, catalogue). */
export function toLoopSettings(s: EarnSettings, server: string): EarnLoopSettings {
  return {
    server,
    budget_bytes: s.budget_mib * MIB,
    upload_limit_bytes_per_s: s.upload_limit_kib_s === null ? UNLIMITED_UPLOAD_BYTES_PER_S : s.upload_limit_kib_s * 1024,
    accept: acceptPolicy(s),
  };
}

/** The peer's settings with earn mode's upload limit applied while it is on (the lower of the two limits holds). */
export function withEarnUploadLimit(peer: PeerSettings, s: EarnSettings): PeerSettings {
  if (!s.enabled || s.upload_limit_kib_s === null) return peer;
  const earn = s.upload_limit_kib_s * 1024;
  return { ...peer, upload_limit_bytes_per_s: peer.upload_limit_bytes_per_s === null ? earn : Math.min(peer.upload_limit_bytes_per_s, earn) };
}

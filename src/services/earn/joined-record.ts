// What earn mode joined, read back from storage (pure): entries keyed by lowercase hex info hash with every field
// checked; an entry that is not one the loop wrote is left out (its torrent then counts as the user's own, which earn
// mode never removes: the safe side). The app reads IndexedDB through this.
import type { JoinedRecord, JoinedTorrent } from './earn-loop.ts';

/** More entries than earn mode ever holds at once (MAX_EARN_TORRENTS) times a margin: not a record it wrote. */
export const MAX_JOINED_ENTRIES = 256;
const INFO_HASH = /^[0-9a-f]{40}$/;
/** Longest `why` kept (explain() writes about 120 characters). */
const MAX_WHY_CHARS = 500;

function entry(value: unknown): JoinedTorrent | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Record<string, unknown>;
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (typeof r.name !== 'string' || !count(r.length_bytes) || !count(r.joined_at_ms) || !count(r.last_demand_ms)) return null;
  if (typeof r.estimate_units !== 'string' || !/^\d{1,30}$/.test(r.estimate_units)) return null;
  const out: JoinedTorrent = {
    name: r.name, length_bytes: r.length_bytes as number, joined_at_ms: r.joined_at_ms as number, last_demand_ms: r.last_demand_ms as number,
    estimate_units: r.estimate_units,
  };
  if (typeof r.why === 'string' && r.why.length <= MAX_WHY_CHARS) out.why = r.why;
  return out;
}

export function parseJoinedRecord(value: unknown): JoinedRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: JoinedRecord = {};
  for (const [info_hash, raw] of Object.entries(value).slice(0, MAX_JOINED_ENTRIES)) {
    const e = INFO_HASH.test(info_hash) ? entry(raw) : null;
    if (e) out[info_hash] = e;
  }
  return out;
}

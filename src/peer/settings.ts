// The peer's default settings: the one home of every default, from the UI down to the choker (client.ts re-exports
// them for the app; a Node peer reads them through host.ts without loading the browser client).
import type { SpeedSettings } from './rpc-schema.ts';

/** Spend caps a new user starts with (the app's Settings show and change them): 50 BTT per torrent, 200 BTT a day. */
export const DEFAULT_TORRENT_CAP_UNITS = 50_000_000n;
export const DEFAULT_DAY_CAP_UNITS = 200_000_000n;

/** The peer's settings when nothing else is said: the one home of every default, from the UI down to the choker. */
export const DEFAULT_SPEED_SETTINGS: SpeedSettings = {
  bidding: true,
  spending_rate_ppm: 1_000_000n,
  max_price_units_per_kib: null,
  reserve_units_per_kib: 1n,
  regular_slots: 4,
  tit_for_tat_slots: 1,
  choke_round_ms: 10_000,
  torrent_cap_units: DEFAULT_TORRENT_CAP_UNITS,
  day_cap_units: DEFAULT_DAY_CAP_UNITS,
  providing: true,
  upload_limit_bytes_per_s: null,
};

// Earn mode's terminal shell for `npm run seed -- --earn` (docs/cdn-links.md §3): the loop itself is
// src/services/earn/earn-loop.ts (shared with the app); here it keeps what it joined in <profile>/earn.json and
// prints its lines. The Node peer's EarnPeer adapter is in seed.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AcceptPolicy } from '../protocol/earn-plan.ts';
import { EarnLoop as SharedEarnLoop, type JoinedRecord, type EarnPeer } from '../services/earn/earn-loop.ts';

export type { EarnPeer, EarnStatus } from '../services/earn/earn-loop.ts';

export interface EarnOptions {
  server: string;
  profile: string;
  budget_bytes: number;
  upload_limit_bytes_per_s: number;
  accept: AcceptPolicy;
  poll_s: number;
}

function load(file: string): JoinedRecord {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JoinedRecord;
  } catch {
    return {};
  }
}

/** The shared loop with the profile's earn.json as its record of what earn mode joined. */
export class EarnLoop extends SharedEarnLoop {
  constructor(peer: EarnPeer, o: EarnOptions, log: (line: string) => void) {
    const file = join(o.profile, 'earn.json');
    super(
      { server: o.server, budget_bytes: o.budget_bytes, upload_limit_bytes_per_s: o.upload_limit_bytes_per_s, accept: o.accept },
      { peer, joined: load(file), save: (joined) => writeFileSync(file, JSON.stringify(joined, null, 1)), log },
    );
  }
}

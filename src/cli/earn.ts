// Earn mode's shell for `npm run seed -- --earn` (docs/cdn-links.md §3): polls the demand board, looks torrents up in
// the CDN catalogue, lets planEarn choose, joins (metadata from the catalogue, pieces from peers and the web seed),
// serves through the normal Speed auction, drops faded ones, and prints why it chose each and what each earned.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { TorrentDemand } from '../protocol/demand-summary.ts';
import { explain, planEarn, type AcceptPolicy, type EarnCandidate, type Estimate, type HeldTorrent } from '../protocol/earn-plan.ts';
import { formatBtt } from '../protocol/money.ts';

/** Board entries looked up in the catalogue per poll (the board lists the best-paying first). */
export const MAX_LOOKUPS_PER_POLL = 50;
/** A torrent the catalogue does not know is asked about again after this long. */
const MISSING_RETRY_MS = 60_000;
/** Each HTTP read of the board or the catalogue gives up after this long. */
const FETCH_TIMEOUT_MS = 5_000;
/** Joining waits this long for metadata (from the catalogue's .torrent, else from peers). */
const JOIN_TIMEOUT_MS = 60_000;

export interface EarnOptions {
  server: string;
  profile: string;
  budget_bytes: number;
  upload_limit_bytes_per_s: number;
  accept: AcceptPolicy;
  poll_s: number;
}

interface CatalogueEntry {
  info_hash: string;
  name: string;
  length_bytes: number;
  web_seeds: string[];
  magnet: string;
}

/** What earn mode joined (persisted in the profile: everything else the peer holds is the user's own). */
interface Joined {
  name: string;
  length_bytes: number;
  joined_at_ms: number;
  last_demand_ms: number;
  estimate_units: string;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const btt = (units: string | bigint) => `${formatBtt(BigInt(units))} BTT`;

async function getJson<T>(url: string): Promise<{ status: number; json: T | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  return { status: response.status, json: response.ok ? ((await response.json()) as T) : null };
}

export class EarnLoop {
  readonly #page: Page;
  readonly #o: EarnOptions;
  readonly #log: (line: string) => void;
  readonly #file: string;
  readonly #joined: Map<string, Joined>;
  readonly #catalogue = new Map<string, { entry: CatalogueEntry | null; at_ms: number }>();
  #busy = false;

  constructor(page: Page, o: EarnOptions, log: (line: string) => void) {
    this.#page = page;
    this.#o = o;
    this.#log = log;
    this.#file = join(o.profile, 'earn.json');
    this.#joined = new Map(Object.entries(this.#load()));
  }

  #load(): Record<string, Joined> {
    try {
      return JSON.parse(readFileSync(this.#file, 'utf8')) as Record<string, Joined>;
    } catch {
      return {};
    }
  }

  #save(): void {
    writeFileSync(this.#file, JSON.stringify(Object.fromEntries(this.#joined), null, 1));
  }

  async #entry(info_hash: string, now_ms: number): Promise<CatalogueEntry | null> {
    const cached = this.#catalogue.get(info_hash);
    if (cached && (cached.entry || now_ms - cached.at_ms < MISSING_RETRY_MS)) return cached.entry;
    const { json } = await getJson<CatalogueEntry>(`${this.#o.server}/cdn/${info_hash}`);
    this.#catalogue.set(info_hash, { entry: json, at_ms: now_ms });
    return json;
  }

  /** One poll: read the board, plan, act. Overlapping calls are skipped (a slow join must not stack). */
  async tick(now_ms = Date.now()): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const { json: board } = await getJson<{ torrents: TorrentDemand[] }>(`${this.#o.server}/board`);
      const demands = (board?.torrents ?? []).slice(0, MAX_LOOKUPS_PER_POLL);
      const candidates: EarnCandidate[] = [];
      const entries = new Map<string, CatalogueEntry>();
      for (const demand of demands) {
        const entry = await this.#entry(demand.info_hash, now_ms);
        if (!entry) continue;
        entries.set(demand.info_hash, entry);
        candidates.push({ demand, length_bytes: entry.length_bytes, web_seeds: entry.web_seeds });
        const held = this.#joined.get(demand.info_hash);
        if (held && BigInt(demand.demand_units) > 0n) held.last_demand_ms = now_ms;
      }
      const torrents = await this.#page.evaluate(() => window.seedpayLab.list());
      const held: HeldTorrent[] = torrents.map((t) => {
        const joined = this.#joined.get(t.info_hash);
        return { info_hash: t.info_hash, length_bytes: t.length, own: !joined, last_demand_ms: joined?.last_demand_ms ?? 0 };
      });
      const plan = planEarn(candidates, held, {
        storage_budget_bytes: this.#o.budget_bytes,
        upload_limit_bytes_per_s: this.#o.upload_limit_bytes_per_s,
        accept: this.#o.accept,
      }, now_ms);
      for (const drop of plan.drop) await this.#drop(drop.info_hash, drop.reason);
      for (const e of plan.join) await this.#join(e, entries.get(e.info_hash) as CatalogueEntry, now_ms);
      this.#save();
    } catch (error) {
      this.#log(`earn: poll failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.#busy = false;
    }
  }

  async #join(e: Estimate, entry: CatalogueEntry, now_ms: number): Promise<void> {
    this.#log(`earn: join ${entry.name} (${e.info_hash.slice(0, 12)}): ${explain(e)}`);
    try {
      await Promise.race([
        this.#page.evaluate((magnet) => window.seedpayLab.addMagnet(magnet, true, 'rarest_first'), entry.magnet),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no metadata in time')), JOIN_TIMEOUT_MS)),
      ]);
      this.#joined.set(e.info_hash, {
        name: entry.name,
        length_bytes: entry.length_bytes,
        joined_at_ms: now_ms,
        last_demand_ms: now_ms,
        estimate_units: String(e.expected_units),
      });
    } catch (error) {
      this.#log(`earn: could not join ${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async #drop(info_hash: string, reason: string): Promise<void> {
    const joined = this.#joined.get(info_hash);
    if (!joined) return; // planEarn never drops own torrents; this guards the shell too
    const s = await this.#page.evaluate((h) => window.seedpayLab.status(h), info_hash).catch(() => null);
    this.#log(`earn: drop ${joined.name} (${info_hash.slice(0, 12)}): ${reason}; it earned ${btt(s?.earned_units ?? '0')}, uploaded ${mib(s?.uploaded ?? 0)}`);
    await this.#page.evaluate((h) => window.seedpayLab.remove(h, true), info_hash).catch(() => undefined);
    this.#joined.delete(info_hash);
  }

  /** One line per earn-mode torrent: progress, upload and earnings against the estimate that chose it. */
  async status(): Promise<string[]> {
    const lines: string[] = [];
    for (const [info_hash, j] of this.#joined) {
      const s = await this.#page.evaluate((h) => window.seedpayLab.status(h), info_hash).catch(() => null);
      if (!s) continue;
      lines.push(`earn ${j.name}: ${Math.round(s.progress * 100)} %, ${s.num_peers} peer(s), uploaded ${mib(s.uploaded)}, ` +
        `earned ${btt(s.earned_units)} (estimated ${btt(j.estimate_units)})`);
    }
    return lines;
  }
}

// Earn mode's shell for `npm run seed -- --earn` (docs/cdn-links.md §3): polls the demand board, looks torrents up in
// the CDN catalogue, lets planEarn choose, joins (metadata from the catalogue, pieces from peers and the web seed),
// serves through the normal Speed auction, drops faded ones, and prints why it chose each and what each earned.
// It drives the peer through EarnPeer, four calls (the Node peer's adapter is in seed.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** What earn mode needs of the peer it runs on. */
export interface EarnPeer {
  /** Every torrent the peer holds (earn mode's and the user's own), with metadata. */
  list(): readonly { readonly info_hash: string; readonly length: number }[];
  /** Joins a magnet paid, fetching rarest first (to serve others); resolves once it has the metadata. */
  join(magnet: string, timeout_ms: number): Promise<void>;
  /** A torrent's figures, or null when the peer does not hold it (or has no metadata for it yet). */
  status(info_hash: string): EarnStatus | null;
  /** Drops a torrent and what it downloaded. */
  remove(info_hash: string): Promise<void>;
}

export interface EarnStatus {
  readonly progress: number;
  readonly num_peers: number;
  readonly uploaded: number;
  readonly earned_units: bigint;
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
  readonly #peer: EarnPeer;
  readonly #o: EarnOptions;
  readonly #log: (line: string) => void;
  readonly #file: string;
  readonly #joined: Map<string, Joined>;
  readonly #catalogue = new Map<string, { entry: CatalogueEntry | null; at_ms: number }>();
  #busy = false;

  constructor(peer: EarnPeer, o: EarnOptions, log: (line: string) => void) {
    this.#peer = peer;
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
      const held: HeldTorrent[] = this.#peer.list().map((t) => {
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
      await this.#peer.join(entry.magnet, JOIN_TIMEOUT_MS);
      this.#joined.set(e.info_hash, {
        name: entry.name,
        length_bytes: entry.length_bytes,
        joined_at_ms: now_ms,
        last_demand_ms: now_ms,
        estimate_units: String(e.expected_units),
      });
    } catch (error) {
      this.#log(`earn: could not join ${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
      // Nothing half-joined stays behind: a later poll may try again from scratch.
      await this.#peer.remove(e.info_hash).catch(() => undefined);
    }
  }

  async #drop(info_hash: string, reason: string): Promise<void> {
    const joined = this.#joined.get(info_hash);
    if (!joined) return; // planEarn never drops own torrents; this guards the shell too
    const s = this.#peer.status(info_hash);
    this.#log(`earn: drop ${joined.name} (${info_hash.slice(0, 12)}): ${reason}; it earned ${btt(s?.earned_units ?? 0n)}, uploaded ${mib(s?.uploaded ?? 0)}`);
    await this.#peer.remove(info_hash).catch((error: unknown) => this.#log(`earn: could not drop ${joined.name}: ${String(error)}`));
    this.#joined.delete(info_hash);
  }

  /** Whether earn mode joined this torrent (its lines are earn mode's; everything else is the user's own). */
  has(info_hash: string): boolean {
    return this.#joined.has(info_hash);
  }

  /** One line per earn-mode torrent: progress, upload and earnings against the estimate that chose it. */
  status(): string[] {
    const lines: string[] = [];
    for (const [info_hash, j] of this.#joined) {
      const s = this.#peer.status(info_hash);
      if (!s) continue;
      lines.push(`earn ${j.name}: ${Math.round(s.progress * 100)} %, ${s.num_peers} peer(s), uploaded ${mib(s.uploaded)}, ` +
        `earned ${btt(s.earned_units)} (estimated ${btt(j.estimate_units)})`);
    }
    return lines;
  }
}

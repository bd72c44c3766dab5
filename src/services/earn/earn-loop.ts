// Earn mode's loop, one implementation for both shells (`npm run seed -- --earn` and the app's Settings → Earn;
// docs/cdn-links.md §3): polls the demand board, looks torrents up in the CDN catalogue, lets planEarn choose, joins
// (metadata from the catalogue, pieces from peers and the web seed), drops faded ones, and says why it chose each,
// what each earned, and why nothing was joined when nothing was. The peer is reached through EarnPeer (four calls);
// what earn mode joined is handed in and saved through a port (a JSON file in the terminal, IndexedDB in the app).
import type { TorrentDemand } from '../../protocol/demand-summary.ts';
import { explain, planEarn, type AcceptPolicy, type EarnCandidate, type Estimate, type HeldTorrent } from '../../protocol/earn-plan.ts';
import { formatBtt } from '../../protocol/money.ts';
import { idleReason, type IdleReason } from './earn-idle.ts';

/** Board entries looked up in the catalogue per poll (the board lists the best-paying first). */
export const MAX_LOOKUPS_PER_POLL = 50;
/** A torrent the catalogue does not know is asked about again after this long. */
const MISSING_RETRY_MS = 60_000;
/** Each HTTP read of the board or the catalogue gives up after this long. */
const FETCH_TIMEOUT_MS = 5_000;
/** Joining waits this long for metadata (from the catalogue's .torrent, else from peers). */
export const JOIN_TIMEOUT_MS = 60_000;
/** Upload rate the planner assumes when the provider set no upload limit, bytes/s: above what a peer uploads here. */
export const UNLIMITED_UPLOAD_BYTES_PER_S = 100 * 1024 * 1024;

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

/** What earn mode joined (everything else the peer holds is the user's own). Stored as JSON by the shells. */
export interface JoinedTorrent {
  name: string;
  length_bytes: number;
  joined_at_ms: number;
  last_demand_ms: number;
  estimate_units: string;
  /** explain() of the estimate that chose it (absent in records written before it was kept). */
  why?: string;
}

export type JoinedRecord = Record<string, JoinedTorrent>;

export interface EarnLoopSettings {
  /** The Seedpay server (board at /board, catalogue at /cdn/<info hash>). */
  readonly server: string;
  readonly budget_bytes: number;
  readonly upload_limit_bytes_per_s: number;
  readonly accept: AcceptPolicy;
}

export interface EarnLoopPorts {
  readonly peer: EarnPeer;
  /** What earn mode joined before (loaded by the shell); the loop owns it from here. */
  readonly joined: JoinedRecord;
  /** Persists what earn mode joined after each poll (a failure is logged, the loop goes on). */
  readonly save: (joined: JoinedRecord) => void | Promise<void>;
  readonly log: (line: string) => void;
}

/** One earn-mode torrent as a person sees it: why it was chosen, and what it did since. */
export interface EarnTorrentReport {
  readonly info_hash: string;
  readonly name: string;
  readonly length_bytes: number;
  readonly why: string | null;
  readonly estimate_units: bigint;
  /** Null while the peer has no figures for it (joining, or gone). */
  readonly status: EarnStatus | null;
}

export interface EarnReport {
  readonly torrents: readonly EarnTorrentReport[];
  /** Why the last poll joined nothing (null: it joined something, or no poll yet). */
  readonly idle: IdleReason | null;
  readonly last_poll_ms: number | null;
}

interface CatalogueEntry {
  info_hash: string;
  name: string;
  length_bytes: number;
  web_seeds: string[];
  magnet: string;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const btt = (units: string | bigint) => `${formatBtt(BigInt(units))} BTT`;

async function getJson<T>(url: string): Promise<{ status: number; json: T | null }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  return { status: response.status, json: response.ok ? ((await response.json()) as T) : null };
}

export class EarnLoop {
  readonly #peer: EarnPeer;
  readonly #s: EarnLoopSettings;
  readonly #ports: EarnLoopPorts;
  readonly #joined: Map<string, JoinedTorrent>;
  readonly #catalogue = new Map<string, { entry: CatalogueEntry | null; at_ms: number }>();
  #busy = false;
  #idle: IdleReason | null = null;
  #last_poll_ms: number | null = null;

  constructor(settings: EarnLoopSettings, ports: EarnLoopPorts) {
    this.#peer = ports.peer;
    this.#s = settings;
    this.#ports = ports;
    this.#joined = new Map(Object.entries(ports.joined));
  }

  async #entry(info_hash: string, now_ms: number): Promise<CatalogueEntry | null> {
    const cached = this.#catalogue.get(info_hash);
    if (cached && (cached.entry || now_ms - cached.at_ms < MISSING_RETRY_MS)) return cached.entry;
    const { json } = await getJson<CatalogueEntry>(`${this.#s.server}/cdn/${info_hash}`);
    this.#catalogue.set(info_hash, { entry: json, at_ms: now_ms });
    return json;
  }

  /** One poll: read the board, plan, act. Overlapping calls are skipped (a slow join must not stack). */
  async tick(now_ms = Date.now()): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    let board_ok = false;
    try {
      const { json: board } = await getJson<{ torrents: TorrentDemand[] }>(`${this.#s.server}/board`);
      board_ok = Array.isArray(board?.torrents);
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
        storage_budget_bytes: this.#s.budget_bytes,
        upload_limit_bytes_per_s: this.#s.upload_limit_bytes_per_s,
        accept: this.#s.accept,
      }, now_ms);
      this.#idle = idleReason({ board_ok, demands, candidates, held, accept: this.#s.accept, plan });
      for (const drop of plan.drop) await this.#drop(drop.info_hash, drop.reason);
      for (const e of plan.join) await this.#join(e, entries.get(e.info_hash) as CatalogueEntry, now_ms);
      await this.#ports.save(Object.fromEntries(this.#joined));
    } catch (error) {
      if (!board_ok) this.#idle = 'board_unreachable';
      this.#ports.log(`earn: poll failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.#last_poll_ms = now_ms;
      this.#busy = false;
    }
  }

  async #join(e: Estimate, entry: CatalogueEntry, now_ms: number): Promise<void> {
    const why = explain(e);
    this.#ports.log(`earn: join ${entry.name} (${e.info_hash.slice(0, 12)}): ${why}`);
    try {
      await this.#peer.join(entry.magnet, JOIN_TIMEOUT_MS);
      this.#joined.set(e.info_hash, {
        name: entry.name,
        length_bytes: entry.length_bytes,
        joined_at_ms: now_ms,
        last_demand_ms: now_ms,
        estimate_units: String(e.expected_units),
        why,
      });
    } catch (error) {
      this.#ports.log(`earn: could not join ${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
      // Nothing half-joined stays behind: a later poll may try again from scratch.
      await this.#peer.remove(e.info_hash).catch(() => undefined);
    }
  }

  async #drop(info_hash: string, reason: string): Promise<void> {
    const joined = this.#joined.get(info_hash);
    if (!joined) return; // planEarn never drops own torrents; this guards the shell too
    const s = this.#peer.status(info_hash);
    this.#ports.log(`earn: drop ${joined.name} (${info_hash.slice(0, 12)}): ${reason}; it earned ${btt(s?.earned_units ?? 0n)}, uploaded ${mib(s?.uploaded ?? 0)}`);
    await this.#peer.remove(info_hash).catch((error: unknown) => this.#ports.log(`earn: could not drop ${joined.name}: ${String(error)}`));
    this.#joined.delete(info_hash);
  }

  /** Whether earn mode joined this torrent (its lines are earn mode's; everything else is the user's own). */
  has(info_hash: string): boolean {
    return this.#joined.has(info_hash);
  }

  /** Each earn-mode torrent with why it was chosen and its figures, and why the last poll joined nothing. */
  report(): EarnReport {
    const torrents = [...this.#joined].map(([info_hash, j]) => ({
      info_hash, name: j.name, length_bytes: j.length_bytes, why: j.why ?? null, estimate_units: BigInt(j.estimate_units), status: this.#peer.status(info_hash),
    }));
    return { torrents, idle: this.#idle, last_poll_ms: this.#last_poll_ms };
  }

  /** One line per earn-mode torrent: progress, upload and earnings against the estimate that chose it. */
  status(): string[] {
    const lines: string[] = [];
    for (const t of this.report().torrents) {
      const s = t.status;
      if (!s) continue;
      lines.push(`earn ${t.name}: ${Math.round(s.progress * 100)} %, ${s.num_peers} peer(s), uploaded ${mib(s.uploaded)}, ` +
        `earned ${btt(s.earned_units)} (estimated ${btt(t.estimate_units)})`);
    }
    return lines;
  }
}

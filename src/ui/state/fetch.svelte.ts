// "Fetch through a peer" as the screen sees it: the providers in the proxy's service swarm with their price and past
// reliability, the job's chunk map and spend, pause/resume, unfinished jobs kept in IndexedDB, and the finished file
// as a Blob URL. The protocol runs in src/services/proxy; the wire and the loop in src/ui/proxy/proxy-requester.ts.
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import { MoneyError, parseBtt, type Units } from '../../protocol/money.ts';
import { chunkCount, isComplete, type ProxyJob } from '../../services/proxy/chunk-plan.ts';
import { fromJSON } from '../../services/proxy/chunk-record.ts';
import { MAX_PARALLEL_PROVIDERS } from '../../services/proxy/parallel-plan.ts';
import { checkJobUrl, MAX_JOB_BYTES } from '../../services/proxy/job-request.ts';
import type { RequesterEffect, RequesterState } from '../../services/proxy/requester-session.ts';
import { LedgerClient } from '../../wallet/ledger-client.ts';
import { EMPTY_PROVIDER, IdbJobStore, type ProviderRecord } from '../proxy/job-store.ts';
import { BAD_CAP_MESSAGE, BAD_PRICE_MESSAGE, LOCKED_MESSAGE, NO_PROVIDER_MESSAGE, stopMessage, urlProblem } from '../proxy/messages.ts';
import { ProxyRequester, type FetchEnd } from '../proxy/proxy-requester.ts';
import { settings } from './settings.svelte.ts';
import { wallet } from './wallet.svelte.ts';

/** Cells of the chunk map: a large file's chunks are grouped so the map stays one readable strip. */
export const MAP_CELLS = 160;
/** The chunk map and counts are redrawn at most this often while chunks stream in. */
export const MAP_REFRESH_MS = 100;
/**
 * 128 KiB chunks: a 20 MiB file is 160 paid units. The protocol allows up to 4 MiB, but a chunk frame must fit one
 * WebRTC datachannel message, which Chromium caps at 256 KiB (a larger one closes the channel); 64 KiB is the default.
 */
export const FETCH_CHUNK_BYTES = 128 * 1024;

export type FetchPhase = 'idle' | 'connecting' | 'fetching' | 'paused' | 'done' | 'stopped';

export interface ProviderRow {
  readonly key: PublicKeyHex;
  readonly record: ProviderRecord;
}

export interface JobView {
  readonly url: string;
  readonly total_bytes: number;
  readonly chunks: number;
  readonly received: number;
  readonly paid: number;
  readonly spent_units: Units;
  readonly restarts: number;
  /** 0..1 per cell: the share of that cell's chunks that arrived. */
  readonly map: readonly number[];
}

function jobView(job: ProxyJob, spent_units: Units): JobView {
  const chunks = chunkCount(job);
  const cells = Math.min(MAP_CELLS, Math.max(1, chunks));
  const have = new Array<number>(cells).fill(0);
  const size = new Array<number>(cells).fill(0);
  let received = 0;
  let paid = 0;
  for (let i = 0; i < chunks; i++) {
    const cell = Math.floor((i * cells) / chunks);
    size[cell] = (size[cell] ?? 0) + 1;
    if (job.received.get(i)) {
      received++;
      have[cell] = (have[cell] ?? 0) + 1;
    }
    if (job.paid.get(i)) paid++;
  }
  return {
    url: job.url, total_bytes: job.total_length, chunks, received, paid, spent_units, restarts: job.restarts,
    map: have.map((h, i) => h / (size[i] || 1)),
  };
}

function fileName(url: string): string {
  const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? '';
  return decodeURIComponent(last).replace(/[^\w.\- ]/g, '_').slice(0, 120) || 'download';
}

class FetchState {
  #phase = $state<FetchPhase>('idle');
  #providers = $state<ProviderRow[]>([]);
  #chosen = $state<PublicKeyHex | null>(null);
  #job = $state<JobView | null>(null);
  #notice = $state<{ kind: 'error' | 'info'; text: string } | null>(null);
  #result = $state<{ href: string; name: string; bytes: number } | null>(null);
  #unfinished = $state<Array<{ url: string; view: JobView }>>([]);
  readonly #store = new IdbJobStore();
  #requester: ProxyRequester | null = null;
  #records = new Map<string, ProviderRecord>();
  #drawn_ms = 0;

  get phase(): FetchPhase { return this.#phase; }
  get providers(): readonly ProviderRow[] { return this.#providers; }
  get chosen(): PublicKeyHex | null { return this.#chosen; }
  get job(): JobView | null { return this.#job; }
  get notice(): { kind: 'error' | 'info'; text: string } | null { return this.#notice; }
  get result(): { href: string; name: string; bytes: number } | null { return this.#result; }
  get unfinished(): ReadonlyArray<{ url: string; view: JobView }> { return this.#unfinished; }
  get busy(): boolean { return this.#phase === 'connecting' || this.#phase === 'fetching'; }

  choose(key: PublicKeyHex | null): void {
    this.#chosen = key;
  }

  /** Reads the unfinished jobs and what this browser knows of providers; joins the swarm when the wallet is open. */
  async load(): Promise<void> {
    this.#records = await this.#store.providers();
    const list: Array<{ url: string; view: JobView }> = [];
    for (const { url, job } of await this.#store.jobs()) {
      const back = job.record ? fromJSON(job.record) : null;
      if (!back?.ok) continue;
      const view = jobView(back.job, /^\d{1,20}$/.test(job.spent_units) ? BigInt(job.spent_units) : 0n);
      if (view.received < view.chunks) list.push({ url, view });
    }
    this.#unfinished = list;
    // Joining early lists the providers before the first fetch; a failure here is reported by start().
    if (wallet.signer && !this.busy) await this.#ensure()?.join().catch(() => {});
  }

  /** Checks what was typed, then fetches until done, paused, capped or stopped. */
  async start(urlText: string, priceText: string, capText: string): Promise<void> {
    if (this.busy) return;
    this.#notice = null;
    const url = urlText.trim();
    const bad = checkJobUrl(url);
    if (bad) return void (this.#notice = { kind: 'error', text: urlProblem(bad) });
    const price = this.#amount(priceText, BAD_PRICE_MESSAGE);
    const cap = this.#amount(capText, BAD_CAP_MESSAGE);
    if (price === null || cap === null) return;
    const requester = this.#ensure();
    if (!requester) return void (this.#notice = { kind: 'error', text: LOCKED_MESSAGE });
    this.#revoke();
    this.#phase = 'connecting';
    // A URL fetched to the end before is fetched afresh (its bytes were freed when it was saved).
    const earlier = await this.#store.load(url);
    const back = earlier?.record ? fromJSON(earlier.record) : null;
    if (back?.ok && isComplete(back.job)) await this.#store.forget(url, chunkCount(back.job));
    try {
      await requester.join();
    } catch {
      return this.#stop('Could not reach the peers offering this service. Check the connection and try again.');
    }
    const terms = {
      chunk_size: FETCH_CHUNK_BYTES, max_price_units_per_kib: price, cap_units: cap, max_bytes: MAX_JOB_BYTES,
      day_cap_units: settings.current.day_cap_units ?? cap, day_spent_units: 0n,
    };
    const end = await requester.fetch(url, terms, (connected) => this.#pick(connected));
    await this.#finish(url, end);
  }

  async pause(): Promise<void> {
    await this.#requester?.pause();
  }

  async forget(url: string): Promise<void> {
    const entry = this.#unfinished.find((u) => u.url === url);
    if (entry) await this.#store.forget(url, entry.view.chunks);
    this.#unfinished = this.#unfinished.filter((u) => u.url !== url);
  }

  async #finish(url: string, end: FetchEnd): Promise<void> {
    this.#unfinished = this.#unfinished.filter((u) => u.url !== url);
    switch (end.kind) {
      case 'done': {
        const job = end.state.job as ProxyJob;
        const blob = await this.#store.readFile(url, chunkCount(job), 'application/octet-stream');
        if (!blob) return this.#stop('The file could not be read back from this browser\'s storage. Fetch it again.');
        this.#result = { href: URL.createObjectURL(blob), name: fileName(url), bytes: blob.size };
        await this.#store.dropChunks(url, chunkCount(job));
        this.#phase = 'done';
        const changed = job.restarts > 0 ? ' The file changed on the site during the fetch: this is its new version.' : '';
        this.#notice = { kind: 'info', text: `Fetched ${fileName(url)} through a peer.${changed}` };
        return;
      }
      case 'paused':
        this.#phase = 'paused';
        return;
      case 'no_provider': return this.#stop(NO_PROVIDER_MESSAGE);
      case 'too_many_drops': return this.#stop('The connection kept dropping. Resume later to fetch the chunks still missing.');
      case 'stopped': return this.#stop(stopMessage(end.stop));
    }
  }

  #stop(text: string): void {
    this.#phase = 'stopped';
    this.#notice = { kind: 'error', text };
  }

  #amount(text: string, message: string): Units | null {
    try {
      const units = parseBtt(text);
      if (units > 0n) return units;
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error;
    }
    this.#notice = { kind: 'error', text: message };
    return null;
  }

  /**
   * The provider the person chose, else the connected ones by their record, best first (the job is split between up
   * to MAX_PARALLEL_PROVIDERS of them); never one that lied to us.
   */
  #pick(connected: readonly PublicKeyHex[]): PublicKeyHex[] {
    const honest = connected.filter((k) => (this.#records.get(k)?.lied ?? 0) === 0);
    if (this.#chosen !== null) return honest.includes(this.#chosen) ? [this.#chosen] : [];
    const score = (k: PublicKeyHex) => {
      const r = this.#records.get(k) ?? EMPTY_PROVIDER;
      return (r.finished + 1) / (r.sessions + 2);
    };
    return [...honest].sort((a, b) => score(b) - score(a)).slice(0, MAX_PARALLEL_PROVIDERS);
  }

  #ensure(): ProxyRequester | null {
    if (this.#requester) return this.#requester;
    const signer = wallet.signer;
    if (!signer) return null;
    this.#requester = new ProxyRequester(signer, new LedgerClient({ baseUrl: `${location.origin}/ledger` }), this.#store, {
      providers: (keys) => void this.#refreshProviders(keys),
      effect: (fx, state) => this.#onEffect(fx, state),
      settled: (state) => {
        if (state.job !== null) this.#job = jobView(state.job, state.job_spent_units);
      },
    });
    // Locking the wallet stops paying at once: the fetch pauses and the swarm is left.
    const off = wallet.onSession((session) => {
      if (session !== null) return;
      off();
      this.#requester?.leave();
      this.#requester = null;
      this.#providers = [];
    });
    return this.#requester;
  }

  async #refreshProviders(keys: readonly PublicKeyHex[]): Promise<void> {
    this.#records = await this.#store.providers();
    this.#providers = keys.map((key) => ({ key, record: this.#records.get(key) ?? EMPTY_PROVIDER }));
  }

  #onEffect(fx: RequesterEffect, state: RequesterState): void {
    if (this.#phase === 'connecting' && (fx.type === 'store_chunk' || fx.type === 'open_channel')) this.#phase = 'fetching';
    if (fx.type === 'restarted') this.#notice = { kind: 'info', text: `The file changed on the site; fetching the new version (${fx.discarded_chunks} chunks discarded).` };
    if (fx.type === 'ban') this.#notice = { kind: 'error', text: stopMessage({ kind: 'lied', verdict: fx.verdict, index: 0 }) };
    // The map is rebuilt from the bitmaps (linear in the chunks), so at most every MAP_REFRESH_MS and at the end.
    const now = Date.now();
    const due = fx.type === 'restarted' || fx.type === 'finished' || now - this.#drawn_ms >= MAP_REFRESH_MS || this.#job === null;
    if (state.job !== null && due && (fx.type === 'store_chunk' || fx.type === 'pay' || fx.type === 'restarted' || fx.type === 'finished')) {
      this.#drawn_ms = now;
      this.#job = jobView(state.job, state.job_spent_units);
    }
    if (fx.type === 'ban' || fx.type === 'finished' || fx.type === 'open_channel') void this.#refreshProviders(this.#requester?.providers() ?? []);
  }

  #revoke(): void {
    if (this.#result) URL.revokeObjectURL(this.#result.href);
    this.#result = null;
    this.#job = null;
  }
}

export const fetchState = new FetchState();

// The proxy requester's resume state in IndexedDB (a ProxyJobStore for requester-client.ts): per URL the job record
// (bitmaps of chunks received and paid, validator), what it cost and the last signed payment to re-send; each chunk's
// bytes under [url, index]; and what this browser saw of each provider (price, sessions finished, dropped, lied).
import { createStore, del, delMany, entries, get, getMany, set, setMany, type UseStore } from 'idb-keyval';
import type { ProxyJobStore, StoredJob } from '../../services/proxy/requester-client.ts';

/** Separate databases: idb-keyval creates one object store per database. */
const JOBS_DB = 'seedpay-proxy-jobs';
const CHUNKS_DB = 'seedpay-proxy-chunks';
const PROVIDERS_DB = 'seedpay-proxy-providers';
/** A stored chunk larger than this is not one we wrote (MAX_CHUNK_BYTES of chunk-plan.ts). */
const MAX_STORED_CHUNK_BYTES = 4 * 1024 * 1024;

/** What this browser remembers of a provider: the basis of "past reliability" in the view. */
export interface ProviderRecord {
  readonly price_units_per_kib: string | null;
  readonly sessions: number;
  readonly finished: number;
  readonly dropped: number;
  readonly lied: number;
  readonly chunks: number;
}

export const EMPTY_PROVIDER: ProviderRecord = { price_units_per_kib: null, sessions: 0, finished: 0, dropped: 0, lied: 0, chunks: 0 };

function isStoredJob(v: unknown): v is StoredJob {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (r.record === null || typeof r.record === 'string') && typeof r.spent_units === 'string' && (r.resend === null || typeof r.resend === 'object');
}

function isProviderRecord(v: unknown): v is ProviderRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return ['sessions', 'finished', 'dropped', 'lied', 'chunks'].every((k) => Number.isSafeInteger(r[k])) &&
    (r.price_units_per_kib === null || (typeof r.price_units_per_kib === 'string' && /^\d{1,20}$/.test(r.price_units_per_kib)));
}

export class IdbJobStore implements ProxyJobStore {
  readonly #jobs: UseStore = createStore(JOBS_DB, 'jobs');
  readonly #chunks: UseStore = createStore(CHUNKS_DB, 'chunks');
  readonly #providers: UseStore = createStore(PROVIDERS_DB, 'providers');

  async load(url: string): Promise<StoredJob | null> {
    const v: unknown = await get(url, this.#jobs);
    return isStoredJob(v) ? v : null;
  }

  save(url: string, job: StoredJob): Promise<void> {
    return set(url, job, this.#jobs);
  }

  writeChunk(url: string, index: number, _offset: number, bytes: Uint8Array): Promise<void> {
    return set([url, index], bytes, this.#chunks);
  }

  /** Every job kept (finished or not), by URL. */
  async jobs(): Promise<Array<{ url: string; job: StoredJob }>> {
    const all = await entries(this.#jobs);
    return all.filter(([k, v]) => typeof k === 'string' && isStoredJob(v)).map(([k, v]) => ({ url: k as string, job: v as StoredJob }));
  }

  /** The file from its chunks, in order; null when one is missing or not what was written. */
  async readFile(url: string, chunk_count: number, type: string): Promise<Blob | null> {
    const keys = Array.from({ length: chunk_count }, (_, i) => [url, i]);
    const parts = await getMany(keys, this.#chunks);
    if (!parts.every((p) => p instanceof Uint8Array && p.length <= MAX_STORED_CHUNK_BYTES)) return null;
    return new Blob(parts as Uint8Array<ArrayBuffer>[], { type });
  }

  async forget(url: string, chunk_count: number): Promise<void> {
    await this.dropChunks(url, chunk_count);
    await del(url, this.#jobs);
  }

  /** Frees a finished file's bytes (the Blob holds them now); its record stays as the account of what was paid. */
  dropChunks(url: string, chunk_count: number): Promise<void> {
    return delMany(Array.from({ length: chunk_count }, (_, i) => [url, i]), this.#chunks);
  }

  async providers(): Promise<Map<string, ProviderRecord>> {
    const all = await entries(this.#providers);
    return new Map(all.filter(([k, v]) => typeof k === 'string' && isProviderRecord(v)).map(([k, v]) => [k as string, v as ProviderRecord]));
  }

  async updateProvider(key: string, change: (r: ProviderRecord) => ProviderRecord): Promise<ProviderRecord> {
    const v: unknown = await get(key, this.#providers);
    const next = change(isProviderRecord(v) ? v : EMPTY_PROVIDER);
    await setMany([[key, next]], this.#providers);
    return next;
  }
}

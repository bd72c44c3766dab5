// The paid proxy's chunk plan and resume state (pure: runs in the browser requester and in Node): one job is a URL
// cut into fixed-size chunks, with the validator (ETag / Last-Modified) the chunks must all come from and bitmaps of
// chunks received and paid. After a drop, a reload or a provider switch the requester asks for `missing()` only;
// `assign()` splits them between providers without overlap; a changed validator restarts the file and says so.
// Every transition returns a new job (the bitmaps are copied), so a stored record never changes under the caller.
import BitField from 'bitfield';

/** The default unit of service: one 64 KiB chunk is one metered, paid unit. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** Below 1 KiB the per-chunk payment and signature would outweigh the bytes. */
export const MIN_CHUNK_BYTES = 1024;
/** 4 MiB: a chunk must fit comfortably in one wire message and one retry. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
/** Chunks per job: 65,536 × 64 KiB = 4 GiB, and a bitmap of 8 KiB that stores cheaply in IndexedDB. */
export const MAX_CHUNKS = 65_536;
/** Longest URL a job stores (the Node guard uses the same figure). */
export const MAX_JOB_URL_LENGTH = 8192;
/** Longest ETag or Last-Modified we keep; real ones are tens of characters. */
export const MAX_VALIDATOR_LENGTH = 256;

/** What identifies one version of the resource. A job with neither cannot be resumed safely (If-Range needs one). */
export interface Validator {
  readonly etag: string | null;
  readonly last_modified: string | null;
}

export interface ProxyJob {
  readonly url: string;
  readonly validator: Validator;
  readonly chunk_size: number;
  readonly total_length: number;
  /** Bit i set: chunk i arrived and matched its signed hash. */
  readonly received: BitField;
  /** Bit i set: chunk i was paid for. Invariant: paid ⊆ received (no payment for what did not arrive). */
  readonly paid: BitField;
  /** How many times a changed validator restarted the file. */
  readonly restarts: number;
}

/** A run of consecutive chunks, first and last inclusive: one ranged request to a provider. */
export interface ChunkRun {
  readonly first: number;
  readonly last: number;
}

export type JobError = 'bad_url' | 'bad_chunk_size' | 'bad_total_length' | 'too_many_chunks' | 'bad_validator';

/** A header value we store: bounded printable ASCII, no control characters (it goes back out in If-Range). */
export function isValidatorText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_VALIDATOR_LENGTH && /^[\x20-\x7e]+$/.test(value);
}

export function isJobUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_JOB_URL_LENGTH) return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Why these job parameters are unusable, or null when they are fine. */
export function checkJobShape(url: unknown, chunk_size: unknown, total_length: unknown, validator: unknown): JobError | null {
  if (!isJobUrl(url)) return 'bad_url';
  if (!Number.isSafeInteger(chunk_size) || (chunk_size as number) < MIN_CHUNK_BYTES || (chunk_size as number) > MAX_CHUNK_BYTES) return 'bad_chunk_size';
  if (!Number.isSafeInteger(total_length) || (total_length as number) < 0) return 'bad_total_length';
  if (Math.ceil((total_length as number) / (chunk_size as number)) > MAX_CHUNKS) return 'too_many_chunks';
  if (typeof validator !== 'object' || validator === null) return 'bad_validator';
  const { etag, last_modified } = validator as Record<string, unknown>;
  if ((etag !== null && !isValidatorText(etag)) || (last_modified !== null && !isValidatorText(last_modified))) return 'bad_validator';
  return null;
}

export function createJob(url: string, validator: Validator, total_length: number, chunk_size = DEFAULT_CHUNK_BYTES):
  { readonly ok: true; readonly job: ProxyJob } | { readonly ok: false; readonly reason: JobError } {
  const error = checkJobShape(url, chunk_size, total_length, validator);
  if (error) return { ok: false, reason: error };
  const count = Math.ceil(total_length / chunk_size);
  const job: ProxyJob = {
    url, validator: { etag: validator.etag, last_modified: validator.last_modified }, chunk_size, total_length,
    received: new BitField(count), paid: new BitField(count), restarts: 0,
  };
  return { ok: true, job };
}

export function chunkCount(job: ProxyJob): number {
  return Math.ceil(job.total_length / job.chunk_size);
}

/** The bytes of chunk `index`, first and last inclusive (the last chunk may be short). */
export function chunkBytes(job: ProxyJob, index: number): { readonly start: number; readonly end: number } {
  assertIndex(job, index);
  const start = index * job.chunk_size;
  return { start, end: Math.min(start + job.chunk_size, job.total_length) - 1 };
}

/** The If-Range value for a resume: the strong ETag, else Last-Modified, else null (resume cannot be verified). */
export function ifRange(job: ProxyJob): string | null {
  const { etag, last_modified } = job.validator;
  if (etag !== null && !etag.startsWith('W/')) return etag;
  return last_modified;
}

/** Chunks not yet received, ascending. */
export function missing(job: ProxyJob): number[] {
  const out: number[] = [];
  for (let i = 0; i < chunkCount(job); i++) if (!job.received.get(i)) out.push(i);
  return out;
}

/** Chunks received but not yet paid, ascending. */
export function unpaid(job: ProxyJob): number[] {
  const out: number[] = [];
  for (let i = 0; i < chunkCount(job); i++) if (job.received.get(i) && !job.paid.get(i)) out.push(i);
  return out;
}

export function isComplete(job: ProxyJob): boolean {
  return missing(job).length === 0 && unpaid(job).length === 0;
}

/** Missing chunks, ascending, limited to `share` when one is given (a session of a job split between providers). */
export function missingIn(job: ProxyJob, share: ReadonlySet<number> | null): number[] {
  return share === null ? missing(job) : missing(job).filter((i) => share.has(i));
}

/** Every chunk of `share` (or of the file) received and paid. */
export function isCompleteIn(job: ProxyJob, share: ReadonlySet<number> | null): boolean {
  if (share === null) return isComplete(job);
  for (const i of share) if (!job.received.get(i) || !job.paid.get(i)) return false;
  return true;
}

/** Bytes of these chunks (the last one may be short). */
export function bytesOfChunks(job: ProxyJob, indices: Iterable<number>): number {
  let bytes = 0;
  for (const i of indices) {
    const { start, end } = chunkBytes(job, i);
    bytes += end - start + 1;
  }
  return bytes;
}

/** The same version of the resource: the validators agree and so does the length. */
export function sameJobVersion(a: ProxyJob, b: ProxyJob): boolean {
  return a.url === b.url && a.chunk_size === b.chunk_size && a.total_length === b.total_length && sameVersion(a.validator, b.validator);
}

/** Consecutive indices (ascending) as runs. */
export function toRuns(indices: readonly number[]): ChunkRun[] {
  const runs: ChunkRun[] = [];
  for (const i of indices) {
    const last = runs.at(-1);
    if (last && last.last === i - 1) runs[runs.length - 1] = { first: last.first, last: i };
    else runs.push({ first: i, last: i });
  }
  return runs;
}

/**
 * Splits the missing chunks not already in flight between `providers` (distinct ids): each gets one contiguous
 * share of the list (so its requests are long ranges), at most `max_per_provider` chunks, and no chunk goes to two.
 */
export function assign(job: ProxyJob, providers: readonly string[], in_flight: ReadonlySet<number> = new Set(), max_per_provider = MAX_CHUNKS):
  Map<string, ChunkRun[]> {
  if (new Set(providers).size !== providers.length) throw new Error('assign: provider ids must be distinct');
  const open = missing(job).filter((i) => !in_flight.has(i));
  const out = new Map<string, ChunkRun[]>();
  const share = providers.length === 0 ? 0 : Math.min(Math.ceil(open.length / providers.length), max_per_provider);
  providers.forEach((id, k) => out.set(id, toRuns(open.slice(k * share, (k + 1) * share))));
  return out;
}

function copy(bits: BitField): BitField {
  return new BitField(bits.buffer.slice());
}

function assertIndex(job: ProxyJob, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= chunkCount(job)) throw new Error(`chunk ${index} outside 0..${chunkCount(job) - 1}`);
}

export type ReceiveOutcome = 'received' | 'duplicate' | 'out_of_range';

/** Records that chunk `index` arrived (and matched its signed hash: the caller checks that first). */
export function receive(job: ProxyJob, index: number): { readonly job: ProxyJob; readonly outcome: ReceiveOutcome } {
  if (!Number.isInteger(index) || index < 0 || index >= chunkCount(job)) return { job, outcome: 'out_of_range' };
  if (job.received.get(index)) return { job, outcome: 'duplicate' };
  const received = copy(job.received);
  received.set(index);
  return { job: { ...job, received }, outcome: 'received' };
}

export type PayOutcome = 'paid' | 'already_paid' | 'not_received' | 'out_of_range';

/** Records that chunk `index` was paid for; refused for a chunk that did not arrive. */
export function pay(job: ProxyJob, index: number): { readonly job: ProxyJob; readonly outcome: PayOutcome } {
  if (!Number.isInteger(index) || index < 0 || index >= chunkCount(job)) return { job, outcome: 'out_of_range' };
  if (!job.received.get(index)) return { job, outcome: 'not_received' };
  if (job.paid.get(index)) return { job, outcome: 'already_paid' };
  const paid = copy(job.paid);
  paid.set(index);
  return { job: { ...job, paid }, outcome: 'paid' };
}

function sameVersion(a: Validator, b: Validator): boolean {
  // A strong ETag decides when both sides have one; otherwise both validators must be equal as given.
  if (a.etag !== null && b.etag !== null && !a.etag.startsWith('W/') && !b.etag.startsWith('W/')) return a.etag === b.etag;
  return a.etag === b.etag && a.last_modified === b.last_modified;
}

export type ValidatorChange =
  | { readonly restarted: false; readonly job: ProxyJob }
  | { readonly restarted: true; readonly job: ProxyJob; readonly discarded_chunks: number; readonly reason: string };

/**
 * What a response's validator and length mean for the job: the same version changes nothing; another version
 * (or another length) restarts the file with empty bitmaps, and the caller is told what was thrown away.
 */
export function onValidatorChanged(job: ProxyJob, next: Validator, total_length: number): ValidatorChange {
  if (sameVersion(job.validator, next) && total_length === job.total_length) return { restarted: false, job };
  const fresh = createJob(job.url, next, total_length, job.chunk_size);
  if (!fresh.ok) throw new Error(`onValidatorChanged: unusable new version (${fresh.reason})`);
  const discarded_chunks = chunkCount(job) - missing(job).length;
  const was = job.validator.etag ?? job.validator.last_modified ?? 'none';
  const now = next.etag ?? next.last_modified ?? 'none';
  const reason = total_length !== job.total_length && was === now
    ? `the length changed from ${job.total_length} to ${total_length} bytes`
    : `the resource changed (validator ${was} → ${now})`;
  return { restarted: true, job: { ...fresh.job, restarts: job.restarts + 1 }, discarded_chunks, reason };
}

// Reading and writing a job's stored resume state (pure), shared by the requester client's one-provider sessions and
// its split runs (parallel-run.ts): the job record and spend as loaded, a signed payment kept to re-send after a drop,
// and the `request` a new session of the job opens with (If-Range on the stored version).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Units } from '../../protocol/money.ts';
import { isChannelId, type SignedPaymentState } from '../../protocol/payment-state.ts';
import { ifRange, type ProxyJob } from './chunk-plan.ts';
import { fromJSON } from './chunk-record.ts';
import { isJobId, type JobId, type ProxyRequest } from './job-request.ts';
import type { JobTerms, ResendRecord, StoredJob } from './requester-client.ts';

/** The job and its spend from a stored record; a record that does not parse counts as no job (a fresh start). */
export function readStored(stored: StoredJob | null): { readonly job: ProxyJob | null; readonly spent_units: Units } {
  const loaded = stored?.record ? fromJSON(stored.record) : null;
  const job = loaded?.ok ? loaded.job : null;
  const spent_units = stored && /^\d{1,20}$/.test(stored.spent_units) ? BigInt(stored.spent_units) : 0n;
  return { job, spent_units };
}

export function resendFrom(r: ResendRecord | null | undefined): { job_id: JobId; payment: SignedPaymentState } | null {
  if (!r || !isJobId(r.job_id) || !isChannelId(r.channel_id) || !/^\d{1,20}$/.test(r.amount_units) || !/^\d{1,20}$/.test(r.seq) || !/^[0-9a-f]{128}$/.test(r.signature)) {
    return null;
  }
  return { job_id: r.job_id, payment: { channel_id: r.channel_id, amount_units: BigInt(r.amount_units), seq: BigInt(r.seq), signature: hexToBytes(r.signature) } };
}

export function toResendRecord(job_id: JobId, signed: SignedPaymentState): ResendRecord {
  return { job_id, channel_id: signed.channel_id, amount_units: signed.amount_units.toString(), seq: signed.seq.toString(), signature: bytesToHex(signed.signature) };
}

/** A session's opening request for `url`: the stored job's chunk size and If-Range, the user's terms. */
export function requestFor(job_id: JobId, url: string, job: ProxyJob | null, terms: JobTerms): ProxyRequest {
  return {
    job_id, url, chunk_size: job?.chunk_size ?? terms.chunk_size, max_price_units_per_kib: terms.max_price_units_per_kib, cap_units: terms.cap_units,
    max_bytes: terms.max_bytes, if_range: job === null ? null : ifRange(job),
  };
}

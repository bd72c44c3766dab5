// The proxy's foundations together, against a real loopback origin: a file fetched chunk by chunk with Range and
// If-Range, the job stored and reloaded (as after a dropped connection) every few chunks, the file changed
// mid-way (the plan restarts and says why), and the result's SHA-256 matching the origin's current file.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkBytes, createJob, ifRange, isComplete, missing, MIN_CHUNK_BYTES, onValidatorChanged, pay, receive, type ProxyJob } from '../../../src/services/proxy/chunk-plan.ts';
import { fromJSON, toJSON } from '../../../src/services/proxy/chunk-record.ts';
import { safeFetch, type FetchedBody } from '../../../src/services/proxy/safe-fetch.ts';
import { startOrigin, type Origin } from './origin.ts';

const CHUNK = 4 * MIN_CHUNK_BYTES;
const FIRST = new Uint8Array(20 * CHUNK + 123).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
const SECOND = FIRST.map((b) => b ^ 0x5a);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let origin: Origin;
let allow: string[];
beforeAll(async () => {
  origin = await startOrigin(FIRST, '"first"');
  allow = [origin.allow_entry];
});
afterAll(() => origin.close());

async function get(url: string, start: number, end: number, if_range: string | null): Promise<FetchedBody> {
  const r = await safeFetch(url, { allow, range: { start, end }, ...(if_range ? { if_range } : {}) });
  if (!r.ok) throw new Error(`fetch failed: ${r.reason}`);
  return r;
}

describe('resume over the safe fetch', () => {
  it('survives reloads every 3 chunks and a change of the file mid-way, fetching each chunk once per version', async () => {
    const url = `${origin.base}/file`;
    const head = await get(url, 0, CHUNK - 1, null);
    const made = createJob(url, { etag: head.etag, last_modified: head.last_modified }, head.total_length ?? -1, CHUNK);
    if (!made.ok) throw new Error(made.reason);
    let job: ProxyJob = made.job;
    // What the requester would keep next to the record in IndexedDB: the verified bytes of each chunk.
    let store = new Map<number, Uint8Array>();
    const fetched = new Map<string, number>();
    const restarts: string[] = [];
    let served = 0;
    while (missing(job).length) {
      const index = missing(job)[0] ?? 0;
      const { start, end } = chunkBytes(job, index);
      const r = await get(url, start, end, ifRange(job));
      const change = onValidatorChanged(job, { etag: r.etag, last_modified: r.last_modified }, r.total_length ?? -1);
      if (change.restarted) {
        restarts.push(change.reason);
        job = change.job;
        store = new Map();
        continue; // the 200 carried the whole new file; a provider would slice it, this test asks again by range
      }
      expect(r.status).toBe(206);
      expect(r.offset).toBe(start);
      store.set(index, r.body);
      job = pay(receive(job, index).job, index).job;
      const key = `${job.validator.etag}#${index}`;
      fetched.set(key, (fetched.get(key) ?? 0) + 1);
      served++;
      if (served === 9) origin.replace(SECOND, '"second"'); // the resource changes under the download
      if (served % 3 === 0) {
        const back = fromJSON(toJSON(job)); // a dropped connection and a reload
        if (!back.ok) throw new Error(back.reason);
        job = back.job;
      }
    }
    expect(isComplete(job)).toBe(true);
    expect(restarts).toEqual(['the resource changed (validator "first" → "second")']);
    expect(job.restarts).toBe(1);
    expect([...fetched.values()].every((n) => n === 1)).toBe(true);
    const file = new Uint8Array(job.total_length);
    for (const [index, bytes] of store) file.set(bytes, chunkBytes(job, index).start);
    expect(sha256(file)).toBe(sha256(SECOND));
    // Every ranged request after the first carried the job's validator in If-Range.
    const ranged = origin.requests.filter((r) => r.headers.range).slice(1);
    expect(ranged.every((r) => r.headers['if-range'] === '"first"' || r.headers['if-range'] === '"second"')).toBe(true);
  });
});

// The stored proxy job: round trips exactly, and a hostile or corrupt record is rejected with a result code
// (never a throw, never a half-loaded job).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createJob, MIN_CHUNK_BYTES, pay, receive, type ProxyJob } from '../../../src/services/proxy/chunk-plan.ts';
import { fromJSON, fromRecord, toJSON, toRecord, type JobRecord } from '../../../src/services/proxy/chunk-record.ts';

function job(chunks: number): ProxyJob {
  const made = createJob('https://example.com/f', { etag: '"e"', last_modified: null }, chunks * MIN_CHUNK_BYTES - 3, MIN_CHUNK_BYTES);
  if (!made.ok) throw new Error(made.reason);
  return made.job;
}

describe('chunk record', () => {
  it('round-trips any reachable job exactly', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 200 }), fc.uniqueArray(fc.nat(199)), fc.uniqueArray(fc.nat(199)), (chunks, got, paid) => {
      let j = job(chunks);
      for (const i of got) j = receive(j, i).job;
      for (const i of paid) j = pay(j, i).job;
      const back = fromJSON(toJSON(j));
      expect(back.ok).toBe(true);
      if (back.ok) expect(toRecord(back.job)).toEqual(toRecord(j));
    }), { numRuns: 200 });
  });

  it('rejects hostile records with a result code', () => {
    const good = toRecord(pay(receive(job(12), 2).job, 2).job); // 12 chunks: 2 bytes of bitmap
    const bad = (patch: Record<string, unknown>): unknown => ({ ...good, ...patch });
    const cases: Array<[unknown, string]> = [
      [null, 'not_an_object'], [[], 'not_an_object'], ['x', 'not_an_object'],
      [bad({ version: 2 }), 'bad_version'],
      [bad({ url: 'file:///etc/passwd' }), 'bad_url'], [bad({ url: 'x'.repeat(9000) }), 'bad_url'], [bad({ url: 7 }), 'bad_url'],
      [bad({ chunk_size: 0 }), 'bad_chunk_size'], [bad({ chunk_size: '1024' }), 'bad_chunk_size'], [bad({ chunk_size: 1e12 }), 'bad_chunk_size'],
      [bad({ total_length: -1 }), 'bad_total_length'], [bad({ total_length: 1e300 }), 'bad_total_length'],
      [bad({ total_length: 2 ** 40 }), 'too_many_chunks'],
      [bad({ etag: '"a"\nset-cookie: x' }), 'bad_validator'], [bad({ etag: undefined }), 'bad_validator'], [bad({ last_modified: 5 }), 'bad_validator'],
      [bad({ restarts: -1 }), 'bad_restarts'], [bad({ restarts: 0.5 }), 'bad_restarts'],
      [bad({ received: '20' }), 'bad_bitmap'], // one byte for 12 chunks
      [bad({ received: '2000ff' }), 'bad_bitmap'], // three bytes
      [bad({ received: '200f' }), 'bad_bitmap'], // bits set past chunk 11
      [bad({ received: 'zz00' }), 'bad_bitmap'], [bad({ paid: 42 }), 'bad_bitmap'],
      [bad({ received: '0000' }), 'paid_not_received'], // chunk 2 paid but not received
    ];
    for (const [record, reason] of cases) expect(fromRecord(record), JSON.stringify(record)?.slice(0, 80)).toEqual({ ok: false, reason });
    expect(fromJSON('{"version":')).toEqual({ ok: false, reason: 'bad_json' });
    expect(fromRecord(good).ok).toBe(true);
  });

  it('never throws on arbitrary input, and a field-by-field fuzzed record never loads a broken job', () => {
    fc.assert(fc.property(fc.anything(), (value) => { expect(fromRecord(value).ok).toBe(false); }), { numRuns: 300 });
    const good: JobRecord = toRecord(job(20));
    const field = fc.constantFrom(...(Object.keys(good) as Array<keyof JobRecord>));
    fc.assert(fc.property(field, fc.anything(), (key, value) => {
      const result = fromRecord({ ...good, [key]: value });
      // If it loads, it is a consistent job whose record reads back unchanged.
      if (result.ok) expect(fromRecord(toRecord(result.job))).toEqual(result);
    }), { numRuns: 500 });
  });
});

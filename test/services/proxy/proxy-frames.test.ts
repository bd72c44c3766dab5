// The proxy's frame codec and chunk proofs: every frame round-trips, every frame type has its bad inputs refused with
// a named error (never a throw), a chunk cut short decodes as `truncated`, and a chunk proof fails on any change.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChannelId } from '../../../src/protocol/payment-state.ts';
import { checkChunk, signChunk } from '../../../src/services/proxy/chunk-proof.ts';
import type { ProxyRequest } from '../../../src/services/proxy/job-request.ts';
import { decodeFrame, encodeFrame, MAX_CONTROL_FRAME_BYTES, type ProxyFrame } from '../../../src/services/proxy/proxy-frames.ts';
import { jobId, party } from './proxy-harness.ts';

const JOB = jobId(1);
const CHANNEL = 'ab'.repeat(32) as ChannelId;
const provider = party(2);
const REQUEST: ProxyRequest = {
  job_id: JOB, url: 'https://example.com/a', chunk_size: 65536, max_price_units_per_kib: 3n, cap_units: 10n ** 12n, max_bytes: 1 << 24, if_range: '"v1"',
};

function control(code: number, body: unknown): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(body));
  const out = new Uint8Array(1 + json.length);
  out[0] = code;
  out.set(json, 1);
  return out;
}

async function chunkFrame(index = 4, bytes = new Uint8Array([1, 2, 3, 4, 5])): Promise<Extract<ProxyFrame, { type: 'chunk' }>> {
  return { type: 'chunk', job_id: JOB, index, ...(await signChunk(provider.signer, JOB, index, bytes)), bytes };
}

describe('proxy frames', () => {
  it('round-trips every frame type', async () => {
    const frames: ProxyFrame[] = [
      { type: 'request', request: REQUEST },
      { type: 'request', request: { ...REQUEST, if_range: null } },
      {
        type: 'offer',
        offer: { job_id: JOB, payee_key: provider.key, price_units_per_kib: 2n, min_escrow_units: 0n, total_length: 5, etag: '"v1"', last_modified: null, content_type: 'text/plain' },
      },
      { type: 'refuse', job_id: JOB, code: 'price_too_low' },
      { type: 'channel', job_id: JOB, channel_id: CHANNEL },
      { type: 'want', job_id: JOB, runs: [{ first: 0, last: 3 }, { first: 7, last: 7 }] },
      await chunkFrame(),
      { type: 'payment', job_id: JOB, payment: { channel_id: CHANNEL, amount_units: 128n, seq: 3n, signature: new Uint8Array(64).fill(9) } },
      { type: 'done', job_id: JOB, reason: 'complete' },
    ];
    for (const frame of frames) expect(decodeFrame(encodeFrame(frame))).toEqual({ ok: true, frame });
  });

  it('refuses empty, unknown, oversized and non-JSON frames', () => {
    expect(decodeFrame(new Uint8Array(0))).toEqual({ ok: false, error: 'empty' });
    expect(decodeFrame(new Uint8Array([99, 123, 125]))).toEqual({ ok: false, error: 'unknown_type' });
    expect(decodeFrame(new Uint8Array(MAX_CONTROL_FRAME_BYTES + 1).fill(1))).toEqual({ ok: false, error: 'too_large' });
    expect(decodeFrame(new Uint8Array([8, 0xff, 0xfe]))).toEqual({ ok: false, error: 'bad_json' });
    expect(decodeFrame(control(8, [1, 2]))).toEqual({ ok: false, error: 'bad_json' });
    expect(decodeFrame(control(8, 'x'))).toEqual({ ok: false, error: 'bad_json' });
  });

  it('request: the request checks apply on the wire, amounts only as decimal strings', () => {
    const wire = { ...REQUEST, max_price_units_per_kib: '3', cap_units: '1000000000000' };
    expect(decodeFrame(control(1, { ...wire, url: 'file:///etc/passwd' }))).toEqual({ ok: false, error: 'scheme_not_allowed' });
    expect(decodeFrame(control(1, { ...wire, url: 'not a url' }))).toEqual({ ok: false, error: 'malformed_url' });
    expect(decodeFrame(control(1, { ...wire, max_price_units_per_kib: 3 }))).toEqual({ ok: false, error: 'bad_price' });
    expect(decodeFrame(control(1, { ...wire, cap_units: '-5' }))).toEqual({ ok: false, error: 'bad_cap' });
    expect(decodeFrame(control(1, { ...wire, cap_units: '99999999999999999999' }))).toEqual({ ok: false, error: 'bad_cap' });
    expect(decodeFrame(control(1, { ...wire, job_id: 'x' }))).toEqual({ ok: false, error: 'bad_job_id' });
    expect(decodeFrame(control(1, { ...wire, chunk_size: '65536' }))).toEqual({ ok: false, error: 'bad_chunk_size' });
  });

  it('offer: each field refused by name', () => {
    const offer = { job_id: JOB, payee_key: provider.key, price_units_per_kib: '2', min_escrow_units: '0', total_length: 5, etag: '"v1"', last_modified: null, content_type: null };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ job_id: 'nope' }, 'job_id'],
      [{ payee_key: 'ff' }, 'payee_key'],
      [{ price_units_per_kib: '0' }, 'price_units_per_kib'],
      [{ price_units_per_kib: 2 }, 'price_units_per_kib'],
      [{ min_escrow_units: '-1' }, 'min_escrow_units'],
      [{ total_length: -1 }, 'total_length'],
      [{ total_length: 2 ** 53 }, 'total_length'],
      [{ etag: 'a\nb' }, 'etag'],
      [{ etag: 5 }, 'etag'],
      [{ last_modified: 'x'.repeat(300) }, 'last_modified'],
      [{ content_type: '\u0000' }, 'content_type'],
    ];
    expect(decodeFrame(control(2, offer)).ok).toBe(true);
    for (const [change, field] of cases) expect(decodeFrame(control(2, { ...offer, ...change }))).toEqual({ ok: false, error: 'bad_field', field });
  });

  it('refuse, done, channel, want, payment: each field refused by name', () => {
    expect(decodeFrame(control(3, { job_id: JOB, code: 'because' }))).toEqual({ ok: false, error: 'bad_field', field: 'code' });
    expect(decodeFrame(control(8, { job_id: JOB, reason: 'bored' }))).toEqual({ ok: false, error: 'bad_field', field: 'reason' });
    expect(decodeFrame(control(4, { job_id: JOB, channel_id: 'AB'.repeat(32) }))).toEqual({ ok: false, error: 'bad_field', field: 'channel_id' });
    for (const runs of [[], [[3, 1]], [[0, 2], [2, 4]], [[5, 6], [0, 1]], [[0]], [[0, 1.5]], [[0, 70_000]], 'all', Array.from({ length: 1025 }, (_, i) => [2 * i, 2 * i])]) {
      expect(decodeFrame(control(5, { job_id: JOB, runs }))).toEqual({ ok: false, error: 'bad_field', field: 'runs' });
    }
    const payment = { job_id: JOB, channel_id: CHANNEL, amount_units: '5', seq: '1', signature: '00'.repeat(64) };
    expect(decodeFrame(control(7, payment)).ok).toBe(true);
    expect(decodeFrame(control(7, { ...payment, channel_id: 1 }))).toEqual({ ok: false, error: 'bad_field', field: 'channel_id' });
    expect(decodeFrame(control(7, { ...payment, amount_units: '1e3' }))).toEqual({ ok: false, error: 'bad_field', field: 'amount_units' });
    expect(decodeFrame(control(7, { ...payment, seq: '' }))).toEqual({ ok: false, error: 'bad_field', field: 'seq' });
    expect(decodeFrame(control(7, { ...payment, signature: '00'.repeat(63) }))).toEqual({ ok: false, error: 'bad_field', field: 'signature' });
    expect(decodeFrame(control(7, { ...payment, job_id: undefined }))).toEqual({ ok: false, error: 'bad_field', field: 'job_id' });
  });

  it('chunk: a frame cut anywhere decodes as truncated, extra bytes and huge lengths are refused', async () => {
    const whole = encodeFrame(await chunkFrame(4, new Uint8Array(300).fill(7)));
    fc.assert(fc.property(fc.integer({ min: 1, max: whole.length - 1 }), (cut) => {
      expect(decodeFrame(whole.subarray(0, cut))).toEqual({ ok: false, error: 'truncated' });
    }));
    const longer = new Uint8Array(whole.length + 1);
    longer.set(whole);
    expect(decodeFrame(longer)).toEqual({ ok: false, error: 'bad_field', field: 'bytes' });
    const huge = whole.slice();
    new DataView(huge.buffer).setUint32(1 + 32 + 4 + 32 + 64, 0xffffffff, false);
    expect(decodeFrame(huge)).toEqual({ ok: false, error: 'too_large' });
    const far = whole.slice();
    new DataView(far.buffer).setUint32(33, 1 << 20, false);
    expect(decodeFrame(far)).toEqual({ ok: false, error: 'bad_field', field: 'index' });
  });

  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      expect(typeof decodeFrame(bytes).ok).toBe('boolean');
    }), { numRuns: 500 });
  });
});

describe('chunk proofs', () => {
  it('accepts the signed chunk and refuses any change to its bytes, index, job, length or key', async () => {
    const bytes = new Uint8Array(64).fill(3);
    const f = await chunkFrame(2, bytes);
    expect(checkChunk(provider.key, JOB, 2, 64, f, bytes)).toBe('ok');
    const flipped = bytes.slice();
    flipped[10] = 4;
    expect(checkChunk(provider.key, JOB, 2, 64, f, flipped)).toBe('hash_mismatch');
    expect(checkChunk(provider.key, JOB, 2, 65, f, bytes)).toBe('bad_length');
    expect(checkChunk(provider.key, JOB, 3, 64, f, bytes)).toBe('bad_signature');
    expect(checkChunk(provider.key, jobId(2), 2, 64, f, bytes)).toBe('bad_signature');
    expect(checkChunk(party(5).key, JOB, 2, 64, f, bytes)).toBe('bad_signature');
    expect(checkChunk(provider.key, JOB, 2, 64, { ...f, signature: f.signature.subarray(0, 63) }, bytes)).toBe('bad_signature');
    const otherHash = f.hash.slice();
    otherHash[0] = (otherHash[0] ?? 0) ^ 1;
    expect(checkChunk(provider.key, JOB, 2, 64, { ...f, hash: otherHash }, bytes)).toBe('bad_signature');
  });
});

// Range requests as media elements send them, resolved against a file length: statuses, clamping, suffixes,
// and the malformed headers RFC 9110 says to ignore.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentRange, rangeLength, resolveRange } from '../../../src/stream/serve/range.ts';

describe('resolveRange', () => {
  it('serves the whole file with 200 without a Range header', () => {
    expect(resolveRange(null, 100)).toEqual({ status: 200, range: { start: 0, end: 99 } });
    expect(resolveRange(null, 0)).toEqual({ status: 200, range: null });
  });

  it('answers an open-ended range (what <video> sends first) with 206 to the end', () => {
    const answer = resolveRange('bytes=0-', 1000);
    expect(answer).toEqual({ status: 206, range: { start: 0, end: 999 } });
    expect(contentRange(answer, 1000)).toBe('bytes 0-999/1000');
  });

  it('clamps an end past the file and keeps a closed range', () => {
    expect(resolveRange('bytes=10-5000', 1000)).toEqual({ status: 206, range: { start: 10, end: 999 } });
    expect(resolveRange('bytes=0-0', 1000)).toEqual({ status: 206, range: { start: 0, end: 0 } });
  });

  it('serves suffix ranges from the end', () => {
    expect(resolveRange('bytes=-100', 1000)).toEqual({ status: 206, range: { start: 900, end: 999 } });
    expect(resolveRange('bytes=-5000', 1000)).toEqual({ status: 206, range: { start: 0, end: 999 } });
    expect(resolveRange('bytes=-0', 1000).status).toBe(416);
  });

  it('answers 416 for a start at or past the end', () => {
    const answer = resolveRange('bytes=1000-', 1000);
    expect(answer.status).toBe(416);
    expect(contentRange(answer, 1000)).toBe('bytes */1000');
  });

  it('ignores multipart, malformed, inverted and oversized headers (whole file)', () => {
    for (const header of ['bytes=0-1,5-6', 'items=0-1', 'bytes=abc', 'bytes=9-3', 'bytes=-', `bytes=0-${'9'.repeat(300)}`, 'bytes=99999999999999999999-']) {
      expect(resolveRange(header, 1000).status, header).toBe(200);
    }
  });

  it('always returns a range inside the file', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.nat(2e9), fc.option(fc.nat(2e9)), (length, start, end) => {
        const answer = resolveRange(`bytes=${start}-${end ?? ''}`, length);
        if (answer.status === 416) return start >= length;
        const range = answer.range;
        return range !== null && range.start >= 0 && range.end < length && range.start <= range.end && rangeLength(range) >= 1;
      }),
    );
  });
});

// HTTP Range requests for streamed torrent files (RFC 9110 §14): what a <video>'s byte-range request asks for,
// resolved against the file's length into the status and headers the service worker answers with. Pure.

/** One satisfiable byte range, both ends inclusive as in Content-Range. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export type RangeAnswer =
  /** No (usable) Range header: the whole file with 200. */
  | { readonly status: 200; readonly range: ByteRange | null }
  /** One satisfiable range: 206 with Content-Range. */
  | { readonly status: 206; readonly range: ByteRange }
  /** The range starts at or past the end: 416 with `Content-Range: bytes *\/length`. */
  | { readonly status: 416; readonly range: null };

/** Longer headers are not from a media element; ignore them rather than parse them. */
export const MAX_RANGE_HEADER_LENGTH = 200;

const SINGLE_RANGE = /^bytes=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

/**
 * Resolves a Range header against a file of `length` bytes. Multipart ranges (`bytes=0-1,5-6`) and malformed
 * headers are answered as if absent (200, whole file), which RFC 9110 allows; media elements send one range.
 */
export function resolveRange(header: string | null, length: number): RangeAnswer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`length: expected a byte count, got ${length}`);
  const whole: RangeAnswer = { status: 200, range: length > 0 ? { start: 0, end: length - 1 } : null };
  if (header === null || header.length > MAX_RANGE_HEADER_LENGTH) return whole;
  const match = SINGLE_RANGE.exec(header);
  if (!match) return whole;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return whole;
  if (first === '') {
    // Suffix range: the last N bytes.
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return whole;
    if (suffix === 0 || length === 0) return { status: 416, range: null };
    return { status: 206, range: { start: Math.max(0, length - suffix), end: length - 1 } };
  }
  const start = Number(first);
  const last_requested = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last_requested)) return whole;
  if (last_requested < start) return whole; // invalid syntax per RFC: ignore the header
  if (start >= length) return { status: 416, range: null };
  return { status: 206, range: { start, end: Math.min(last_requested, length - 1) } };
}

/** Bytes a ByteRange covers. */
export function rangeLength(range: ByteRange | null): number {
  return range ? range.end - range.start + 1 : 0;
}

/** The Content-Range header value of an answer. */
export function contentRange(answer: RangeAnswer, length: number): string | null {
  if (answer.status === 416) return `bytes */${length}`;
  if (answer.status === 206) return `bytes ${answer.range.start}-${answer.range.end}/${length}`;
  return null;
}

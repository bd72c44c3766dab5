// Strict, canonical bencode for Speed messages: integers decode as bigint (amounts exceed 2^53), dicts as Maps.
// The `bencode` v4 package rounds big integers, drops bigints on encode and accepts non-canonical input, so not here.

/** A bencoded value: integer, byte string, list, or dict keyed by UTF-8 text. */
export type BValue = bigint | Uint8Array | BValue[] | Map<string, BValue>;

/** Why bytes are not canonical bencode within our limits. Never thrown: returned. */
export type BencodeErrorCode = 'malformed' | 'too_large' | 'out_of_range';

export type BDecodeResult =
  | { readonly ok: true; readonly value: BValue }
  | { readonly ok: false; readonly code: BencodeErrorCode; readonly detail: string };

export interface BDecodeLimits {
  /** Longest byte string accepted, in bytes. */
  readonly max_string_bytes: number;
  /** Deepest nesting of lists and dicts; 1 = a flat dict. */
  readonly max_depth: number;
  /** Most values (of any kind, at any depth) in one message. */
  readonly max_items: number;
}

/** Integers may not exceed u64: every amount and sequence number in the protocol fits. */
export const MAX_BENCODE_INTEGER = (1n << 64n) - 1n;
/** 20 digits plus a sign is the longest u64 text; longer digit runs are rejected before BigInt() sees them. */
const MAX_INTEGER_DIGITS = 20;
/** Byte-string length prefixes longer than this many digits cannot be under any limit we use. */
const MAX_LENGTH_DIGITS = 9;

const I = 0x69; // 'i'
const L = 0x6c; // 'l'
const D = 0x64; // 'd'
const E = 0x65; // 'e'
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }); // keep a BOM: keys must round-trip

class Fail {
  constructor(
    readonly code: BencodeErrorCode,
    readonly detail: string,
  ) {}
}

/** Decodes exactly one canonical bencoded value spanning all of `bytes`; never throws. */
export function bdecode(bytes: Uint8Array, limits: BDecodeLimits): BDecodeResult {
  const reader = { pos: 0, items: 0 };
  try {
    const value = readValue(bytes, reader, limits, 0);
    if (reader.pos !== bytes.length) return { ok: false, code: 'malformed', detail: 'trailing bytes' };
    return { ok: true, value };
  } catch (error) {
    if (error instanceof Fail) return { ok: false, code: error.code, detail: error.detail };
    // Only a bug in this file can land here (e.g. a stack overflow despite max_depth); still never throw to a peer.
    return { ok: false, code: 'malformed', detail: 'decoder error' };
  }
}

interface Reader {
  pos: number;
  items: number;
}

function readValue(bytes: Uint8Array, r: Reader, limits: BDecodeLimits, depth: number): BValue {
  if (++r.items > limits.max_items) throw new Fail('too_large', 'too many values');
  const lead = bytes[r.pos];
  if (lead === undefined) throw new Fail('malformed', 'unexpected end');
  if (lead === I) return readInteger(bytes, r);
  if (lead >= ZERO && lead <= NINE) return readString(bytes, r, limits);
  if (lead !== L && lead !== D) throw new Fail('malformed', `unexpected byte 0x${lead.toString(16)}`);
  if (depth >= limits.max_depth) throw new Fail('too_large', 'nested too deeply');
  r.pos++;
  return lead === L ? readList(bytes, r, limits, depth + 1) : readDict(bytes, r, limits, depth + 1);
}

function readList(bytes: Uint8Array, r: Reader, limits: BDecodeLimits, depth: number): BValue[] {
  const list: BValue[] = [];
  while (bytes[r.pos] !== E) list.push(readValue(bytes, r, limits, depth));
  r.pos++;
  return list;
}

function readDict(bytes: Uint8Array, r: Reader, limits: BDecodeLimits, depth: number): Map<string, BValue> {
  const dict = new Map<string, BValue>();
  let previous: Uint8Array | null = null;
  while (bytes[r.pos] !== E) {
    if (bytes[r.pos] === undefined) throw new Fail('malformed', 'unexpected end');
    const keyBytes = readString(bytes, r, limits);
    // Canonical dicts list keys in strictly ascending byte order, which also rules out duplicates.
    if (previous !== null && compareBytes(previous, keyBytes) >= 0) throw new Fail('malformed', 'dict keys not sorted');
    previous = keyBytes;
    let key: string;
    try {
      key = utf8Strict.decode(keyBytes);
    } catch {
      throw new Fail('malformed', 'dict key is not UTF-8');
    }
    dict.set(key, readValue(bytes, r, limits, depth));
  }
  r.pos++;
  return dict;
}

function readInteger(bytes: Uint8Array, r: Reader): bigint {
  let pos = r.pos + 1;
  const negative = bytes[pos] === MINUS;
  if (negative) pos++;
  const start = pos;
  while (pos < bytes.length && isDigit(bytes[pos])) pos++;
  const digits = pos - start;
  if (bytes[pos] !== E) throw new Fail('malformed', 'bad integer');
  if (digits === 0) throw new Fail('malformed', 'empty integer');
  if (bytes[start] === ZERO && (digits > 1 || negative)) throw new Fail('malformed', 'non-canonical integer');
  if (digits > MAX_INTEGER_DIGITS) throw new Fail('out_of_range', 'integer too long');
  let value = 0n;
  for (let i = start; i < pos; i++) value = value * 10n + BigInt((bytes[i] as number) - ZERO);
  if (negative) value = -value;
  if (value > MAX_BENCODE_INTEGER || value < -MAX_BENCODE_INTEGER) throw new Fail('out_of_range', 'integer beyond u64');
  r.pos = pos + 1;
  return value;
}

function readString(bytes: Uint8Array, r: Reader, limits: BDecodeLimits): Uint8Array {
  let pos = r.pos;
  const start = pos;
  while (pos < bytes.length && isDigit(bytes[pos])) pos++;
  const digits = pos - start;
  if (digits === 0 || bytes[pos] !== COLON) throw new Fail('malformed', 'bad string length');
  if (bytes[start] === ZERO && digits > 1) throw new Fail('malformed', 'non-canonical string length');
  if (digits > MAX_LENGTH_DIGITS) throw new Fail('too_large', 'string too long');
  let length = 0;
  for (let i = start; i < pos; i++) length = length * 10 + ((bytes[i] as number) - ZERO);
  if (length > limits.max_string_bytes) throw new Fail('too_large', 'string too long');
  const end = pos + 1 + length;
  if (end > bytes.length) throw new Fail('malformed', 'string runs past the end');
  r.pos = end;
  return bytes.slice(pos + 1, end);
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Encodes canonically (keys sorted by their UTF-8 bytes). Throws on values bencode cannot carry: a caller bug. */
export function bencode(value: BValue): Uint8Array {
  // Parts are byte strings or ASCII text (delimiters, lengths, integers); one copy at the end, no per-part encoder.
  const parts: (Uint8Array | string)[] = [];
  write(value, parts);
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    if (typeof part === 'string') {
      for (let i = 0; i < part.length; i++) out[offset++] = part.charCodeAt(i);
    } else {
      out.set(part, offset);
      offset += part.length;
    }
  }
  return out;
}

function write(value: BValue, parts: (Uint8Array | string)[]): void {
  if (typeof value === 'bigint') {
    if (value > MAX_BENCODE_INTEGER || value < -MAX_BENCODE_INTEGER) throw new RangeError('integer beyond u64');
    parts.push(`i${value}e`);
  } else if (value instanceof Uint8Array) {
    parts.push(`${value.length}:`, value);
  } else if (Array.isArray(value)) {
    parts.push('l');
    for (const item of value) write(item, parts);
    parts.push('e');
  } else if (value instanceof Map) {
    const entries = [...value].map(([key, item]) => [keyBytes(key), item] as const);
    entries.sort((a, b) => compareBytes(a[0], b[0]));
    parts.push('d');
    for (const [key, item] of entries) {
      write(key, parts);
      write(item, parts);
    }
    parts.push('e');
  } else {
    throw new TypeError('bencode: unsupported value');
  }
}

/** Message keys repeat endlessly; keep their UTF-8 bytes (a small, bounded cache). */
const KEY_CACHE_LIMIT = 256;
const keyCache = new Map<string, Uint8Array>();

function keyBytes(key: string): Uint8Array {
  let bytes = keyCache.get(key);
  if (bytes === undefined) {
    bytes = utf8.encode(key);
    if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(key, bytes);
  }
  return bytes;
}

// An immutable set of piece indices: a BEP 3 bitfield (high bit of byte 0 is piece 0) cut into fixed chunks that a
// write copies one at a time, so each new state shares every untouched chunk: O(CHUNK_BYTES) per add, not O(torrent).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';

/** 512 pieces per chunk. V8 keeps typed arrays of at most 64 bytes on its own heap, so an add allocates no backing store. */
export const CHUNK_BYTES = 64;

export interface PieceSet {
  readonly piece_count: number;
  readonly chunks: readonly Uint8Array[];
}

export function emptyPieceSet(piece_count: number): PieceSet {
  const bytes = Math.ceil(piece_count / 8);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes; at += CHUNK_BYTES) chunks.push(new Uint8Array(Math.min(CHUNK_BYTES, bytes - at)));
  return { piece_count, chunks };
}

export function hasPiece(set: PieceSet, index: number): boolean {
  const byte = index >> 3;
  const chunk = set.chunks[Math.floor(byte / CHUNK_BYTES)];
  return chunk !== undefined && ((chunk[byte % CHUNK_BYTES] ?? 0) & (0x80 >> (index & 7))) !== 0;
}

export function withPiece(set: PieceSet, index: number): PieceSet {
  if (!Number.isSafeInteger(index) || index < 0 || index >= set.piece_count) throw new RangeError('piece index out of range');
  const byte = index >> 3;
  const at = Math.floor(byte / CHUNK_BYTES);
  const chunk = (set.chunks[at] as Uint8Array).slice();
  chunk[byte % CHUNK_BYTES] = (chunk[byte % CHUNK_BYTES] ?? 0) | (0x80 >> (index & 7));
  const chunks = set.chunks.slice();
  chunks[at] = chunk;
  return { piece_count: set.piece_count, chunks };
}

/** True when every piece of `a` is also in `b` (compares only the chunks that differ). */
export function isSubset(a: PieceSet, b: PieceSet): boolean {
  if (a.piece_count !== b.piece_count || a.chunks.length !== b.chunks.length) return false;
  for (let c = 0; c < a.chunks.length; c++) {
    const x = a.chunks[c] as Uint8Array;
    const y = b.chunks[c] as Uint8Array;
    if (x === y) continue;
    if (x.length !== y.length) return false;
    let missing = 0;
    for (let i = 0; i < x.length; i++) missing |= (x[i] as number) & ~(y[i] as number);
    if (missing !== 0) return false;
  }
  return true;
}

/** Well formed: chunk sizes match piece_count and the spare bits after the last piece are clear. */
export function isValidPieceSet(set: PieceSet): boolean {
  const bytes = Math.ceil(set.piece_count / 8);
  if (set.chunks.length !== Math.ceil(bytes / CHUNK_BYTES)) return false;
  for (let c = 0; c < set.chunks.length; c++) {
    const chunk = set.chunks[c];
    if (!(chunk instanceof Uint8Array) || chunk.length !== Math.min(CHUNK_BYTES, bytes - c * CHUNK_BYTES)) return false;
  }
  const spare = (8 - (set.piece_count % 8)) % 8;
  const last = set.chunks.at(-1);
  return last === undefined || ((last[last.length - 1] ?? 0) & ((1 << spare) - 1)) === 0;
}

/**
 * `next` is well formed, given that `prev` is: same shape, and only the chunks `next` does not share with `prev` are
 * examined (a `withPiece` successor differs in one). Equal to `isValidPieceSet(next)` whenever `prev` is valid.
 */
export function isValidSuccessor(prev: PieceSet, next: PieceSet): boolean {
  if (prev.piece_count !== next.piece_count || prev.chunks.length !== next.chunks.length) return isValidPieceSet(next);
  const last = next.chunks.length - 1;
  for (let c = 0; c <= last; c++) {
    const chunk = next.chunks[c];
    const was = prev.chunks[c] as Uint8Array;
    if (chunk === was) continue;
    if (!(chunk instanceof Uint8Array) || chunk.length !== was.length) return false;
    if (c === last && ((chunk[chunk.length - 1] as number) & ((1 << ((8 - (next.piece_count % 8)) % 8)) - 1)) !== 0) return false;
  }
  return true;
}

export function pieceSetToHex(set: PieceSet): string {
  return set.chunks.map((chunk) => bytesToHex(chunk)).join('');
}

/** Parses the hex bitfield; the caller checks `isValidPieceSet` (length and spare bits). */
export function pieceSetFromHex(hex: string, piece_count: number): PieceSet {
  if (!/^([0-9a-f]{2})*$/.test(hex)) throw new TypeError('piece set: expected lowercase hex');
  const bytes = hexToBytes(hex);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) chunks.push(bytes.slice(at, at + CHUNK_BYTES));
  return { piece_count, chunks };
}

// Paid storage's replica format: a file encrypted in the browser before it leaves, AES-256-GCM (WebCrypto) in
// fixed-size chunks. Each chunk's nonce is its index and a last-chunk flag, and the header (size, chunk size, file id,
// replica index) is every chunk's associated data, so chunks cannot be reordered, dropped, moved between files or
// replicas, and the file cannot be truncated or extended without a typed refusal.
//
// Layout: header (40 bytes) ‖ chunk 0 ‖ … ‖ chunk n−1, each chunk = ciphertext ‖ 16-byte tag; n = max(1, ⌈size/chunk⌉).
// Header: "SPS1" ‖ chunk_bytes u32 ‖ plaintext size u64 ‖ file id (16) ‖ replica index u32 ‖ 4 zero bytes.
// Nonce (12 bytes): chunk index u64 BE ‖ last flag (0 or 1) ‖ 3 zero bytes. The key is unique per (file id, replica
// index) (keys.ts), so a nonce never repeats under one key while file ids are random and indexes never reused.
import { assertReplicaIndex, FILE_ID_BYTES, KEY_BYTES, MAX_REPLICA_INDEX } from './keys.ts';

export const HEADER_BYTES = 40;
export const TAG_BYTES = 16;
/** 64 KiB chunks: one retrieval piece decrypts alone; the 16-byte tag costs 0.02 %. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
/** Below 4 KiB the tags and per-call overhead dominate. */
export const MIN_CHUNK_BYTES = 4096;
/** 4 MiB: a chunk must fit one wire message and one retry. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
/** 64 GiB: far above any browser storage quota; keeps sizes exact in a double. */
export const MAX_FILE_BYTES = 64 * 1024 ** 3;
/** WebCrypto calls in flight at once: lets Node's thread pool overlap chunks without holding the file twice. */
const CHUNKS_IN_FLIGHT = 4;

const MAGIC = [0x53, 0x50, 0x53, 0x31]; // "SPS1"

export interface ReplicaHeader {
  readonly chunk_bytes: number;
  readonly size_bytes: number;
  readonly file_id: Uint8Array;
  readonly replica_index: number;
}

export type DecryptError =
  | { readonly error: 'bad_header' }
  | { readonly error: 'wrong_file' }
  | { readonly error: 'wrong_replica' }
  | { readonly error: 'truncated' }
  | { readonly error: 'trailing_bytes' }
  | { readonly error: 'chunk_auth_failed'; readonly chunk: number };

export type DecryptResult = ({ readonly ok: true; readonly plaintext: Uint8Array }) | ({ readonly ok: false } & DecryptError);

export class StorageFormatError extends Error {
  override name = 'StorageFormatError';
}

export function chunkCount(header: ReplicaHeader): number {
  return Math.max(1, Math.ceil(header.size_bytes / header.chunk_bytes));
}

/** Plaintext bytes in chunk `index`. */
export function chunkPlainLength(header: ReplicaHeader, index: number): number {
  return Math.min(header.chunk_bytes, header.size_bytes - index * header.chunk_bytes);
}

/** Where chunk `index` (ciphertext and tag) sits in the replica. */
export function chunkSpan(header: ReplicaHeader, index: number): { readonly offset: number; readonly length: number } {
  return { offset: HEADER_BYTES + index * (header.chunk_bytes + TAG_BYTES), length: chunkPlainLength(header, index) + TAG_BYTES };
}

export function replicaLength(header: ReplicaHeader): number {
  return HEADER_BYTES + header.size_bytes + chunkCount(header) * TAG_BYTES;
}

function checkHeader(h: ReplicaHeader): boolean {
  return Number.isSafeInteger(h.chunk_bytes) && h.chunk_bytes >= MIN_CHUNK_BYTES && h.chunk_bytes <= MAX_CHUNK_BYTES
    && Number.isSafeInteger(h.size_bytes) && h.size_bytes >= 0 && h.size_bytes <= MAX_FILE_BYTES
    && h.file_id instanceof Uint8Array && h.file_id.length === FILE_ID_BYTES;
}

export function encodeHeader(header: ReplicaHeader): Uint8Array {
  assertReplicaIndex(header.replica_index);
  if (!checkHeader(header)) throw new StorageFormatError('replica header out of bounds');
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, header.chunk_bytes);
  view.setBigUint64(8, BigInt(header.size_bytes));
  out.set(header.file_id, 16);
  view.setUint32(32, header.replica_index);
  return out;
}

/** Reads a replica's header; null when the bytes are not one (wrong magic, bounds, or reserved bytes set). */
export function decodeHeader(bytes: Uint8Array): ReplicaHeader | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < HEADER_BYTES) return null;
  if (MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(36) !== 0) return null;
  const size = view.getBigUint64(8);
  if (size > BigInt(MAX_FILE_BYTES)) return null;
  const header = { chunk_bytes: view.getUint32(4), size_bytes: Number(size), file_id: bytes.slice(16, 32), replica_index: view.getUint32(32) };
  return checkHeader(header) && header.replica_index <= MAX_REPLICA_INDEX ? header : null;
}

function nonce(index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(12);
  new DataView(out.buffer).setBigUint64(0, BigInt(index));
  out[8] = last ? 1 : 0;
  return out;
}

function gcm(header_bytes: Uint8Array, header: ReplicaHeader, index: number): AesGcmParams {
  return { name: 'AES-GCM', iv: nonce(index, index === chunkCount(header) - 1), additionalData: new Uint8Array(header_bytes), tagLength: TAG_BYTES * 8 };
}

/** Imports a replica key for AES-GCM; the raw bytes are not kept by the returned key (non-extractable). */
export async function importReplicaKey(key_bytes: Uint8Array): Promise<CryptoKey> {
  if (!(key_bytes instanceof Uint8Array) || key_bytes.length !== KEY_BYTES) throw new StorageFormatError(`a replica key is ${KEY_BYTES} bytes`);
  return globalThis.crypto.subtle.importKey('raw', new Uint8Array(key_bytes), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Encrypts chunk `index` of the file `header` describes; returns ciphertext ‖ tag. */
export async function encryptChunk(key: CryptoKey, header: ReplicaHeader, index: number, plaintext: Uint8Array): Promise<Uint8Array> {
  if (plaintext.length !== chunkPlainLength(header, index)) throw new StorageFormatError(`chunk ${index} must hold ${chunkPlainLength(header, index)} bytes`);
  const sealed = await globalThis.crypto.subtle.encrypt(gcm(encodeHeader(header), header, index), key, new Uint8Array(plaintext));
  return new Uint8Array(sealed);
}

/** Decrypts chunk `index` (ciphertext ‖ tag) of the replica whose header bytes are `header_bytes`. */
export async function decryptChunk(key: CryptoKey, header_bytes: Uint8Array, index: number, sealed: Uint8Array):
  Promise<{ readonly ok: true; readonly plaintext: Uint8Array } | { readonly ok: false; readonly error: 'bad_header' | 'chunk_auth_failed'; readonly chunk: number }> {
  const header = decodeHeader(header_bytes);
  if (!header) return { ok: false, error: 'bad_header', chunk: index };
  if (!Number.isSafeInteger(index) || index < 0 || index >= chunkCount(header) || sealed.length !== chunkSpan(header, index).length) {
    return { ok: false, error: 'chunk_auth_failed', chunk: index };
  }
  try {
    const plain = await globalThis.crypto.subtle.decrypt(gcm(header_bytes.subarray(0, HEADER_BYTES), header, index), key, new Uint8Array(sealed));
    return { ok: true, plaintext: new Uint8Array(plain) };
  } catch {
    return { ok: false, error: 'chunk_auth_failed', chunk: index };
  }
}

/** Runs `work(i)` for i in 0..count−1 with at most CHUNKS_IN_FLIGHT at once; stops at the first non-null result. */
async function eachChunk<T>(count: number, work: (index: number) => Promise<T | null>): Promise<T | null> {
  for (let first = 0; first < count; first += CHUNKS_IN_FLIGHT) {
    const batch = await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, count - first) }, (_, k) => work(first + k)));
    const stop = batch.find((r) => r !== null);
    if (stop !== undefined && stop !== null) return stop;
  }
  return null;
}

/** Encrypts a whole file into one replica (header ‖ chunks), ready for the Merkle tree and the upload. */
export async function encryptFile(key: CryptoKey, plaintext: Uint8Array, file_id: Uint8Array, replica_index: number,
  chunk_bytes = DEFAULT_CHUNK_BYTES): Promise<Uint8Array> {
  const header: ReplicaHeader = { chunk_bytes, size_bytes: plaintext.length, file_id, replica_index };
  const header_bytes = encodeHeader(header);
  const out = new Uint8Array(replicaLength(header));
  out.set(header_bytes, 0);
  await eachChunk(chunkCount(header), async (i) => {
    const sealed = await encryptChunk(key, header, i, plaintext.subarray(i * chunk_bytes, i * chunk_bytes + chunkPlainLength(header, i)));
    out.set(sealed, chunkSpan(header, i).offset);
    return null;
  });
  return out;
}

/** Decrypts a whole replica, checking it is the file and replica expected; the first failure is the answer. */
export async function decryptFile(key: CryptoKey, replica: Uint8Array, expected: { readonly file_id: Uint8Array; readonly replica_index: number }):
  Promise<DecryptResult> {
  const header = decodeHeader(replica);
  if (!header) return { ok: false, error: 'bad_header' };
  if (!sameBytes(header.file_id, expected.file_id)) return { ok: false, error: 'wrong_file' };
  if (header.replica_index !== expected.replica_index) return { ok: false, error: 'wrong_replica' };
  const length = replicaLength(header);
  if (replica.length < length) return { ok: false, error: 'truncated' };
  if (replica.length > length) return { ok: false, error: 'trailing_bytes' };
  const header_bytes = replica.subarray(0, HEADER_BYTES);
  const plaintext = new Uint8Array(header.size_bytes);
  const failed = await eachChunk(chunkCount(header), async (i) => {
    const span = chunkSpan(header, i);
    const opened = await decryptChunk(key, header_bytes, i, replica.subarray(span.offset, span.offset + span.length));
    if (!opened.ok) return opened.chunk;
    plaintext.set(opened.plaintext, i * header.chunk_bytes);
    return null;
  });
  if (failed !== null) return { ok: false, error: 'chunk_auth_failed', chunk: failed };
  return { ok: true, plaintext };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

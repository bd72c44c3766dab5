// Paid storage's encryption before upload: random files round-trip; reordered, dropped, truncated, extended or
// flipped chunks, a rewritten header, another replica's bytes or key are each refused with their typed error; keys
// re-derive from the secret alone and match WebCrypto's own HKDF.
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chunkCount, chunkSpan, decodeHeader, decryptChunk, decryptFile, encodeHeader, encryptFile, HEADER_BYTES,
  importReplicaKey, MIN_CHUNK_BYTES, type ReplicaHeader,
} from '../../../src/services/storage/encrypt.ts';
import { deriveFileKey, deriveReplicaKey, FILE_ID_BYTES, StorageKeyError } from '../../../src/services/storage/keys.ts';

const SECRET = new Uint8Array(32).fill(7);
const CHUNK = MIN_CHUNK_BYTES;

function bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2 + 1) | 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function sealed(seed: number, size: number, replica_index = 0) {
  const file_id = bytes(seed + 99, FILE_ID_BYTES);
  const key = await importReplicaKey(await deriveReplicaKey(await deriveFileKey(SECRET, file_id), file_id, replica_index));
  const plaintext = bytes(seed, size);
  const replica = await encryptFile(key, plaintext, file_id, replica_index, CHUNK);
  return { file_id, key, plaintext, replica, header: decodeHeader(replica)!, expected: { file_id, replica_index } };
}

function withHeader(replica: Uint8Array, header: ReplicaHeader, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + body.length);
  out.set(encodeHeader(header));
  out.set(body, HEADER_BYTES);
  return out;
}

const file = fc.record({ seed: fc.integer({ min: 1, max: 1 << 30 }), size: fc.integer({ min: 0, max: 5 * CHUNK + 100 }) });
const RUNS = { numRuns: 25 };

describe('storage encryption', () => {
  it('round-trips files of any size, including empty and exact multiples of the chunk', async () => {
    await fc.assert(fc.asyncProperty(file, async ({ seed, size }) => {
      const s = await sealed(seed, size);
      expect(s.replica.length).toBe(HEADER_BYTES + size + 16 * Math.max(1, Math.ceil(size / CHUNK)));
      expect(await decryptFile(s.key, s.replica, s.expected)).toEqual({ ok: true, plaintext: s.plaintext });
    }), RUNS);
    for (const size of [0, CHUNK, 2 * CHUNK]) {
      const s = await sealed(3, size);
      expect(await decryptFile(s.key, s.replica, s.expected)).toEqual({ ok: true, plaintext: s.plaintext });
    }
  });

  it('refuses reordered chunks', async () => {
    await fc.assert(fc.asyncProperty(file.filter(({ size }) => size > CHUNK), fc.nat(), async ({ seed, size }, pick) => {
      const s = await sealed(seed, size);
      const n = chunkCount(s.header);
      const a = pick % (n - 1);
      const b = a + 1;
      // Swap two neighbours; the last one is shorter, so rebuild the body in the new order.
      const parts = Array.from({ length: n }, (_, i) => s.replica.subarray(chunkSpan(s.header, i).offset, chunkSpan(s.header, i).offset + chunkSpan(s.header, i).length));
      [parts[a], parts[b]] = [parts[b]!, parts[a]!];
      const body = new Uint8Array(parts.reduce((k, p) => k + p.length, 0));
      parts.reduce((at, p) => (body.set(p, at), at + p.length), 0);
      expect(await decryptFile(s.key, withHeader(s.replica, s.header, body), s.expected)).toEqual({ ok: false, error: 'chunk_auth_failed', chunk: a });
    }), RUNS);
  });

  it('refuses a dropped or truncated chunk, also when the header is rewritten to match', async () => {
    await fc.assert(fc.asyncProperty(file.filter(({ size }) => size > 0), fc.nat(), async ({ seed, size }, cut) => {
      const s = await sealed(seed, size);
      const short = s.replica.subarray(0, HEADER_BYTES + (cut % (s.replica.length - HEADER_BYTES)));
      expect(await decryptFile(s.key, short, s.expected)).toMatchObject({ ok: false, error: 'truncated' });
      const n = chunkCount(s.header);
      if (n > 1) {
        // Drop the last chunk and claim the file ends there: the new last chunk was sealed as "not last".
        const kept = s.replica.subarray(HEADER_BYTES, chunkSpan(s.header, n - 1).offset);
        const header = { ...s.header, size_bytes: (n - 1) * CHUNK };
        expect(await decryptFile(s.key, withHeader(s.replica, header, kept), s.expected)).toEqual({ ok: false, error: 'chunk_auth_failed', chunk: 0 });
      }
    }), RUNS);
  });

  it('refuses trailing bytes and any flipped bit', async () => {
    await fc.assert(fc.asyncProperty(file, fc.nat(), fc.integer({ min: 0, max: 7 }), async ({ seed, size }, at, bit) => {
      const s = await sealed(seed, size);
      const longer = new Uint8Array(s.replica.length + 1 + (at % 40));
      longer.set(s.replica);
      expect(await decryptFile(s.key, longer, s.expected)).toEqual({ ok: false, error: 'trailing_bytes' });
      const flipped = s.replica.slice();
      const where = at % flipped.length;
      flipped[where]! ^= 1 << bit;
      const result = await decryptFile(s.key, flipped, s.expected);
      expect(result.ok).toBe(false);
      if (where >= HEADER_BYTES) {
        const chunk = Math.floor((where - HEADER_BYTES) / (CHUNK + 16));
        expect(result).toEqual({ ok: false, error: 'chunk_auth_failed', chunk });
      } else {
        expect(['bad_header', 'wrong_file', 'wrong_replica', 'truncated', 'trailing_bytes', 'chunk_auth_failed']).toContain((result as { error: string }).error);
      }
    }), RUNS);
  });

  it("refuses another replica's bytes, another file's bytes and another replica's key", async () => {
    const zero = await sealed(11, 3 * CHUNK);
    const one = await sealed(11, 3 * CHUNK, 1);
    expect(await decryptFile(zero.key, one.replica, zero.expected)).toEqual({ ok: false, error: 'wrong_replica' });
    expect(await decryptFile(one.key, zero.replica, one.expected)).toEqual({ ok: false, error: 'wrong_replica' });
    expect(await decryptFile(zero.key, (await sealed(12, 3 * CHUNK)).replica, zero.expected)).toEqual({ ok: false, error: 'wrong_file' });
    // A replica relabelled as another: its key does not open it.
    const relabelled = withHeader(one.replica, { ...one.header, replica_index: 0 }, one.replica.subarray(HEADER_BYTES));
    expect(await decryptFile(zero.key, relabelled, zero.expected)).toEqual({ ok: false, error: 'chunk_auth_failed', chunk: 0 });
    // Replicas of one file share no structure a provider could pool: almost every byte differs.
    const body0 = zero.replica.subarray(HEADER_BYTES);
    const same = one.replica.subarray(HEADER_BYTES).filter((v, i) => v === body0[i]).length;
    expect(same).toBeLessThan(body0.length / 100);
    expect(await decryptFile(zero.key, new Uint8Array(10), zero.expected)).toEqual({ ok: false, error: 'bad_header' });
  });

  it('opens one chunk alone (retrieval by piece), and refuses it at another index', async () => {
    const s = await sealed(5, 3 * CHUNK + 10);
    const header_bytes = s.replica.subarray(0, HEADER_BYTES);
    const span = chunkSpan(s.header, 1);
    const chunk = s.replica.subarray(span.offset, span.offset + span.length);
    expect(await decryptChunk(s.key, header_bytes, 1, chunk)).toEqual({ ok: true, plaintext: s.plaintext.subarray(CHUNK, 2 * CHUNK) });
    expect(await decryptChunk(s.key, header_bytes, 2, chunk)).toEqual({ ok: false, error: 'chunk_auth_failed', chunk: 2 });
    expect(await decryptChunk(s.key, header_bytes, 9, chunk)).toEqual({ ok: false, error: 'chunk_auth_failed', chunk: 9 });
  });

  it('derives keys deterministically, by the stated HKDF (checked against noble), distinct per secret, file and replica', async () => {
    const file_id = bytes(1, FILE_ID_BYTES);
    const fileKey = await deriveFileKey(SECRET, file_id);
    expect(await deriveFileKey(SECRET, file_id)).toEqual(fileKey);
    const salt = new TextEncoder().encode('seedpay/storage/v1');
    expect(fileKey).toEqual(hkdf(sha256, SECRET, salt, new Uint8Array([...new TextEncoder().encode('file-key'), ...file_id]), 32));
    expect(await deriveReplicaKey(fileKey, file_id, 2)).toEqual(hkdf(sha256, fileKey, salt, new Uint8Array([...new TextEncoder().encode('replica-key'), ...file_id, 0, 0, 0, 2]), 32));
    const keys = (await Promise.all([
      fileKey, deriveFileKey(new Uint8Array(32).fill(8), file_id), deriveFileKey(SECRET, bytes(2, FILE_ID_BYTES)),
      deriveReplicaKey(fileKey, file_id, 0), deriveReplicaKey(fileKey, file_id, 1),
    ])).map((k) => Buffer.from(k).toString('hex'));
    expect(new Set(keys).size).toBe(keys.length);
    await expect(deriveFileKey(SECRET.subarray(1), file_id)).rejects.toThrow(StorageKeyError);
    await expect(deriveReplicaKey(fileKey, file_id, -1)).rejects.toThrow(StorageKeyError);
    await expect(deriveReplicaKey(fileKey, file_id, 65_536)).rejects.toThrow(StorageKeyError);
  });
});

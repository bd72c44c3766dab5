// What makes a proxied chunk attributable (pure): the provider signs (job id, chunk index, SHA-256 of the chunk) with
// its Ed25519 payment key, and the requester checks signature, length and hash before it pays. A validly signed hash
// that the bytes do not match is proof the provider served something else: the requester keeps it and bans.
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { nobleVerify, publicKeyFromHex, SIGNATURE_BYTES, type PublicKeyHex, type Signer } from '../../protocol/ed25519.ts';
import type { JobId } from './job-request.ts';

export const CHUNK_PROOF_DOMAIN = 'seedpay/proxy-chunk/v1';
const DOMAIN_BYTES = new TextEncoder().encode(CHUNK_PROOF_DOMAIN);
export const CHUNK_HASH_BYTES = 32;
/** Chunk indices are u32 on the wire (MAX_CHUNKS is far below). */
export const MAX_CHUNK_INDEX = 0xffff_ffff;
/** domain || job id (32) || index (u32 BE) || SHA-256 of the chunk (32) */
export const CHUNK_PROOF_BYTES = DOMAIN_BYTES.length + 32 + 4 + CHUNK_HASH_BYTES;

export function chunkProofMessage(job_id: JobId, index: number, hash: Uint8Array): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index > MAX_CHUNK_INDEX) throw new RangeError('index out of range');
  if (hash.length !== CHUNK_HASH_BYTES) throw new RangeError('hash: expected 32 bytes');
  const out = new Uint8Array(CHUNK_PROOF_BYTES);
  out.set(DOMAIN_BYTES, 0);
  out.set(hexToBytes(job_id), DOMAIN_BYTES.length);
  new DataView(out.buffer).setUint32(DOMAIN_BYTES.length + 32, index, false);
  out.set(hash, DOMAIN_BYTES.length + 36);
  return out;
}

export interface ChunkProof {
  readonly hash: Uint8Array;
  readonly signature: Uint8Array;
}

export async function signChunk(signer: Signer, job_id: JobId, index: number, bytes: Uint8Array): Promise<ChunkProof> {
  const hash = sha256(bytes);
  return { hash, signature: await signer.sign(chunkProofMessage(job_id, index, hash)) };
}

/**
 * Why a chunk is not the one that was sold, or 'ok'. Every failure bans: a bad signature cannot come from a reliable
 * wire, and `hash_mismatch` or `bad_length` under a valid signature are the provider's own signed word.
 */
export type ChunkVerdict = 'ok' | 'bad_signature' | 'bad_length' | 'hash_mismatch';

export function checkChunk(provider_key: PublicKeyHex, job_id: JobId, index: number, expected_bytes: number, proof: ChunkProof, bytes: Uint8Array): ChunkVerdict {
  if (proof.signature.length !== SIGNATURE_BYTES || proof.hash.length !== CHUNK_HASH_BYTES) return 'bad_signature';
  if (!nobleVerify(proof.signature, chunkProofMessage(job_id, index, proof.hash), publicKeyFromHex(provider_key))) return 'bad_signature';
  if (bytes.length !== expected_bytes) return 'bad_length';
  const actual = sha256(bytes);
  for (let i = 0; i < CHUNK_HASH_BYTES; i++) if (actual[i] !== proof.hash[i]) return 'hash_mismatch';
  return 'ok';
}

// Paid storage's keys: a per-file key and a per-replica key, both derived (HKDF-SHA-256, WebCrypto: the same in the
// browser and Node) from the wallet's storage secret, so a restore from the recovery phrase plus the contract list
// re-derives every key with nothing else kept. The file key can be handed to a small group to share one file; each
// replica has its own key so that providers holding replicas of one file hold unrelated bytes and cannot pool one
// copy to answer for all.
import { concatBytes } from '@noble/hashes/utils.js';

/** The wallet's storage secret (derived by the wallet from the phrase; this module only takes it). */
export const STORAGE_SECRET_BYTES = 32;
/** A file id is 16 random bytes chosen at upload and never reused: keys and nonces are unique per (id, replica). */
export const FILE_ID_BYTES = 16;
export const KEY_BYTES = 32; // AES-256
/** Replica indexes are never reused (a repair takes the next one), so this bounds replicas plus repairs per file. */
export const MAX_REPLICA_INDEX = 65_535;

const SALT = new TextEncoder().encode('seedpay/storage/v1');
const FILE_INFO = new TextEncoder().encode('file-key');
const REPLICA_INFO = new TextEncoder().encode('replica-key');

export class StorageKeyError extends Error {
  override name = 'StorageKeyError';
}

function assertBytes(value: Uint8Array, length: number, title: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length) throw new StorageKeyError(`${title} must be ${length} bytes`);
}

export function assertReplicaIndex(replica_index: number): void {
  if (!Number.isSafeInteger(replica_index) || replica_index < 0 || replica_index > MAX_REPLICA_INDEX) {
    throw new StorageKeyError(`replica index must be an integer in 0..${MAX_REPLICA_INDEX}`);
  }
}

async function hkdf(ikm: Uint8Array, info: Uint8Array): Promise<Uint8Array> {
  const key = await globalThis.crypto.subtle.importKey('raw', new Uint8Array(ikm), 'HKDF', false, ['deriveBits']);
  const bits = await globalThis.crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: new Uint8Array(info) }, key, KEY_BYTES * 8);
  return new Uint8Array(bits);
}

/** The file key: HKDF(ikm = storage secret, salt = 'seedpay/storage/v1', info = 'file-key' ‖ file id). */
export async function deriveFileKey(storage_secret: Uint8Array, file_id: Uint8Array): Promise<Uint8Array> {
  assertBytes(storage_secret, STORAGE_SECRET_BYTES, 'storage secret');
  assertBytes(file_id, FILE_ID_BYTES, 'file id');
  return hkdf(storage_secret, concatBytes(FILE_INFO, file_id));
}

/** A replica's key: HKDF(ikm = file key, same salt, info = 'replica-key' ‖ file id ‖ replica index u32 BE). */
export async function deriveReplicaKey(file_key: Uint8Array, file_id: Uint8Array, replica_index: number): Promise<Uint8Array> {
  assertBytes(file_key, KEY_BYTES, 'file key');
  assertBytes(file_id, FILE_ID_BYTES, 'file id');
  assertReplicaIndex(replica_index);
  const index = new Uint8Array(4);
  new DataView(index.buffer).setUint32(0, replica_index);
  return hkdf(file_key, concatBytes(REPLICA_INFO, file_id, index));
}

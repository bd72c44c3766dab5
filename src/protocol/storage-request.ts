// The bytes the two parties of a storage contract sign for the ledger: the requester's open, the provider's
// acceptance of the same terms, and the provider's answer to one epoch's challenge. Fixed-width binary bound to one
// ledger, one kind and (for answers) one contract and epoch, so no signature can be replayed as another.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { isPublicKeyHex, type PublicKeyHex } from './ed25519.ts';
import { key, MAX_REQUEST_NONCE, u64 } from './ledger-request.ts';
import { MAX_AMOUNT_UNITS, type Units } from './money.ts';
import { HASH_BYTES, encodeProof, nobleSha256, type LeafProof, type Sha256 } from './storage-merkle.ts';

export const STORAGE_REQUEST_DOMAIN = 'seedpay/storage-request/v1';
export const STORAGE_CONTRACT_ID_DOMAIN = 'seedpay/storage-contract-id/v1';
/** One byte per kind: an acceptance can never be read as an open, nor an answer as either. */
export const STORAGE_REQUEST_TAGS = { open: 1, accept: 2, answer: 3 } as const;

const encoder = new TextEncoder();
const DOMAIN_BYTES = encoder.encode(STORAGE_REQUEST_DOMAIN);
const ID_DOMAIN_BYTES = encoder.encode(STORAGE_CONTRACT_ID_DOMAIN);

/** What both parties sign at open. The ledger adds the start time, the beacon and the leaves per challenge. */
export interface StorageOpenTerms {
  readonly requester: PublicKeyHex;
  /** The requester's request nonce: makes the open single-use and names the contract (storageContractIdFor). */
  readonly nonce: bigint;
  readonly provider: PublicKeyHex;
  /** The replica's Merkle root (storage-merkle.ts), 32 bytes. */
  readonly root: Uint8Array;
  readonly size_bytes: number;
  readonly leaf_bytes: number;
  readonly price_units_per_epoch: Units;
  readonly epochs: number;
  readonly collateral_units: Units;
  /** What the requester pays per leaf retrieved, over the paid session (not settled by the contract). */
  readonly retrieval_price_units: Units;
  readonly epoch_ms: number;
  readonly answer_window_ms: number;
}

function int(value: number, title: string): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${title}: expected a non-negative safe integer`);
  return u64(BigInt(value), BigInt(Number.MAX_SAFE_INTEGER), title);
}

function head(ledger_id: PublicKeyHex, tag: number): Uint8Array[] {
  return [DOMAIN_BYTES, key(ledger_id, 'ledger_id'), Uint8Array.of(tag)];
}

function termsBytes(t: StorageOpenTerms): Uint8Array[] {
  if (!(t.root instanceof Uint8Array) || t.root.length !== HASH_BYTES) throw new TypeError('root: expected 32 bytes');
  return [
    key(t.requester, 'requester'), u64(t.nonce, MAX_REQUEST_NONCE, 'nonce'), key(t.provider, 'provider'), t.root,
    int(t.size_bytes, 'size_bytes'), int(t.leaf_bytes, 'leaf_bytes'), u64(t.price_units_per_epoch, MAX_AMOUNT_UNITS, 'price'),
    int(t.epochs, 'epochs'), u64(t.collateral_units, MAX_AMOUNT_UNITS, 'collateral'),
    u64(t.retrieval_price_units, MAX_AMOUNT_UNITS, 'retrieval price'), int(t.epoch_ms, 'epoch_ms'), int(t.answer_window_ms, 'answer_window_ms'),
  ];
}

/**
 * domain ‖ ledger id (32) ‖ tag (1: open, signed by the requester; 2: accept, signed by the provider) ‖ requester (32)
 * ‖ nonce u64 ‖ provider (32) ‖ root (32) ‖ size u64 ‖ leaf_bytes u64 ‖ price u64 ‖ epochs u64 ‖ collateral u64
 * ‖ retrieval price u64 ‖ epoch_ms u64 ‖ answer_window_ms u64 (all big-endian)
 */
export function encodeStorageOpen(ledger_id: PublicKeyHex, terms: StorageOpenTerms, role: 'open' | 'accept'): Uint8Array {
  return concatBytes(...head(ledger_id, STORAGE_REQUEST_TAGS[role]), ...termsBytes(terms));
}

/**
 * SHA-256 over the proofs' wire forms in order, each prefixed by its length u64: what an answer's signature covers.
 * `hash` as in storage-merkle.ts (noble by default; the ledger passes node:crypto's).
 */
export function proofsDigest(proofs: readonly LeafProof[], hash: Sha256 = nobleSha256): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const proof of proofs) {
    const wire = encodeProof(proof);
    parts.push(u64(BigInt(wire.length), 0xffff_ffffn, 'proof length'), wire);
  }
  return hash(parts);
}

/** domain ‖ ledger id ‖ tag 3 ‖ contract id (32) ‖ epoch u64 ‖ proofs digest (32): signed by the provider. */
export function encodeStorageAnswer(
  ledger_id: PublicKeyHex, contract_id: string, epoch: number, proofs: readonly LeafProof[], hash: Sha256 = nobleSha256,
): Uint8Array {
  if (!isPublicKeyHex(contract_id)) throw new TypeError('contract_id: expected 64 lowercase hex characters');
  return concatBytes(...head(ledger_id, STORAGE_REQUEST_TAGS.answer), hexToBytes(contract_id), int(epoch, 'epoch'), proofsDigest(proofs, hash));
}

/** A contract's id: SHA-256(domain ‖ requester ‖ nonce u64), known to both parties before the open. */
export function storageContractIdFor(requester: PublicKeyHex, nonce: bigint): string {
  return bytesToHex(sha256(concatBytes(ID_DOMAIN_BYTES, key(requester, 'requester'), u64(nonce, MAX_REQUEST_NONCE, 'nonce'))));
}

export function isStorageContractId(value: unknown): value is string {
  return isPublicKeyHex(value);
}

// Paid storage's API boundary: untrusted JSON becomes a typed open (both parties' signatures) or answer (proofs in
// their wire form, base64), or an ApiError naming the field. Exact field sets and named limits, as in requests.ts.
import { MAX_AMOUNT_UNITS } from '../protocol/money.ts';
import { MAX_CHALLENGE_LEAVES } from '../protocol/storage-challenge.ts';
import { MAX_EPOCHS, MAX_EPOCH_MS } from '../protocol/storage-contract.ts';
import { decodeProof, MAX_LEAF_BYTES, MAX_PATH_HASHES, type LeafProof } from '../protocol/storage-merkle.ts';
import type { StorageOpenTerms } from '../protocol/storage-request.ts';
import { ApiError } from './errors.ts';
import { amountField, decimalField, exactFields, hexField, nonceField, publicKeyField, safeIntegerField, signatureField } from './requests.ts';

/** Largest proof in wire form: header, a 64 KiB leaf and a 26-hash path. */
export const MAX_PROOF_WIRE_BYTES = 9 + MAX_LEAF_BYTES + MAX_PATH_HASHES * 32;
/**
 * An answer body: 4 MiB holds 44 proofs of 64 KiB leaves in base64 (3.9 MB), the largest a contract can ask for
 * at the ledger's leaves per challenge (storage-api.ts refuses terms whose answer could not fit).
 */
export const MAX_ANSWER_BODY_BYTES = 4 * 1024 * 1024;
/** Replica sizes are byte counts a browser can hold: below 2^53 anyway, bounded by the tree's leaf limit later. */
const MAX_SIZE_BYTES = Number.MAX_SAFE_INTEGER;

type Json = Record<string, unknown>;

export interface ParsedOpen {
  readonly terms: StorageOpenTerms;
  readonly requester_signature: Uint8Array;
  readonly provider_signature: Uint8Array;
}

const OPEN_FIELDS = [
  'requester', 'provider', 'root', 'size_bytes', 'leaf_bytes', 'price_units_per_epoch', 'epochs', 'collateral_units',
  'retrieval_price_units', 'epoch_ms', 'answer_window_ms', 'nonce', 'requester_signature', 'provider_signature',
] as const;

function sig(value: unknown, name: string): Uint8Array {
  return Uint8Array.from(Buffer.from(signatureField(value, name), 'hex'));
}

export function parseStorageOpen(body: Json): ParsedOpen {
  exactFields(body, OPEN_FIELDS);
  const terms: StorageOpenTerms = {
    requester: publicKeyField(body.requester, 'requester'),
    nonce: nonceField(body.nonce),
    provider: publicKeyField(body.provider, 'provider'),
    root: hexField(body.root, 'root', 32),
    size_bytes: safeIntegerField(body.size_bytes, 'size_bytes', MAX_SIZE_BYTES),
    leaf_bytes: safeIntegerField(body.leaf_bytes, 'leaf_bytes', MAX_LEAF_BYTES),
    price_units_per_epoch: amountField(body.price_units_per_epoch, 'price_units_per_epoch'),
    epochs: safeIntegerField(body.epochs, 'epochs', MAX_EPOCHS),
    collateral_units: amountField(body.collateral_units, 'collateral_units', true),
    retrieval_price_units: decimalField(body.retrieval_price_units, 'retrieval_price_units', MAX_AMOUNT_UNITS),
    epoch_ms: safeIntegerField(body.epoch_ms, 'epoch_ms', MAX_EPOCH_MS),
    answer_window_ms: safeIntegerField(body.answer_window_ms, 'answer_window_ms', MAX_EPOCH_MS),
  };
  return { terms, requester_signature: sig(body.requester_signature, 'requester_signature'), provider_signature: sig(body.provider_signature, 'provider_signature') };
}

export interface ParsedAnswer {
  readonly epoch: number;
  readonly proofs: LeafProof[];
  readonly signature: Uint8Array;
  readonly signature_hex: string;
}

/** Each proof is base64 of its wire form (storage-merkle.ts encodeProof); anything else is refused before hashing. */
export function parseStorageAnswer(body: Json): ParsedAnswer {
  exactFields(body, ['epoch', 'proofs', 'signature']);
  const epoch = safeIntegerField(body.epoch, 'epoch', MAX_EPOCHS);
  if (!Array.isArray(body.proofs) || body.proofs.length < 1 || body.proofs.length > MAX_CHALLENGE_LEAVES) {
    throw new ApiError('invalid_field', `proofs: expected 1 to ${MAX_CHALLENGE_LEAVES} base64 proofs`);
  }
  const proofs = body.proofs.map((value: unknown, k: number): LeafProof => {
    const maxChars = Math.ceil(MAX_PROOF_WIRE_BYTES / 3) * 4;
    // Canonical base64 only: Buffer's decoder skips what it does not know, so the bytes must encode back to the text.
    const bytes = typeof value === 'string' && value.length <= maxChars ? Buffer.from(value, 'base64') : null;
    if (!bytes || typeof value !== 'string' || bytes.toString('base64') !== value) {
      throw new ApiError('invalid_field', `proofs[${k}]: expected a proof in base64`);
    }
    const proof = decodeProof(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    if (!proof) throw new ApiError('invalid_field', `proofs[${k}]: not one well-formed proof (index u32, leaf length u32, path count u8, leaf, path)`);
    return proof;
  });
  const signature_hex = signatureField(body.signature, 'signature');
  return { epoch, proofs, signature: Uint8Array.from(Buffer.from(signature_hex, 'hex')), signature_hex };
}

// Paid storage's Merkle tree over a stored replica cut into fixed-size leaves: the root the contract holds, a proof
// for one leaf, and its check. Pure, so the ledger, the requester and the provider run the same rules.
// Hashes are domain-separated (leaf 0x00, node 0x01, root 0x02) so a node can never pass as a leaf; the root binds
// the file size and the leaf size, so a proof against another size or leaf layout cannot verify.
import { sha256 } from '@noble/hashes/sha2.js';

export const HASH_BYTES = 32;
/** Sia's segment size: below it a path costs more than the leaf it proves. */
export const MIN_LEAF_BYTES = 64;
/** 64 KiB: a challenge answers ~44 leaves, so a larger leaf makes every epoch's answer megabytes. */
export const MAX_LEAF_BYTES = 64 * 1024;
/** 4 KiB leaves: a 44-leaf answer for a 20 MB file is ~200 KiB, and a 64 MiB tree has 16,384 leaves. */
export const DEFAULT_LEAF_BYTES = 4096;
/** 2^26 leaves: 256 GiB at 4 KiB, far above any browser's storage quota; bounds the path to 26 hashes. */
export const MAX_LEAVES = 2 ** 26;
/** Longest path any tree within MAX_LEAVES can need. */
export const MAX_PATH_HASHES = 26;

const LEAF_TAG = 0x00;
const NODE_TAG = 0x01;
const ROOT_TAG = 0x02;

export type MerkleError = 'bad_size' | 'bad_leaf_bytes' | 'bad_index' | 'bad_leaf_length' | 'bad_path_length' | 'root_mismatch';

/** The tree's shape: everything a verifier needs besides the root, all derived from the contract's terms. */
export interface TreeShape {
  readonly size_bytes: number;
  readonly leaf_bytes: number;
}

export interface MerkleTree extends TreeShape {
  /** levels[0] holds the leaf hashes, the last level the single top hash; each level is its hashes back to back. */
  readonly levels: readonly Uint8Array[];
  readonly root: Uint8Array;
}

export interface LeafProof {
  readonly index: number;
  readonly leaf: Uint8Array;
  /** Sibling hashes from the leaf's level upwards; a level where the node has no sibling contributes none. */
  readonly path: readonly Uint8Array[];
}

/** Why this shape is unusable, or null: a size of at least one byte, a leaf size in bounds, at most MAX_LEAVES. */
export function checkShape(shape: TreeShape): MerkleError | null {
  const { size_bytes, leaf_bytes } = shape;
  if (!Number.isSafeInteger(leaf_bytes) || leaf_bytes < MIN_LEAF_BYTES || leaf_bytes > MAX_LEAF_BYTES) return 'bad_leaf_bytes';
  if (!Number.isSafeInteger(size_bytes) || size_bytes < 1) return 'bad_size';
  if (Math.ceil(size_bytes / leaf_bytes) > MAX_LEAVES) return 'bad_size';
  return null;
}

export function leafCount(shape: TreeShape): number {
  return Math.ceil(shape.size_bytes / shape.leaf_bytes);
}

/** Bytes in leaf `index`: leaf_bytes, except the last, which holds the remainder (never padded). */
export function leafLength(shape: TreeShape, index: number): number {
  const last = leafCount(shape) - 1;
  if (index < last) return shape.leaf_bytes;
  return shape.size_bytes - last * shape.leaf_bytes;
}

/**
 * SHA-256 of the parts concatenated. The rules are the same whoever computes it: noble's is the pure default
 * (browser and Node); a Node shell such as the ledger may pass node:crypto's, about eight times faster there.
 */
export type Sha256 = (parts: readonly Uint8Array[]) => Uint8Array;

export const nobleSha256: Sha256 = (parts) => {
  const h = sha256.create();
  for (const part of parts) h.update(part);
  return h.digest();
};

const LEAF_PREFIX = Uint8Array.of(LEAF_TAG);
const NODE_PREFIX = Uint8Array.of(NODE_TAG);

export function hashLeaf(leaf: Uint8Array, hash: Sha256 = nobleSha256): Uint8Array {
  return hash([LEAF_PREFIX, leaf]);
}

function hashNode(left: Uint8Array, right: Uint8Array, hash: Sha256): Uint8Array {
  return hash([NODE_PREFIX, left, right]);
}

/** The contract's root: the top hash bound to the size and leaf size (u64 and u32 big-endian). */
function hashRoot(shape: TreeShape, top: Uint8Array, hash: Sha256): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  header[0] = ROOT_TAG;
  view.setBigUint64(1, BigInt(shape.size_bytes));
  view.setUint32(9, shape.leaf_bytes);
  return hash([header, top]);
}

function assertShape(shape: TreeShape): void {
  const error = checkShape(shape);
  if (error) throw new RangeError(`storage-merkle: ${error} (size ${shape.size_bytes}, leaf ${shape.leaf_bytes})`);
}

/** Builds the tree from the leaf hashes (so a caller hashing a file as it streams past need not hold it whole). */
export function treeFromLeafHashes(shape: TreeShape, leafHashes: Uint8Array, hash: Sha256 = nobleSha256): MerkleTree {
  assertShape(shape);
  if (leafHashes.length !== leafCount(shape) * HASH_BYTES) throw new RangeError('storage-merkle: leaf hash count does not match the shape');
  const levels: Uint8Array[] = [leafHashes];
  let level = leafHashes;
  while (level.length > HASH_BYTES) {
    const width = level.length / HASH_BYTES;
    const next = new Uint8Array(Math.ceil(width / 2) * HASH_BYTES);
    for (let i = 0; i + 1 < width; i += 2) {
      next.set(hashNode(level.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES), level.subarray((i + 1) * HASH_BYTES, (i + 2) * HASH_BYTES), hash), (i / 2) * HASH_BYTES);
    }
    // An odd node is carried up unchanged (never paired with itself: that is Bitcoin's CVE-2012-2459).
    if (width % 2 === 1) next.set(level.subarray((width - 1) * HASH_BYTES), ((width - 1) / 2) * HASH_BYTES);
    levels.push(next);
    level = next;
  }
  return { ...shape, levels, root: hashRoot(shape, level, hash) };
}

/**
 * Hashes a replica's leaves as its bytes stream past in pieces of any size (an upload encrypts chunk by chunk and
 * need not hold the file), then builds the tree; the result equals buildTree over the concatenated bytes.
 */
export class LeafHasher {
  readonly #leaf_bytes: number;
  readonly #pending: Uint8Array;
  #filled = 0;
  #hashes: Uint8Array[] = [];
  #size = 0;
  readonly #hash: Sha256;

  constructor(leaf_bytes = DEFAULT_LEAF_BYTES, hash: Sha256 = nobleSha256) {
    this.#hash = hash;
    if (checkShape({ size_bytes: 1, leaf_bytes }) !== null) throw new RangeError(`storage-merkle: bad leaf size ${leaf_bytes}`);
    this.#leaf_bytes = leaf_bytes;
    this.#pending = new Uint8Array(leaf_bytes);
  }

  update(bytes: Uint8Array): this {
    let at = 0;
    while (at < bytes.length) {
      // A whole leaf straight from the input when nothing is pending; otherwise fill the pending leaf first.
      if (this.#filled === 0 && bytes.length - at >= this.#leaf_bytes) {
        this.#hashes.push(hashLeaf(bytes.subarray(at, at + this.#leaf_bytes), this.#hash));
        at += this.#leaf_bytes;
        continue;
      }
      const take = Math.min(this.#leaf_bytes - this.#filled, bytes.length - at);
      this.#pending.set(bytes.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
      if (this.#filled === this.#leaf_bytes) {
        this.#hashes.push(hashLeaf(this.#pending, this.#hash));
        this.#filled = 0;
      }
    }
    this.#size += bytes.length;
    if (this.#hashes.length > MAX_LEAVES) throw new RangeError('storage-merkle: more than MAX_LEAVES leaves');
    return this;
  }

  finish(): MerkleTree {
    if (this.#filled > 0) this.#hashes.push(hashLeaf(this.#pending.subarray(0, this.#filled), this.#hash));
    const hashes = new Uint8Array(this.#hashes.length * HASH_BYTES);
    this.#hashes.forEach((h, i) => hashes.set(h, i * HASH_BYTES));
    return treeFromLeafHashes({ size_bytes: this.#size, leaf_bytes: this.#leaf_bytes }, hashes, this.#hash);
  }
}

/** Builds the tree over a whole replica held in memory. */
export function buildTree(data: Uint8Array, leaf_bytes = DEFAULT_LEAF_BYTES, hash: Sha256 = nobleSha256): MerkleTree {
  const shape = { size_bytes: data.length, leaf_bytes };
  assertShape(shape);
  const count = leafCount(shape);
  const hashes = new Uint8Array(count * HASH_BYTES);
  for (let i = 0; i < count; i++) hashes.set(hashLeaf(data.subarray(i * leaf_bytes, (i + 1) * leaf_bytes), hash), i * HASH_BYTES);
  return treeFromLeafHashes(shape, hashes, hash);
}

/** The proof for leaf `index`; `leaf` is its bytes as stored (the provider reads them from its copy). */
export function proveLeaf(tree: MerkleTree, index: number, leaf: Uint8Array): LeafProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafCount(tree)) throw new RangeError(`storage-merkle: no leaf ${index}`);
  const path: Uint8Array[] = [];
  let i = index;
  for (const level of tree.levels.slice(0, -1)) {
    const width = level.length / HASH_BYTES;
    const sibling = i ^ 1;
    if (sibling < width) path.push(level.slice(sibling * HASH_BYTES, (sibling + 1) * HASH_BYTES));
    i >>= 1;
  }
  return { index, leaf, path };
}

/** Checks one proof against `root` for a tree of this shape: 'ok' or the first reason it fails. */
export function verifyLeaf(root: Uint8Array, shape: TreeShape, proof: LeafProof, hash: Sha256 = nobleSha256): 'ok' | MerkleError {
  const shapeError = checkShape(shape);
  if (shapeError) return shapeError;
  const count = leafCount(shape);
  const { index, leaf, path } = proof;
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) return 'bad_index';
  if (!(leaf instanceof Uint8Array) || leaf.length !== leafLength(shape, index)) return 'bad_leaf_length';
  if (!Array.isArray(path) || path.length > MAX_PATH_HASHES) return 'bad_path_length';
  let node = hashLeaf(leaf, hash);
  let i = index;
  let width = count;
  let used = 0;
  while (width > 1) {
    if (!((i ^ 1) >= width)) {
      const sibling = path[used++];
      if (!(sibling instanceof Uint8Array) || sibling.length !== HASH_BYTES) return 'bad_path_length';
      node = i % 2 === 0 ? hashNode(node, sibling, hash) : hashNode(sibling, node, hash);
    }
    i >>= 1;
    width = Math.ceil(width / 2);
  }
  if (used !== path.length) return 'bad_path_length';
  return equalBytes(hashRoot(shape, node, hash), root) ? 'ok' : 'root_mismatch';
}

/** Wire form of one proof: index u32 | leaf length u32 | path count u8 | leaf | path hashes (big-endian). */
export function encodeProof(proof: LeafProof): Uint8Array {
  const out = new Uint8Array(PROOF_HEADER_BYTES + proof.leaf.length + proof.path.length * HASH_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, proof.index);
  view.setUint32(4, proof.leaf.length);
  view.setUint8(8, proof.path.length);
  out.set(proof.leaf, PROOF_HEADER_BYTES);
  proof.path.forEach((hash, k) => out.set(hash, PROOF_HEADER_BYTES + proof.leaf.length + k * HASH_BYTES));
  return out;
}

const PROOF_HEADER_BYTES = 9;

/** Reads one proof; null when the bytes are not exactly one well-formed proof (short, long, or out of bounds). */
export function decodeProof(bytes: Uint8Array): LeafProof | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < PROOF_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const index = view.getUint32(0);
  const leafLength_ = view.getUint32(4);
  const hashes = view.getUint8(8);
  if (leafLength_ < 1 || leafLength_ > MAX_LEAF_BYTES || hashes > MAX_PATH_HASHES) return null;
  if (bytes.length !== PROOF_HEADER_BYTES + leafLength_ + hashes * HASH_BYTES) return null;
  const leaf = bytes.slice(PROOF_HEADER_BYTES, PROOF_HEADER_BYTES + leafLength_);
  const path: Uint8Array[] = [];
  for (let k = 0; k < hashes; k++) {
    const at = PROOF_HEADER_BYTES + leafLength_ + k * HASH_BYTES;
    path.push(bytes.slice(at, at + HASH_BYTES));
  }
  return { index, leaf, path };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

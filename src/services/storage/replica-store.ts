// A storage provider's replicas on disk (Node), under one folder and within its storage maximum: each replica's bytes
// (<root>.replica) and its leaf hashes (<root>.leaves), from which the Merkle tree is rebuilt without rereading the data.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { buildTree, checkShape, equalBytes, HASH_BYTES, leafCount, leafLength, treeFromLeafHashes, type MerkleTree, type Sha256 } from '../../protocol/storage-merkle.ts';

export const BYTES_PER_MIB = 1024 * 1024;
/** The largest maximum one folder takes: 1 TiB. */
export const MAX_STORE_MIB = 1024 * 1024;
const REPLICA = '.replica';
const LEAVES = '.leaves';
const ROOT_RE = /^[0-9a-f]{64}$/;

/** node:crypto's SHA-256 (the rules are storage-merkle's; native hashing is several times faster in Node). */
export const nodeSha256: Sha256 = (parts) => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
};

export type PutError =
  /** Storing it would pass the folder's maximum. */
  | 'over_quota'
  /** An empty replica or a leaf size out of bounds. */
  | 'bad_shape'
  /** The bytes do not hash to the root the contract names. */
  | 'root_mismatch'
  | 'already_held';

export type PutResult = { readonly ok: true; readonly root: string; readonly tree: MerkleTree } | { readonly ok: false; readonly code: PutError };

/** Bytes a replica takes on disk: its data and one hash per leaf. */
export function replicaFootprintBytes(size_bytes: number, leaf_bytes: number): number {
  return size_bytes + Math.ceil(size_bytes / leaf_bytes) * HASH_BYTES;
}

export class ReplicaStore {
  readonly dir: string;
  readonly max_bytes: number;
  #used = 0;
  readonly #sizes = new Map<string, number>();
  readonly #trees = new Map<string, MerkleTree>();

  private constructor(dir: string, max_mib: number) {
    this.dir = dir;
    this.max_bytes = max_mib * BYTES_PER_MIB;
  }

  /** Opens (creating) the folder; what is already there counts against the maximum. Leftover temp files are removed. */
  static open(dir: string, max_mib: number): ReplicaStore {
    if (!Number.isSafeInteger(max_mib) || max_mib < 1 || max_mib > MAX_STORE_MIB) throw new RangeError(`storage maximum: expected 1 to ${MAX_STORE_MIB} MiB`);
    mkdirSync(dir, { recursive: true });
    const store = new ReplicaStore(dir, max_mib);
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith('.tmp')) rmSync(path, { force: true });
      else if (name.endsWith(REPLICA) || name.endsWith(LEAVES)) {
        const size = statSync(path).size;
        store.#used += size;
        const root = name.slice(0, -(name.endsWith(REPLICA) ? REPLICA.length : LEAVES.length));
        if (name.endsWith(REPLICA) && ROOT_RE.test(root)) store.#sizes.set(root, size);
      }
    }
    return store;
  }

  get used_bytes(): number {
    return this.#used;
  }

  get free_bytes(): number {
    return Math.max(0, this.max_bytes - this.#used);
  }

  roots(): string[] {
    return [...this.#sizes.keys()];
  }

  has(root: string): boolean {
    return this.#sizes.has(root);
  }

  /** Whether a replica of this shape fits what is left of the maximum. */
  fits(size_bytes: number, leaf_bytes: number): boolean {
    return replicaFootprintBytes(size_bytes, leaf_bytes) <= this.free_bytes;
  }

  /** Stores a whole replica, if it fits and (when given) hashes to `expected_root`. Nothing is written on refusal. */
  put(data: Uint8Array, leaf_bytes: number, expected_root?: Uint8Array): PutResult {
    if (checkShape({ size_bytes: data.length, leaf_bytes }) !== null) return { ok: false, code: 'bad_shape' };
    if (!this.fits(data.length, leaf_bytes)) return { ok: false, code: 'over_quota' };
    const tree = buildTree(data, leaf_bytes, nodeSha256);
    if (expected_root && !equalBytes(tree.root, expected_root)) return { ok: false, code: 'root_mismatch' };
    const root = bytesToHex(tree.root);
    if (this.#sizes.has(root)) return { ok: false, code: 'already_held' };
    this.#write(root + LEAVES, tree.levels[0] as Uint8Array);
    this.#write(root + REPLICA, data);
    this.#sizes.set(root, data.length);
    this.#trees.set(root, tree);
    this.#used += replicaFootprintBytes(data.length, leaf_bytes);
    return { ok: true, root, tree };
  }

  #write(name: string, bytes: Uint8Array): void {
    const tmp = join(this.dir, `${name}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(this.dir, name));
  }

  /** The replica's tree, from its leaf hashes (cached); null if it is not held. `leaf_bytes` comes from the contract. */
  tree(root: string, leaf_bytes: number): MerkleTree | null {
    const cached = this.#trees.get(root);
    if (cached) return cached.leaf_bytes === leaf_bytes ? cached : null;
    const size_bytes = ROOT_RE.test(root) ? this.#sizes.get(root) : undefined;
    if (size_bytes === undefined || checkShape({ size_bytes, leaf_bytes }) !== null) return null;
    let hashes: Uint8Array;
    try {
      hashes = new Uint8Array(readFileSync(join(this.dir, root + LEAVES)));
    } catch {
      return null;
    }
    if (hashes.length !== leafCount({ size_bytes, leaf_bytes }) * HASH_BYTES) return null;
    const tree = treeFromLeafHashes({ size_bytes, leaf_bytes }, hashes, nodeSha256);
    if (bytesToHex(tree.root) !== root) return null;
    this.#trees.set(root, tree);
    return tree;
  }

  /** The leaves at `indexes` as stored now (null where the file is short or gone): the caller checks their hashes. */
  readLeaves(tree: MerkleTree, indexes: readonly number[]): Array<Uint8Array | null> {
    const root = bytesToHex(tree.root);
    let fd: number;
    try {
      fd = openSync(join(this.dir, root + REPLICA), 'r');
    } catch {
      return indexes.map(() => null);
    }
    try {
      return indexes.map((index) => {
        const length = leafLength(tree, index);
        const leaf = new Uint8Array(length);
        const read = readSync(fd, leaf, 0, length, index * tree.leaf_bytes);
        return read === length ? leaf : null;
      });
    } finally {
      closeSync(fd);
    }
  }

  /** Drops a replica (its contract ended); its bytes no longer count. */
  remove(root: string): void {
    const size = this.#sizes.get(root);
    if (size === undefined) return;
    const tree = this.#trees.get(root);
    this.#used -= size + (tree ? leafCount(tree) * HASH_BYTES : statSafe(join(this.dir, root + LEAVES)));
    rmSync(join(this.dir, root + REPLICA), { force: true });
    rmSync(join(this.dir, root + LEAVES), { force: true });
    this.#sizes.delete(root);
    this.#trees.delete(root);
  }
}

function statSafe(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

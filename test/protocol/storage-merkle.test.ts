// Paid storage's Merkle tree: every leaf of random replicas proves and verifies; a tampered leaf, a wrong index, a
// wrong root or shape, a truncated or extended path and extra or missing wire bytes are all refused. A naive
// recursive reference checks the roots, so the tree is not only consistent with itself.
import { sha256 } from '@noble/hashes/sha2.js';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildTree, decodeProof, encodeProof, hashLeaf, leafCount, LeafHasher, MAX_LEAF_BYTES, MIN_LEAF_BYTES, proveLeaf, verifyLeaf,
  type LeafProof, type MerkleTree, type Sha256,
} from '../../src/protocol/storage-merkle.ts';

/** Seeded, incompressible bytes (fast-check's own arrays lean to zeros, which would repeat leaves). */
function randomBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let block = 0; block * 32 < length; block++) {
    const digest = sha256(new TextEncoder().encode(`${seed}/${block}`));
    out.set(digest.subarray(0, Math.min(32, length - block * 32)), block * 32);
  }
  return out;
}

/** The same SHA-256 from node:crypto: what a Node shell may pass in; every result must be identical. */
const nativeSha256: Sha256 = (parts) => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
};

function leafOf(data: Uint8Array, leaf_bytes: number, index: number): Uint8Array {
  return data.slice(index * leaf_bytes, (index + 1) * leaf_bytes);
}

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reference: pair neighbours, carry an odd one up, then bind size and leaf size; written from the spec, not the code. */
function referenceRoot(data: Uint8Array, leaf_bytes: number): Uint8Array {
  let level: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += leaf_bytes) level.push(sha256(cat(Uint8Array.of(0), data.subarray(at, at + leaf_bytes))));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const [a, b] = [level[i]!, level[i + 1]];
      next.push(b ? sha256(cat(Uint8Array.of(1), a, b)) : a);
    }
    level = next;
  }
  const bind = new Uint8Array(13);
  bind[0] = 2;
  new DataView(bind.buffer).setBigUint64(1, BigInt(data.length));
  new DataView(bind.buffer).setUint32(9, leaf_bytes);
  return sha256(cat(bind, level[0]!));
}

const leafSize = fc.constantFrom(MIN_LEAF_BYTES, 96, 128, 1000);
const replica = fc.record({ seed: fc.nat(), leaf_bytes: leafSize, leaves: fc.integer({ min: 1, max: 40 }), tail: fc.nat() })
  .map(({ seed, leaf_bytes, leaves, tail }) => {
    const size = (leaves - 1) * leaf_bytes + 1 + (tail % leaf_bytes);
    const data = randomBytes(seed, size);
    return { data, tree: buildTree(data, leaf_bytes) };
  });

function proofOf(data: Uint8Array, tree: MerkleTree, index: number): LeafProof {
  return proveLeaf(tree, index, leafOf(data, tree.leaf_bytes, index));
}

describe('storage Merkle tree', () => {
  it('matches the reference root, and every leaf proves and verifies (also through the wire form)', () => {
    fc.assert(fc.property(replica, ({ data, tree }) => {
      expect(tree.root).toEqual(referenceRoot(data, tree.leaf_bytes));
      expect(buildTree(data, tree.leaf_bytes, nativeSha256)).toEqual(tree);
      for (let i = 0; i < leafCount(tree); i++) {
        const proof = proofOf(data, tree, i);
        expect(verifyLeaf(tree.root, tree, proof)).toBe('ok');
        expect(verifyLeaf(tree.root, tree, proof, nativeSha256)).toBe('ok');
        const wire = decodeProof(encodeProof(proof));
        expect(wire).toEqual(proof);
        expect(verifyLeaf(tree.root, tree, wire!)).toBe('ok');
      }
    }), { numRuns: 40 });
  });

  it('builds the same tree from the bytes streamed in pieces of any size', () => {
    fc.assert(fc.property(replica, fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 30 }), ({ data, tree }, cuts) => {
      const hasher = new LeafHasher(tree.leaf_bytes);
      let at = 0;
      for (const cut of cuts) {
        hasher.update(data.subarray(at, Math.min(data.length, at + cut)));
        at = Math.min(data.length, at + cut);
      }
      hasher.update(data.subarray(at));
      expect(hasher.finish()).toEqual(tree);
    }), { numRuns: 100 });
    expect(() => new LeafHasher().finish()).toThrow(RangeError);
    expect(() => new LeafHasher(MIN_LEAF_BYTES - 1)).toThrow(RangeError);
  });

  it('refuses a tampered leaf, a wrong index, a wrong root and a wrong shape', () => {
    fc.assert(fc.property(replica, fc.nat(), fc.nat(), fc.nat(), ({ data, tree }, a, b, bit) => {
      const count = leafCount(tree);
      const i = a % count;
      const proof = proofOf(data, tree, i);
      const tampered = proof.leaf.slice();
      tampered[bit % tampered.length]! ^= 1 << (bit % 8);
      expect(verifyLeaf(tree.root, tree, { ...proof, leaf: tampered })).toBe('root_mismatch');
      expect(verifyLeaf(tree.root, tree, { ...proof, leaf: tampered }, nativeSha256)).toBe('root_mismatch');
      const j = b % count;
      if (j !== i) expect(verifyLeaf(tree.root, tree, { ...proof, index: j })).not.toBe('ok');
      expect(verifyLeaf(tree.root, tree, { ...proof, index: count })).toBe('bad_index');
      expect(verifyLeaf(tree.root, tree, { ...proof, index: -1 })).toBe('bad_index');
      const root = tree.root.slice();
      root[bit % 32]! ^= 0x80;
      expect(verifyLeaf(root, tree, proof)).toBe('root_mismatch');
      const other = data.slice();
      other[(i === 0 ? data.length - 1 : 0)]! ^= 1; // another replica of the same size, differing in another leaf
      if (count > 1) expect(verifyLeaf(buildTree(other, tree.leaf_bytes).root, tree, proof)).toBe('root_mismatch');
      // The same bytes declared one byte longer or under another leaf size: the root binds both.
      expect(verifyLeaf(tree.root, { ...tree, size_bytes: tree.size_bytes + 1 }, proof)).not.toBe('ok');
      expect(verifyLeaf(tree.root, { ...tree, leaf_bytes: tree.leaf_bytes * 2 }, proof)).not.toBe('ok');
    }), { numRuns: 200 });
  });

  it('refuses a truncated, extended or reordered path', () => {
    fc.assert(fc.property(replica, fc.nat(), fc.nat(), ({ data, tree }, a, cut) => {
      const proof = proofOf(data, tree, a % leafCount(tree));
      if (proof.path.length > 0) {
        const k = cut % proof.path.length;
        expect(verifyLeaf(tree.root, tree, { ...proof, path: proof.path.filter((_, n) => n !== k) })).toBe('bad_path_length');
        expect(verifyLeaf(tree.root, tree, { ...proof, path: [...proof.path.slice(0, k), new Uint8Array(31), ...proof.path.slice(k + 1)] })).toBe('bad_path_length');
      }
      if (proof.path.length > 1) expect(verifyLeaf(tree.root, tree, { ...proof, path: [...proof.path].reverse() })).not.toBe('ok');
      expect(verifyLeaf(tree.root, tree, { ...proof, path: [...proof.path, hashLeaf(proof.leaf)] })).toBe('bad_path_length');
    }), { numRuns: 200 });
  });

  it('refuses wire bytes with anything extra or missing', () => {
    fc.assert(fc.property(replica, fc.nat(), fc.integer({ min: 1, max: 64 }), ({ data, tree }, a, n) => {
      const wire = encodeProof(proofOf(data, tree, a % leafCount(tree)));
      expect(decodeProof(cat(wire, new Uint8Array(n)))).toBeNull();
      expect(decodeProof(wire.subarray(0, Math.max(0, wire.length - n)))).toBeNull();
    }), { numRuns: 100 });
    expect(decodeProof(new Uint8Array(0))).toBeNull();
    const huge = new Uint8Array(9);
    new DataView(huge.buffer).setUint32(4, MAX_LEAF_BYTES + 1);
    expect(decodeProof(huge)).toBeNull();
  });

  it('cannot pass an inner node off as a leaf (domain separation)', () => {
    const data = randomBytes(7, 4 * MIN_LEAF_BYTES);
    const tree = buildTree(data, MIN_LEAF_BYTES);
    // The two hashes under the root, presented as a 64-byte "leaf" of a one-leaf tree with the same top hash.
    const node = tree.levels[1]!;
    expect(node.length).toBe(MIN_LEAF_BYTES);
    expect(verifyLeaf(tree.root, { size_bytes: MIN_LEAF_BYTES, leaf_bytes: MIN_LEAF_BYTES }, { index: 0, leaf: node, path: [] })).not.toBe('ok');
    // Nor as a leaf of the same tree at level one: the path is one hash short, and the hash differs anyway.
    expect(verifyLeaf(tree.root, tree, { index: 0, leaf: tree.levels[0]!.slice(0, 64), path: [tree.levels[1]!.slice(32)] })).not.toBe('ok');
  });

  it('with repeated content, a proof moved to another index verifies only where that leaf really is', () => {
    const data = new Uint8Array(5 * MIN_LEAF_BYTES);
    const tree = buildTree(data, MIN_LEAF_BYTES);
    const proof = proofOf(data, tree, 0);
    for (let j = 1; j < 5; j++) {
      const moved = { ...proof, index: j };
      if (verifyLeaf(tree.root, tree, moved) === 'ok') expect(proofOf(data, tree, j)).toEqual(moved);
    }
  });

  it('refuses shapes out of bounds', () => {
    expect(() => buildTree(new Uint8Array(0))).toThrow(RangeError);
    expect(() => buildTree(new Uint8Array(10), MIN_LEAF_BYTES - 1)).toThrow(RangeError);
    const tree = buildTree(randomBytes(1, 100), MIN_LEAF_BYTES);
    const proof = proofOf(randomBytes(1, 100), tree, 1);
    expect(verifyLeaf(tree.root, { size_bytes: 0, leaf_bytes: MIN_LEAF_BYTES }, proof)).toBe('bad_size');
    expect(verifyLeaf(tree.root, { size_bytes: 100, leaf_bytes: MAX_LEAF_BYTES + 1 }, proof)).toBe('bad_leaf_bytes');
    expect(verifyLeaf(tree.root, tree, { ...proof, leaf: proof.leaf.subarray(1) })).toBe('bad_leaf_length');
  });
});

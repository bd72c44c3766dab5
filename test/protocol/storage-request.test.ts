// The bytes the parties of a storage contract sign: the open and the acceptance differ only in their tag, every term
// is bound, an answer binds its contract, epoch and every proof byte, and the digest is the same on noble and native.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toPublicKeyHex } from '../../src/protocol/ed25519.ts';
import { buildTree, proveLeaf, type Sha256 } from '../../src/protocol/storage-merkle.ts';
import {
  encodeStorageAnswer, encodeStorageOpen, proofsDigest, storageContractIdFor, STORAGE_REQUEST_TAGS, type StorageOpenTerms,
} from '../../src/protocol/storage-request.ts';
import { randomBytes } from './storage-fixture.ts';

const ledger = toPublicKeyHex(new Uint8Array(32).fill(9));
const data = randomBytes('request', 64 * 20);
const tree = buildTree(data, 64);
const terms: StorageOpenTerms = {
  requester: toPublicKeyHex(new Uint8Array(32).fill(1)), nonce: 7n, provider: toPublicKeyHex(new Uint8Array(32).fill(2)), root: tree.root,
  size_bytes: data.length, leaf_bytes: 64, price_units_per_epoch: 1_000n, epochs: 12, collateral_units: 5_000n, retrieval_price_units: 3n,
  epoch_ms: 60_000, answer_window_ms: 20_000,
};
const native: Sha256 = (parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('storage requests', () => {
  it('binds every term of the open, and the acceptance differs from the open only in its tag', () => {
    const open = encodeStorageOpen(ledger, terms, 'open');
    const accept = encodeStorageOpen(ledger, terms, 'accept');
    expect(open.length).toBe(accept.length);
    const differing = [...open].flatMap((b, i) => (b === accept[i] ? [] : [i]));
    expect(differing).toHaveLength(1);
    expect([open[differing[0]!], accept[differing[0]!]]).toEqual([STORAGE_REQUEST_TAGS.open, STORAGE_REQUEST_TAGS.accept]);
    const changes: Array<Partial<StorageOpenTerms>> = [
      { nonce: 8n }, { provider: terms.requester }, { root: new Uint8Array(32) }, { size_bytes: data.length - 1 }, { leaf_bytes: 128 },
      { price_units_per_epoch: 1_001n }, { epochs: 13 }, { collateral_units: 0n }, { retrieval_price_units: 4n }, { epoch_ms: 60_001 },
      { answer_window_ms: 19_999 },
    ];
    const encodings = new Set(changes.map((c) => hex(encodeStorageOpen(ledger, { ...terms, ...c }, 'open'))));
    expect(encodings.size).toBe(changes.length);
    expect(encodings.has(hex(open))).toBe(false);
    expect(hex(encodeStorageOpen(toPublicKeyHex(new Uint8Array(32).fill(8)), terms, 'open'))).not.toBe(hex(open));
    expect(() => encodeStorageOpen(ledger, { ...terms, root: new Uint8Array(31) }, 'open')).toThrow(/root/);
    expect(() => encodeStorageOpen(ledger, { ...terms, epochs: -1 }, 'open')).toThrow(/epochs/);
  });

  it('names a contract by its requester and nonce', () => {
    const id = storageContractIdFor(terms.requester, 7n);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(storageContractIdFor(terms.requester, 8n)).not.toBe(id);
    expect(storageContractIdFor(terms.provider, 7n)).not.toBe(id);
  });

  it('binds an answer to its contract, its epoch and every byte of its proofs, on noble and on node:crypto alike', () => {
    const proofs = [3, 11, 19].map((i) => proveLeaf(tree, i, data.slice(i * 64, (i + 1) * 64)));
    const id = storageContractIdFor(terms.requester, 7n);
    const answer = encodeStorageAnswer(ledger, id, 4, proofs);
    expect(hex(encodeStorageAnswer(ledger, id, 4, proofs, native))).toBe(hex(answer));
    expect(hex(proofsDigest(proofs, native))).toBe(hex(proofsDigest(proofs)));
    const flipped = proofs.map((p, k) => (k === 2 ? { ...p, path: p.path.map((h, j) => (j === 0 ? h.map((b, i) => (i === 0 ? b ^ 1 : b)) : h)) } : p));
    const variants = [
      encodeStorageAnswer(ledger, storageContractIdFor(terms.requester, 8n), 4, proofs), encodeStorageAnswer(ledger, id, 5, proofs),
      encodeStorageAnswer(ledger, id, 4, proofs.slice(1)), encodeStorageAnswer(ledger, id, 4, [...proofs].reverse()),
      encodeStorageAnswer(ledger, id, 4, flipped),
    ];
    for (const v of variants) expect(hex(v)).not.toBe(hex(answer));
    expect(() => encodeStorageAnswer(ledger, 'not-an-id', 4, proofs)).toThrow(/contract_id/);
  });
});

// Paid storage's pieces together, as the later wire and UI will use them: a file encrypted into two replicas under
// keys derived from the storage secret, a Merkle root per replica, a contract per provider answered from the stored
// ciphertext, a provider that deletes 10 % caught and slashed, and a restore that re-derives the keys from the
// secret alone and gets the file back bit for bit (SHA-256 equal).
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { toPublicKeyHex } from '../../../src/protocol/ed25519.ts';
import { beaconCommit, leavesPerChallenge } from '../../../src/protocol/storage-challenge.ts';
import { crankContract, epochStartMs, openContract, type ContractEffect, type ContractState } from '../../../src/protocol/storage-contract.ts';
import { buildTree, DEFAULT_LEAF_BYTES, proveLeaf, type MerkleTree } from '../../../src/protocol/storage-merkle.ts';
import { chunkSpan, decodeHeader, decryptFile, encodeHeader, encryptFile, HEADER_BYTES, importReplicaKey } from '../../../src/services/storage/encrypt.ts';
import { deriveFileKey, deriveReplicaKey, FILE_ID_BYTES } from '../../../src/services/storage/keys.ts';

const SECRET = sha256(new TextEncoder().encode('the wallet storage secret, from the phrase'));
const FILE_ID = sha256(new TextEncoder().encode('file id')).subarray(0, FILE_ID_BYTES);
const beacon = (epoch: number) => sha256(new TextEncoder().encode(`ledger beacon ${epoch}`));

async function replicaKey(index: number): Promise<CryptoKey> {
  return importReplicaKey(await deriveReplicaKey(await deriveFileKey(SECRET, FILE_ID), FILE_ID, index));
}

function contract(id: string, tree: MerkleTree, provider: number): ContractState {
  const opened = openContract({
    contract_id: id, requester_key: toPublicKeyHex(new Uint8Array(32).fill(9)), provider_key: toPublicKeyHex(new Uint8Array(32).fill(provider)),
    root: tree.root, size_bytes: tree.size_bytes, leaf_bytes: tree.leaf_bytes, price_units_per_epoch: 100n, epochs: 8,
    collateral_units: 1_000n, start_ms: 0, epoch_ms: 10_000, answer_window_ms: 5_000, leaves_per_challenge: leavesPerChallenge(),
  }, beaconCommit(beacon(0)));
  if (!opened.ok) throw new Error(opened.reason);
  return opened.state;
}

/** One epoch: the ledger challenges, the provider answers from what it stores (deleted leaves read as zeros). */
function epoch(s: ContractState, stored: Uint8Array, tree: MerkleTree, deleted: Set<number>): { effects: readonly ContractEffect[]; state: ContractState } {
  const at = epochStartMs(s.terms, s.epoch);
  const c = crankContract(s, { type: 'challenge', epoch: s.epoch, beacon_secret: beacon(s.epoch), next_commit: beaconCommit(beacon(s.epoch + 1)) }, at);
  if (!c.ok) throw new Error(c.rejection);
  const proofs = c.state.challenge!.indexes.map((i) => {
    const leaf = stored.slice(i * DEFAULT_LEAF_BYTES, (i + 1) * DEFAULT_LEAF_BYTES);
    return proveLeaf(tree, i, deleted.has(i) ? leaf.fill(0) : leaf);
  });
  const answered = crankContract(c.state, { type: 'answer', epoch: s.epoch, proofs }, at + 100);
  const settled = answered.ok ? answered : crankContract(c.state, { type: 'tick' }, at + 5_001);
  if (!settled.ok) throw new Error(settled.rejection);
  return { effects: settled.effects, state: settled.state };
}

describe('storage pipeline', () => {
  it('stores two replicas, pays the honest provider, slashes the lossy one, and restores from the secret', async () => {
    const file = new Uint8Array(300_000).map((_, i) => (i * 31 + (i >> 8)) & 0xff);
    const replicas = [await encryptFile(await replicaKey(0), file, FILE_ID, 0), await encryptFile(await replicaKey(1), file, FILE_ID, 1)];
    const trees = replicas.map((r) => buildTree(r));
    expect(trees[0]!.root).not.toEqual(trees[1]!.root);
    let honest = contract('c-honest', trees[0]!, 1);
    let lossy = contract('c-lossy', trees[1]!, 2);
    const leaves = trees[1]!.levels[0]!.length / 32;
    const deleted = new Set(Array.from({ length: Math.ceil(leaves / 10) }, (_, k) => (k * 10 + 3) % leaves));
    const effects: { honest: ContractEffect[]; lossy: ContractEffect[] } = { honest: [], lossy: [] };
    for (let e = 0; e < 8; e++) {
      const h = epoch(honest, replicas[0]!, trees[0]!, new Set());
      effects.honest.push(...h.effects);
      honest = h.state;
      if (lossy.phase !== 'Ended') {
        const l = epoch(lossy, replicas[1]!, trees[1]!, deleted);
        effects.lossy.push(...l.effects);
        lossy = l.state;
      }
    }
    expect(honest).toMatchObject({ end_reason: 'completed', paid_units: 800n, returned_units: 1_000n });
    expect(lossy.end_reason).toBe('too_many_misses');
    expect(lossy.paid_units).toBeLessThanOrEqual(100n);
    expect(effects.lossy.filter((x) => x.type === 'slash_collateral').reduce((n, x) => n + (x as { units: bigint }).units, 0n)).toBe(1_000n);

    // Restore on a new machine: nothing but the secret, the file id and the replica index from the contract list.
    for (const index of [0, 1]) {
      const opened = await decryptFile(await replicaKey(index), replicas[index]!, { file_id: FILE_ID, replica_index: index });
      expect(opened.ok && Buffer.from(sha256(opened.plaintext)).toString('hex')).toBe(Buffer.from(sha256(file)).toString('hex'));
    }
  });

  it('refuses a replica with a middle chunk dropped, also when the header is rewritten to match', async () => {
    const key = await replicaKey(0);
    const file = new Uint8Array(5 * 4096 + 123).map((_, i) => i & 0xff);
    const replica = await encryptFile(key, file, FILE_ID, 0, 4096);
    const header = decodeHeader(replica)!;
    const span = chunkSpan(header, 2);
    const dropped = new Uint8Array([...replica.subarray(0, span.offset), ...replica.subarray(span.offset + span.length)]);
    expect(await decryptFile(key, dropped, { file_id: FILE_ID, replica_index: 0 })).toEqual({ ok: false, error: 'truncated' });
    const rewritten = dropped.slice();
    rewritten.set(encodeHeader({ ...header, size_bytes: header.size_bytes - 4096 }), 0);
    expect(rewritten.length).toBe(HEADER_BYTES + header.size_bytes - 4096 + 5 * 16);
    expect(await decryptFile(key, rewritten, { file_id: FILE_ID, replica_index: 0 })).toEqual({ ok: false, error: 'chunk_auth_failed', chunk: 0 });
  });
});

// Shared fixture of the storage contract tests: a small random replica and its tree, contract terms, the verifier's
// beacon (secret per epoch, committed in advance) and an honest or lossy provider that answers challenges.
import { sha256 } from '@noble/hashes/sha2.js';
import { toPublicKeyHex } from '../../src/protocol/ed25519.ts';
import { beaconCommit } from '../../src/protocol/storage-challenge.ts';
import { openContract, type ContractEvent, type ContractState, type ContractTerms } from '../../src/protocol/storage-contract.ts';
import { buildTree, leafCount, proveLeaf, type LeafProof, type MerkleTree } from '../../src/protocol/storage-merkle.ts';

export const LEAF = 64;
export const EPOCH_MS = 60_000;
export const WINDOW_MS = 20_000;
export const START_MS = 1_000_000;

export function randomBytes(seed: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 32) out.set(sha256(new TextEncoder().encode(`${seed}/${at}`)).subarray(0, Math.min(32, length - at)), at);
  return out;
}

export interface Replica {
  readonly data: Uint8Array;
  readonly tree: MerkleTree;
}

export function replica(seed = 'replica', size = 40 * LEAF + 17): Replica {
  const data = randomBytes(seed, size);
  return { data, tree: buildTree(data, LEAF) };
}

export function terms(r: Replica, over: Partial<ContractTerms> = {}): ContractTerms {
  return {
    contract_id: 'contract-1', requester_key: toPublicKeyHex(new Uint8Array(32).fill(1)), provider_key: toPublicKeyHex(new Uint8Array(32).fill(2)),
    root: r.tree.root, size_bytes: r.tree.size_bytes, leaf_bytes: LEAF, price_units_per_epoch: 1_000n, epochs: 6,
    collateral_units: 5_000n, start_ms: START_MS, epoch_ms: EPOCH_MS, answer_window_ms: WINDOW_MS, leaves_per_challenge: 8, ...over,
  };
}

/** The verifier's beacon: a secret per epoch, each committed before its epoch (here derived from a seed). */
export class Beacon {
  constructor(readonly seed = 'beacon') {}
  secret(epoch: number): Uint8Array {
    return sha256(new TextEncoder().encode(`${this.seed}/${epoch}`));
  }
  commit(epoch: number): Uint8Array {
    return beaconCommit(this.secret(epoch));
  }
  challenge(epoch: number): ContractEvent {
    return { type: 'challenge', epoch, beacon_secret: this.secret(epoch), next_commit: this.commit(epoch + 1) };
  }
}

export function open(t: ContractTerms, beacon = new Beacon()): ContractState {
  const opened = openContract(t, beacon.commit(0));
  if (!opened.ok) throw new Error(opened.reason);
  return opened.state;
}

/** A provider's copy: the replica with some leaves gone. An answer proves what it holds and forges the rest. */
export class Provider {
  readonly lost = new Set<number>();
  constructor(readonly r: Replica) {}
  leaf(index: number): Uint8Array {
    return this.r.data.slice(index * LEAF, (index + 1) * LEAF);
  }
  loseFraction(fraction: number, seed: number): void {
    const count = leafCount(this.r.tree);
    for (let i = 0; this.lost.size < Math.round(count * fraction); i++) this.lost.add((seed + i * 7) % count);
  }
  /** Honest proofs for held leaves; for a lost leaf, the best it can do is guess bytes. */
  proofs(indexes: readonly number[]): LeafProof[] {
    return indexes.map((i) => {
      const honest = proveLeaf(this.r.tree, i, this.leaf(i));
      return this.lost.has(i) ? { ...honest, leaf: new Uint8Array(honest.leaf.length) } : honest;
    });
  }
  canAnswer(indexes: readonly number[]): boolean {
    return indexes.every((i) => !this.lost.has(i));
  }
}

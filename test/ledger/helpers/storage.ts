// Fixtures for paid storage on the ledger: a replica and its tree, both parties' signed open, and a provider that
// answers the ledger's challenge (honestly, from a copy with lost leaves, or forged), over the in-process HTTP API.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PublicKeyHex, Signer } from '../../../src/protocol/ed25519.ts';
import { buildTree, encodeProof, leafCount, proveLeaf, type LeafProof, type MerkleTree } from '../../../src/protocol/storage-merkle.ts';
import { encodeStorageAnswer, encodeStorageOpen, storageContractIdFor, type StorageOpenTerms } from '../../../src/protocol/storage-request.ts';
import type { Fixture } from './ledger.ts';

export const LEAF_BYTES = 256;
export const EPOCH_MS = 2_000;
export const WINDOW_MS = 500;
export const PRICE_UNITS = 1_000n;
export const COLLATERAL_UNITS = 50_000n;
/** Ledger options for storage tests: 1 s epochs allowed, no timer (tests call storageTick() or read). */
export const STORAGE_TEST_OPTIONS = { storage: { min_epoch_ms: 1_000, tickIntervalMs: 0 } };

export interface Party {
  readonly signer: Signer;
  readonly key: PublicKeyHex;
}

export function randomReplica(seed: string, size: number, leaf_bytes = LEAF_BYTES): { data: Uint8Array; tree: MerkleTree } {
  const data = new Uint8Array(size);
  for (let at = 0; at < size; at += 32) data.set(sha256(new TextEncoder().encode(`${seed}/${at}`)).subarray(0, Math.min(32, size - at)), at);
  return { data, tree: buildTree(data, leaf_bytes) };
}

export type Replica = ReturnType<typeof randomReplica>;

export function openTerms(requester: Party, provider: Party, replica: Replica, nonce: bigint, over: Partial<StorageOpenTerms> = {}): StorageOpenTerms {
  return {
    requester: requester.key, nonce, provider: provider.key, root: replica.tree.root, size_bytes: replica.tree.size_bytes,
    leaf_bytes: replica.tree.leaf_bytes, price_units_per_epoch: PRICE_UNITS, epochs: 4, collateral_units: COLLATERAL_UNITS,
    retrieval_price_units: 10n, epoch_ms: EPOCH_MS, answer_window_ms: WINDOW_MS, ...over,
  };
}

/** The open's JSON body, signed by both (each may sign other terms, to test refusal). */
export async function openBody(
  f: Fixture, requester: Party, provider: Party, terms: StorageOpenTerms,
  signed: { requesterTerms?: StorageOpenTerms; providerTerms?: StorageOpenTerms } = {},
): Promise<Record<string, unknown>> {
  const ledger = f.service.ledgerId;
  const requester_signature = bytesToHex(await requester.signer.sign(encodeStorageOpen(ledger, signed.requesterTerms ?? terms, 'open')));
  const provider_signature = bytesToHex(await provider.signer.sign(encodeStorageOpen(ledger, signed.providerTerms ?? terms, 'accept')));
  return {
    requester: terms.requester, provider: terms.provider, root: bytesToHex(terms.root), size_bytes: terms.size_bytes, leaf_bytes: terms.leaf_bytes,
    price_units_per_epoch: String(terms.price_units_per_epoch), epochs: terms.epochs, collateral_units: String(terms.collateral_units),
    retrieval_price_units: String(terms.retrieval_price_units), epoch_ms: terms.epoch_ms, answer_window_ms: terms.answer_window_ms,
    nonce: String(terms.nonce), requester_signature, provider_signature,
  };
}

export async function openContract(f: Fixture, requester: Party, provider: Party, replica: Replica, nonce: bigint, over: Partial<StorageOpenTerms> = {}) {
  const terms = openTerms(requester, provider, replica, nonce, over);
  const reply = await f.request('POST', '/storage/contracts', await openBody(f, requester, provider, terms));
  if (reply.status !== 201) throw new Error(`open refused: ${JSON.stringify(reply.json)}`);
  return { id: storageContractIdFor(requester.key, nonce), terms, reply };
}

/** A provider's copy of a replica; `lost` leaves are gone and answered with zeros (the best a cheat can do). */
export class StoringProvider {
  readonly lost = new Set<number>();
  constructor(readonly party: Party, readonly replica: Replica) {}

  loseFraction(fraction: number): void {
    const count = leafCount(this.replica.tree);
    for (let i = 0; this.lost.size < Math.round(count * fraction); i++) this.lost.add((i * 7919) % count);
  }

  proofs(indexes: readonly number[]): LeafProof[] {
    const { data, tree } = this.replica;
    return indexes.map((i) => {
      const proof = proveLeaf(tree, i, data.slice(i * tree.leaf_bytes, (i + 1) * tree.leaf_bytes));
      return this.lost.has(i) ? { ...proof, leaf: new Uint8Array(proof.leaf.length) } : proof;
    });
  }

  async answerBody(f: Fixture, contract_id: string, epoch: number, proofs: readonly LeafProof[]): Promise<Record<string, unknown>> {
    const signature = bytesToHex(await this.party.signer.sign(encodeStorageAnswer(f.service.ledgerId, contract_id, epoch, proofs)));
    return { epoch, proofs: proofs.map((p) => Buffer.from(encodeProof(p)).toString('base64')), signature };
  }

  /** Fetches the open challenge and answers it; returns the ledger's reply (or the challenge refusal). */
  async answer(f: Fixture, contract_id: string): Promise<{ status: number; json: Record<string, unknown> }> {
    const challenge = await f.request('GET', `/storage/contracts/${contract_id}/challenge`);
    if (challenge.status !== 200) return challenge;
    const { epoch, indexes } = challenge.json as { epoch: number; indexes: number[] };
    return f.request('POST', `/storage/contracts/${contract_id}/answers`, await this.answerBody(f, contract_id, epoch, this.proofs(indexes)));
  }
}

export async function balances(f: Fixture, key: PublicKeyHex): Promise<{ balance: bigint; escrow: bigint }> {
  const a = await f.request('GET', `/accounts/${key}`);
  return { balance: BigInt(a.json.balance_units as string), escrow: BigInt(a.json.escrow_units as string) };
}

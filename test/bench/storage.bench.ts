// Paid storage's costs on one core: Merkle build over a 64 MiB replica, proofs generated and verified per second,
// the ledger's challenge load (one epoch's 44-leaf answer checked by the contract machine), and upload throughput
// before the wire: encrypt (AES-256-GCM, WebCrypto) and encrypt + hash for a 64 MiB file, plus decrypt; SHA-256
// itself, noble and native, as the yardstick for the Merkle figures.
import { createHash, randomFillSync } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { beaconCommit, leavesPerChallenge } from '../../src/protocol/storage-challenge.ts';
import { crankContract, openContract, type ContractState } from '../../src/protocol/storage-contract.ts';
import { toPublicKeyHex } from '../../src/protocol/ed25519.ts';
import { buildTree, DEFAULT_LEAF_BYTES, leafCount, LeafHasher, proveLeaf, verifyLeaf, type Sha256 } from '../../src/protocol/storage-merkle.ts';
import {
  chunkCount, chunkPlainLength, decryptFile, DEFAULT_CHUNK_BYTES, encodeHeader, encryptChunk, encryptFile, importReplicaKey,
  type ReplicaHeader,
} from '../../src/services/storage/encrypt.ts';
import { deriveFileKey, deriveReplicaKey } from '../../src/services/storage/keys.ts';
import { opsPerSecond, type BenchContext, type BenchResult } from './bench.ts';

/** What the ledger (a Node shell) may pass to the pure rules instead of noble's SHA-256. */
const nativeSha256: Sha256 = (parts) => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return new Uint8Array(h.digest());
};

const FILE_BYTES = 64 * 1024 * 1024;
const MIB = 1024 * 1024;
const RUNS = 3;

async function bestOf<T>(runs: number, fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  let best = Infinity;
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    value = await fn();
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, value };
}

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) randomFillSync(out, at, Math.min(65_536, length - at));
  return out;
}

export default async function storageBench(ctx: BenchContext): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const plaintext = randomBytes(FILE_BYTES);
  const file_id = randomBytes(16);
  const key = await importReplicaKey(await deriveReplicaKey(await deriveFileKey(randomBytes(32), file_id), file_id, 0));

  const enc = await bestOf(RUNS, () => encryptFile(key, plaintext, file_id, 0));
  const replica = enc.value;
  results.push({ name: 'encrypt 64 MiB (AES-256-GCM, 64 KiB chunks)', value: FILE_BYTES / MIB / (enc.ms / 1000), unit: 'MiB/s', note: `best of ${RUNS}` });
  const tree = await bestOf(RUNS, () => buildTree(replica, DEFAULT_LEAF_BYTES));
  results.push({ name: 'Merkle build 64 MiB (4 KiB leaves)', value: tree.ms, unit: 'ms', note: `${leafCount(tree.value)} leaves` });
  results.push({ name: 'upload before the wire: encrypt + hash', value: FILE_BYTES / MIB / ((enc.ms + tree.ms) / 1000), unit: 'MiB/s' });
  // The browser's upload path: chunk by chunk, each sealed chunk hashed into the tree as it leaves, no second copy.
  const streamed = await bestOf(RUNS, async () => {
    const header: ReplicaHeader = { chunk_bytes: DEFAULT_CHUNK_BYTES, size_bytes: FILE_BYTES, file_id, replica_index: 0 };
    const hasher = new LeafHasher().update(encodeHeader(header));
    for (let c = 0; c < chunkCount(header); c++) {
      const at = c * DEFAULT_CHUNK_BYTES;
      hasher.update(await encryptChunk(key, header, c, plaintext.subarray(at, at + chunkPlainLength(header, c))));
    }
    return hasher.finish();
  });
  if (!streamed.value.root.every((b, k) => b === tree.value.root[k])) throw new Error('bench: streamed root differs');
  results.push({ name: 'upload before the wire, streamed chunk by chunk', value: FILE_BYTES / MIB / (streamed.ms / 1000), unit: 'MiB/s' });
  // Where the tree's time goes: the same bytes through noble's SHA-256 (what the pure code uses, browser and ledger
  // alike) and through Node's native one, so a figure taken on a loaded machine can be read against both.
  const noble = await bestOf(RUNS, () => sha256(replica));
  const native = await bestOf(RUNS, () => createHash('sha256').update(replica).digest());
  results.push({ name: 'reference: SHA-256 64 MiB, noble (pure JS)', value: FILE_BYTES / MIB / (noble.ms / 1000), unit: 'MiB/s' });
  results.push({ name: 'reference: SHA-256 64 MiB, node:crypto (native)', value: FILE_BYTES / MIB / (native.ms / 1000), unit: 'MiB/s' });
  const dec = await bestOf(RUNS, () => decryptFile(key, replica, { file_id, replica_index: 0 }));
  if (!dec.value.ok) throw new Error('bench: decrypt failed');
  results.push({ name: 'decrypt 64 MiB', value: FILE_BYTES / MIB / (dec.ms / 1000), unit: 'MiB/s' });
  ctx.log(`encrypt ${enc.ms.toFixed(0)} ms, tree ${tree.ms.toFixed(0)} ms, decrypt ${dec.ms.toFixed(0)} ms`);

  const t = tree.value;
  const count = leafCount(t);
  const leafOf = (i: number) => replica.subarray(i * DEFAULT_LEAF_BYTES, (i + 1) * DEFAULT_LEAF_BYTES);
  let i = 0;
  results.push({ name: 'proofs generated (64 MiB tree)', value: await opsPerSecond(() => proveLeaf(t, (i = (i + 7919) % count), leafOf(i))), unit: 'proofs/s', note: `path of ${proveLeaf(t, 0, leafOf(0)).path.length} hashes` });
  const proofs = Array.from({ length: 256 }, (_, k) => proveLeaf(t, (k * 7919) % count, leafOf((k * 7919) % count)));
  let j = 0;
  results.push({ name: 'proofs verified (64 MiB tree, 4 KiB leaves)', value: await opsPerSecond(() => {
    if (verifyLeaf(t.root, t, proofs[(j = (j + 1) % proofs.length)]!) !== 'ok') throw new Error('bench: proof refused');
  }), unit: 'proofs/s' });
  results.push({ name: 'proofs verified, node:crypto SHA-256 passed in', value: await opsPerSecond(() => {
    if (verifyLeaf(t.root, t, proofs[(j = (j + 1) % proofs.length)]!, nativeSha256) !== 'ok') throw new Error('bench: proof refused');
  }), unit: 'proofs/s' });

  // The ledger's load: one contract's epoch, challenge derivation plus a 44-leaf answer checked against the root.
  const secret = randomBytes(32);
  const opened = openContract({
    contract_id: 'bench', requester_key: toPublicKeyHex(new Uint8Array(32).fill(1)), provider_key: toPublicKeyHex(new Uint8Array(32).fill(2)),
    root: t.root, size_bytes: t.size_bytes, leaf_bytes: t.leaf_bytes, price_units_per_epoch: 1n, epochs: 10, collateral_units: 0n,
    start_ms: 0, epoch_ms: 60_000, answer_window_ms: 30_000, leaves_per_challenge: leavesPerChallenge(),
  }, beaconCommit(secret));
  if (!opened.ok) throw new Error(opened.reason);
  const step = crankContract(opened.state, { type: 'challenge', epoch: 0, beacon_secret: secret, next_commit: beaconCommit(secret) }, 0);
  if (!step.ok) throw new Error(step.rejection);
  const challenged: ContractState = step.state;
  const indexes = challenged.challenge!.indexes;
  const answer = { type: 'answer' as const, epoch: 0, proofs: indexes.map((k) => proveLeaf(t, k, leafOf(k))) };
  const answerBytes = answer.proofs.reduce((n, p) => n + p.leaf.length + p.path.length * 32 + 9, 0);
  results.push({ name: 'ledger: epochs checked (challenge + 44-leaf answer)', value: await opsPerSecond(() => {
    const c = crankContract(opened.state, { type: 'challenge', epoch: 0, beacon_secret: secret, next_commit: beaconCommit(secret) }, 0);
    if (!c.ok || !crankContract(c.state, answer, 1).ok) throw new Error('bench: answer refused');
  }), unit: 'contracts/s', note: `${indexes.length} distinct leaves, answer ${(answerBytes / 1024).toFixed(0)} KiB` });
  results.push({ name: 'ledger: epochs checked, node:crypto SHA-256 passed in', value: await opsPerSecond(() => {
    const c = crankContract(opened.state, { type: 'challenge', epoch: 0, beacon_secret: secret, next_commit: beaconCommit(secret) }, 0);
    if (!c.ok || !crankContract(c.state, answer, 1, nativeSha256).ok) throw new Error('bench: answer refused');
  }), unit: 'contracts/s' });
  return results;
}

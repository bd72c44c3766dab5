// The storage provider's pure core and its disk store: which contracts are due and when to look again; challenges
// it must not answer (another replica, another shape, bad indexes, too late); answers from damaged leaves refused
// before they reach the ledger; the folder's maximum (over_quota, nothing written) kept across a reopen.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import { buildTree, leafCount, verifyLeaf } from '../../../src/protocol/storage-merkle.ts';
import { checkChallenge, MAX_POLL_MS, MIN_POLL_MS, planAnswer, planPoll, type ChallengeGlance, type ContractGlance } from '../../../src/services/storage/provider-core.ts';
import { BYTES_PER_MIB, ReplicaStore, replicaFootprintBytes } from '../../../src/services/storage/replica-store.ts';

const ME = 'aa'.repeat(32) as PublicKeyHex;
const OTHER = 'bb'.repeat(32) as PublicKeyHex;
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff);
const data = bytes(50 * 256 + 17, 1);
const tree = buildTree(data, 256);
const root = bytesToHex(tree.root);

function glance(over: Partial<ContractGlance> & { contract_id: string }): ContractGlance {
  return { provider: ME, terms: { root }, phase: 'WaitingForEpoch', epoch: 0, challenge: null, next_epoch_at_ms: 1_000, ...over };
}

function challenge(over: Partial<ChallengeGlance> = {}): ChallengeGlance {
  return { contract_id: 'c1', epoch: 0, indexes: [0, 3, 50], deadline_ms: 2_000, root, size_bytes: tree.size_bytes, leaf_bytes: 256, leaf_count: leafCount(tree), ...over };
}

describe('planPoll', () => {
  it('picks started, unhandled epochs of my live contracts and wakes at the soonest next event', () => {
    const contracts = [
      glance({ contract_id: 'started', next_epoch_at_ms: 900 }),
      glance({ contract_id: 'open', phase: 'WaitingForAnswer', challenge: { epoch: 2, deadline_ms: 1_400 }, epoch: 2, next_epoch_at_ms: null }),
      glance({ contract_id: 'later', next_epoch_at_ms: 1_700 }),
      glance({ contract_id: 'handled', phase: 'WaitingForAnswer', challenge: { epoch: 5, deadline_ms: 1_300 }, epoch: 5, next_epoch_at_ms: null }),
      glance({ contract_id: 'not-mine', provider: OTHER, next_epoch_at_ms: 0 }),
      glance({ contract_id: 'ended', phase: 'Ended', next_epoch_at_ms: null }),
    ];
    const plan = planPoll(ME, contracts, new Map([['handled', { epoch: 5, until_ms: 1_301 }], ['open', { epoch: 1, until_ms: 0 }]]), 1_000);
    expect(plan.due).toEqual(['started', 'open']);
    expect(plan.wake_at_ms).toBe(1_301);
    expect(planPoll(ME, [], new Map(), 1_000).wake_at_ms).toBe(1_000 + MAX_POLL_MS);
    expect(planPoll(ME, [glance({ contract_id: 'x', next_epoch_at_ms: 1_001 })], new Map(), 1_000).wake_at_ms).toBe(1_000 + MIN_POLL_MS);
  });
});

describe('checkChallenge and planAnswer', () => {
  it('refuses challenges for another replica or shape, bad indexes, and a passed deadline', () => {
    expect(checkChallenge(challenge(), tree, 1_000)).toBeNull();
    expect(checkChallenge(challenge({ root: 'cd'.repeat(32) }), tree, 1_000)).toBe('unknown_replica');
    expect(checkChallenge(challenge(), null, 1_000)).toBe('unknown_replica');
    expect(checkChallenge(challenge({ size_bytes: tree.size_bytes + 1 }), tree, 1_000)).toBe('shape_mismatch');
    expect(checkChallenge(challenge({ leaf_count: 99 }), tree, 1_000)).toBe('shape_mismatch');
    for (const indexes of [[], [3, 0], [1, 1], [-1], [51], [0.5], Array.from({ length: 1025 }, (_, i) => i)]) {
      expect(checkChallenge(challenge({ indexes, leaf_count: leafCount(tree) }), tree, 1_000), JSON.stringify(indexes.slice(0, 3))).toBe('bad_indexes');
    }
    expect(checkChallenge(challenge({ deadline_ms: 1_000 }), tree, 1_000)).toBe('deadline_passed');
  });

  it('answers with proofs that verify, and finds damaged or missing leaves itself', () => {
    const indexes = [0, 3, 50];
    const leaves = indexes.map((i) => data.slice(i * 256, (i + 1) * 256));
    const plan = planAnswer(tree, indexes, leaves);
    expect(plan.ok).toBe(true);
    if (plan.ok) for (const p of plan.proofs) expect(verifyLeaf(tree.root, tree, p)).toBe('ok');
    const zeroed = leaves.map((l, k) => (k === 1 ? new Uint8Array(l.length) : l));
    expect(planAnswer(tree, indexes, zeroed)).toEqual({ ok: false, reason: 'missing_leaves', missing: [3] });
    expect(planAnswer(tree, indexes, [null, leaves[1] ?? null, leaves[2]?.slice(1) ?? null])).toEqual({ ok: false, reason: 'missing_leaves', missing: [0, 50] });
  });
});

describe('ReplicaStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), 'seedpay-replicas-'));
    dirs.push(d);
    return d;
  };

  it('keeps replicas under the maximum: over_quota writes nothing, a reopen counts what is there', () => {
    const dir = folder();
    const store = ReplicaStore.open(dir, 1);
    const a = bytes(600 * 1024, 2);
    const put = store.put(a, 4096);
    expect(put).toMatchObject({ ok: true, root: bytesToHex(buildTree(a, 4096).root) });
    expect(store.used_bytes).toBe(replicaFootprintBytes(a.length, 4096));
    const files = readdirSync(dir).sort();
    expect(store.put(bytes(600 * 1024, 3), 4096)).toEqual({ ok: false, code: 'over_quota' });
    expect(readdirSync(dir).sort()).toEqual(files);
    const small = bytes(1000, 9);
    const first = store.put(small, 4096);
    expect(store.put(small, 4096)).toEqual({ ok: false, code: 'already_held' });
    if (first.ok) store.remove(first.root);
    expect(store.put(bytes(1000, 4), 4096, new Uint8Array(32))).toEqual({ ok: false, code: 'root_mismatch' });
    expect(store.put(new Uint8Array(0), 4096)).toEqual({ ok: false, code: 'bad_shape' });
    expect(store.put(bytes(1000, 4), 32)).toEqual({ ok: false, code: 'bad_shape' });
    expect(() => ReplicaStore.open(dir, 0)).toThrow(RangeError);

    writeFileSync(join(dir, 'leftover.replica.tmp'), 'x');
    const again = ReplicaStore.open(dir, 1);
    expect(again.used_bytes).toBe(store.used_bytes);
    expect(readdirSync(dir)).not.toContain('leftover.replica.tmp');
    const root = put.ok ? put.root : '';
    const t = again.tree(root, 4096);
    expect(t && bytesToHex(t.root)).toBe(root);
    expect(again.tree(root, 2048)).toBeNull();
    expect(again.tree('../' + root.slice(3), 4096)).toBeNull();
    const leaves = again.readLeaves(t!, [0, 149]);
    expect(leaves[0]).toEqual(a.slice(0, 4096));
    expect(leaves[1]).toEqual(a.slice(149 * 4096, 150 * 4096));
    again.remove(root);
    expect(again.used_bytes).toBe(0);
    expect(again.free_bytes).toBe(BYTES_PER_MIB);
    expect(again.put(bytes(600 * 1024, 3), 4096).ok).toBe(true);
  });
});

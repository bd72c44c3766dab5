// Upload over the storage frames, against the real ledger (SQLite): a requester offers signed terms, the provider
// accepts within its limits, the encrypted replica streams in order, the provider checks the root, stores it and
// signs; the contract opens and the provider's challenge client is paid for the first epoch. Every bad offer or frame
// is refused with its code: nothing stored, no contract, nobody paid.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StorageOpenTerms } from '../../../src/protocol/storage-request.ts';
import { encryptFile, importReplicaKey } from '../../../src/services/storage/encrypt.ts';
import { ReplicaStore } from '../../../src/services/storage/replica-store.ts';
import { decodeFrame, encodeFrame, type StorageFrame } from '../../../src/services/storage/storage-frames.ts';
import { StorageProvider } from '../../../src/services/storage/storage-provider.ts';
import { UploadReceiver, type StorageLimits } from '../../../src/services/storage/upload-receiver.ts';
import { uploadReplica, type FramePort } from '../../../src/services/storage/upload-sender.ts';
import { buildTree } from '../../../src/protocol/storage-merkle.ts';
import { StorageLedgerClient } from '../../../src/wallet/storage-client.ts';
import { createFixture, newSigner, type Fixture } from '../../ledger/helpers/ledger.ts';
import { balances, openTerms, PRICE_UNITS, STORAGE_TEST_OPTIONS, type Party } from '../../ledger/helpers/storage.ts';

const LEAF = 1024;
const LIMITS: StorageLimits = { max_replica_bytes: 512 * 1024, min_price_units_per_mib_epoch: 1_000n, max_collateral_units: 100_000n };

describe('storage upload over the frames (real ledger)', () => {
  let f: Fixture;
  let client: StorageLedgerClient;
  let requester: Party;
  let provider: Party;
  let dir: string;
  let store: ReplicaStore;
  let replica: Uint8Array;

  beforeEach(async () => {
    f = await createFixture('sqlite', null, STORAGE_TEST_OPTIONS);
    client = new StorageLedgerClient({ baseUrl: 'http://ledger.test', fetch: (input, init) => Promise.resolve(f.service.app.request(input, init)) });
    requester = await f.funded();
    provider = await f.funded();
    dir = mkdtempSync(join(tmpdir(), 'seedpay-upload-'));
    store = ReplicaStore.open(dir, 1);
    const plain = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 13) & 0xff);
    replica = await encryptFile(await importReplicaKey(new Uint8Array(32).fill(5)), plain, new Uint8Array(16).fill(1), 0);
  });
  afterEach(async () => {
    expect((await f.service.audit(true)).problems).toEqual([]);
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const termsFor = (data: Uint8Array, nonce: bigint, over: Partial<StorageOpenTerms> = {}) =>
    openTerms(requester, provider, { data, tree: buildTree(data, LEAF) }, nonce, over);

  /** A receiver on the provider's side and a port for the requester, wired back to back in memory. */
  function wire(limits = LIMITS) {
    let toRequester: ((bytes: Uint8Array) => void) | null = null;
    const ended: Array<{ ok: boolean; code?: string }> = [];
    const receiver = new UploadReceiver(
      { signer: provider.signer, ledger_id: f.service.ledgerId, limits, store, send: (b) => queueMicrotask(() => toRequester?.(b)), onEnd: (r) => ended.push(r) },
      provider.key,
    );
    const port: FramePort = { send: (b) => void receiver.receive(b), onFrame: (h) => (toRequester = h) };
    return { receiver, port, ended };
  }

  it('uploads, opens the contract and the provider is paid for the first epoch', async () => {
    const terms = termsFor(replica, 2n);
    const { port, ended } = wire();
    const result = await uploadReplica({
      port, ledger_id: f.service.ledgerId, terms, requester_signature: await client.signTerms(requester.signer, terms, 'open'), replica,
      open: (t, s) => client.open(t, s),
    });
    expect(result.ok).toBe(true);
    expect(ended).toEqual([expect.objectContaining({ ok: true })]);
    expect(store.used_bytes).toBeGreaterThan(replica.length);
    const node = new StorageProvider({ signer: provider.signer, store, ledger: client, now: () => f.clock.now_ms, log: () => {} });
    expect((await node.runOnce()).map((r) => r.outcome)).toEqual(['paid']);
    if (result.ok) expect((await client.contract(result.contract_id)).paid_units).toBe(PRICE_UNITS);
  });

  it('refuses bad offers and bad frames: a typed code, nothing stored, no contract, nobody paid', async () => {
    const start = { requester: await balances(f, requester.key), provider: await balances(f, provider.key) };
    const stranger = await newSigner();
    const signed = async (t: StorageOpenTerms, who: Party = requester) => client.signTerms(who.signer, t, 'open');
    const upload = async (t: StorageOpenTerms, data = replica, sig?: Uint8Array, limits = LIMITS) =>
      uploadReplica({ port: wire(limits).port, ledger_id: f.service.ledgerId, terms: t, requester_signature: sig ?? (await signed(t)), replica: data, open: (x, s) => client.open(x, s), timeout_ms: 2_000 });

    const t = termsFor(replica, 2n);
    expect(await upload(t, replica, await signed(t, stranger))).toEqual({ ok: false, code: 'bad_signature' });
    expect(await upload({ ...t, price_units_per_epoch: 1n })).toEqual({ ok: false, code: 'price_too_low' });
    expect(await upload({ ...t, collateral_units: 100_001n })).toEqual({ ok: false, code: 'collateral_too_high' });
    expect(await upload(t, replica, undefined, { ...LIMITS, max_replica_bytes: 1000 })).toEqual({ ok: false, code: 'too_large' });
    const other = termsFor(replica, 2n);
    expect(await upload({ ...other, provider: stranger.key })).toEqual({ ok: false, code: 'not_for_me' });
    expect(await upload({ ...t, answer_window_ms: t.epoch_ms + 1 })).toEqual({ ok: false, code: 'bad_terms' });
    // The bytes do not hash to the offered root: one flipped byte.
    const flipped = replica.slice();
    flipped[1000] = (flipped[1000] ?? 0) ^ 1;
    expect(await upload(t, flipped)).toEqual({ ok: false, code: 'root_mismatch' });
    // Over the folder's maximum: a 1 MiB store already holding most of a second replica's room.
    const big = Uint8Array.from({ length: 500 * 1024 }, (_, i) => (i * 7) & 0xff);
    expect(store.put(big, LEAF).ok).toBe(true);
    expect(await upload(termsFor(Uint8Array.from({ length: 510 * 1024 }, (_, i) => i & 0xff), 3n), Uint8Array.from({ length: 510 * 1024 }, (_, i) => i & 0xff), undefined, { ...LIMITS, max_replica_bytes: 2 ** 20 })).toEqual({ ok: false, code: 'over_quota' });
    const held = readdirSync(dir).sort();

    // Frames out of turn, sent raw: each refused with its code.
    const raw = async (frames: Uint8Array[]) => {
      const replies: StorageFrame[] = [];
      const receiver = new UploadReceiver({ signer: provider.signer, ledger_id: f.service.ledgerId, limits: LIMITS, store, send: (b) => {
        const d = decodeFrame(b);
        if (d.ok) replies.push(d.frame);
      } }, provider.key);
      for (const frame of frames) await receiver.receive(frame);
      return replies.at(-1);
    };
    const offer = encodeFrame({ type: 'offer', terms: t, requester_signature: await signed(t) });
    const id = (await raw([offer]) as { contract_id: string }).contract_id;
    const data = (offset: number, bytes = replica.subarray(offset, offset + 1000)) => encodeFrame({ type: 'data', offset, bytes });
    expect(await raw([Uint8Array.of(42)])).toEqual({ type: 'refuse', code: 'bad_frame' });
    expect(await raw([data(0)])).toEqual({ type: 'refuse', code: 'unexpected_frame' });
    expect(await raw([offer, offer])).toEqual({ type: 'refuse', code: 'unexpected_frame' });
    expect(await raw([offer, data(1000)])).toEqual({ type: 'refuse', code: 'out_of_order' });
    expect(await raw([offer, data(0), data(0)])).toEqual({ type: 'refuse', code: 'out_of_order' });
    expect(await raw([offer, data(0, new Uint8Array(replica.length + 1).subarray(0, 200_000)), data(200_000, new Uint8Array(200_000))])).toEqual({ type: 'refuse', code: 'beyond_size' });
    expect(await raw([offer, data(0), encodeFrame({ type: 'end', contract_id: id })])).toEqual({ type: 'refuse', code: 'incomplete' });
    expect(await raw([offer, encodeFrame({ type: 'end', contract_id: 'ee'.repeat(32) })])).toEqual({ type: 'refuse', code: 'unexpected_frame' });
    expect(await raw([offer, encodeFrame({ type: 'accept', contract_id: id, provider_signature: new Uint8Array(64) })])).toEqual({ type: 'refuse', code: 'unexpected_frame' });

    // Nothing was stored beyond what the test put there itself, no contract opened, nobody paid.
    expect(readdirSync(dir).sort()).toEqual(held);
    expect((await client.contractsOf(requester.key)).contracts).toEqual([]);
    expect(await balances(f, requester.key)).toEqual(start.requester);
    expect(await balances(f, provider.key)).toEqual(start.provider);
  });
});

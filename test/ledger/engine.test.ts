// The shell around the domain: group commit shares one transaction but never one fate (a poisoned command fails
// alone), acknowledgements come only after commit, and the signature worker agrees with the reference verifier.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditStore, JournalReplay } from '../../src/ledger/audit.ts';
import { genesisWrites, LedgerEngine } from '../../src/ledger/engine.ts';
import { ledgerKeyFromSecret } from '../../src/ledger/ledger-key.ts';
import type { Store } from '../../src/ledger/store.ts';
import { SqliteStore } from '../../src/ledger/store-sqlite.ts';
import { VerifyPool } from '../../src/ledger/verify-pool.ts';
import { createNobleSigner, type PublicKeyHex } from '../../src/protocol/ed25519.ts';

const SIG = 'ab'.repeat(64);
const key = (n: number) => n.toString(16).padStart(2, '0').repeat(32) as PublicKeyHex;

describe('ledger engine', () => {
  let dir: string;
  let store: SqliteStore;
  const ledgerKey = ledgerKeyFromSecret(randomBytes(32));
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seedpay-engine-'));
    store = SqliteStore.open(dir);
    await store.init(ledgerKey.ledger_id, () => genesisWrites(ledgerKey, 1));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits concurrent commands together, and one failing transaction fails only its culprit', async () => {
    const poisoned = key(0x66);
    let transactions = 0;
    // A store that breaks any transaction touching the poisoned account, as a bug or a constraint would.
    const flaky: Store = Object.create(store, {
      transact: {
        value: async (keys: Parameters<Store['transact']>[0], decide: Parameters<Store['transact']>[1]) => {
          transactions++;
          if (keys.account_ids.includes(poisoned)) throw new Error('poisoned transaction');
          return store.transact(keys, decide);
        },
      },
    });
    const engine = new LedgerEngine(flaky, ledgerKey, () => 1_000);
    const claims = [0x10, 0x11, 0x12, 0x66, 0x13].map((n) =>
      engine.submit({ kind: 'airdrop_claim', account: key(n), amount_units: 5n, nonce: 1n, signature: SIG }),
    );
    const settled = await Promise.allSettled(claims);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<{ code: string }>).value.code)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(transactions).toBe(1 + 5); // the shared attempt, then one each
    expect(await store.account(poisoned)).toBeNull();
    expect((await store.account(key(0x13)))?.balance_units).toBe(5n);
    expect((await auditStore(store, new JournalReplay(ledgerKey.ledger_id))).problems).toEqual([]);
  });

  it('signs the head of every commit; a batch of many entries carries one signature', async () => {
    const engine = new LedgerEngine(store, ledgerKey, () => 2_000);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => engine.submit({ kind: 'airdrop_claim', account: key(0x20 + i), amount_units: 1n, nonce: 1n, signature: SIG })),
    );
    const entries = outcomes.map((o) => (o.code === 'ok' ? o.entry : null));
    expect(entries.every(Boolean)).toBe(true);
    const signed = entries.filter((e) => e!.signature !== '');
    expect(signed.length).toBeLessThan(entries.length);
    expect(signed.at(-1)?.seq).toBe((await store.head()).seq);
    expect((await auditStore(store, new JournalReplay(ledgerKey.ledger_id))).problems).toEqual([]);
  });
});

describe('signature worker', () => {
  it('agrees with the reference verifier on good, bad and malformed signatures', async () => {
    const pool = new VerifyPool(1);
    try {
      const signer = createNobleSigner(randomBytes(32));
      const message = randomBytes(100);
      const signature = await signer.sign(message);
      const flipped = Uint8Array.from(signature);
      flipped[0] = (flipped[0] ?? 0) ^ 1;
      const results = await Promise.all([
        pool.verify(signature, message, signer.publicKey),
        pool.verify(flipped, message, signer.publicKey),
        pool.verify(signature, randomBytes(100), signer.publicKey),
        pool.verify(signature.subarray(1), message, signer.publicKey),
        pool.verify(signature, message, new Uint8Array(32)),
      ]);
      expect(results).toEqual([true, false, false, false, false]);
    } finally {
      await pool.close();
    }
  });
});

// Property: under random transfers, blocks, drops and re-orgs of unsolidified blocks, the local chain never moves a
// solidified block, keeps BTT's supply, and its solid state equals a replay of its solidified blocks from genesis.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { buildTransfer, signTransfer } from '../../src/tron/build.ts';
import { SOLIDIFY_CONFIRMATIONS, TronChain, type StoredBlock } from '../../src/tron/chain.ts';
import { BTT_TOKEN_ID } from '../../src/tron/ledger-state.ts';
import { addressOfPublicKey } from '../../src/tron/transaction.ts';

const KEYS = [1, 2, 3].map((n) => new Uint8Array(32).fill(n));
const ADDRESSES = KEYS.map((k) => addressOfPublicKey(secp256k1.getPublicKey(k, false)));
/** BTT issued in block 0: two accounts of 1,000 units. */
const SUPPLY = 2_000n;
const GENESIS = { genesis_ms: 1_700_000_000_000, allocations: ADDRESSES.slice(0, 2).map((address) => ({ address, trx_sun: 10n ** 9n, btt: 1_000n })) };

type Op = { kind: 'send'; from: number; to: number; amount: number; trx: boolean } | { kind: 'blocks'; n: number } | { kind: 'reorg'; depth: number; requeue: boolean } | { kind: 'drop' };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), from: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 2 }), amount: fc.integer({ min: 1, max: 700 }), trx: fc.boolean() }),
  fc.record({ kind: fc.constant('blocks' as const), n: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('reorg' as const), depth: fc.integer({ min: 1, max: 8 }), requeue: fc.boolean() }),
  fc.constant({ kind: 'drop' as const }),
);

describe('local chain under random histories', () => {
  it('keeps solidified blocks, the BTT supply, and a solid state equal to a replay', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const chain = new TronChain(GENESIS);
        const pending: string[] = [];
        const solidIds = new Map<number, string>();
        for (const o of ops) {
          if (o.kind === 'send') {
            const tx = buildTransfer({ owner: ADDRESSES[o.from]!, to: ADDRESSES[o.to]!, amount: BigInt(o.amount), ...(o.trx ? {} : { asset: BTT_TOKEN_ID }) }, chain.head);
            const result = chain.broadcast(signTransfer(tx, KEYS[o.from]!));
            if (result.result) pending.push(result.txid);
            else expect(['CONTRACT_VALIDATE_ERROR', 'DUP_TRANSACTION_ERROR']).toContain(result.code);
          } else if (o.kind === 'blocks') {
            for (let i = 0; i < o.n; i++) chain.produceBlock();
          } else if (o.kind === 'reorg') {
            const depth = Math.min(o.depth, chain.head.number - chain.solidNumber);
            if (depth > 0) chain.reorg(depth, o.requeue);
          } else {
            for (const id of pending) chain.drop(id);
          }
          expect(chain.head.number - chain.solidNumber).toBeLessThanOrEqual(SOLIDIFY_CONFIRMATIONS + 1);
          for (let n = 1; n <= chain.solidNumber; n++) {
            const id = chain.block(n)!.id;
            expect(solidIds.get(n) ?? id).toBe(id);
            solidIds.set(n, id);
          }
        }
        const total = [...ADDRESSES].reduce((sum, a) => sum + (chain.account(a)?.assets.get(BTT_TOKEN_ID) ?? 0n), 0n);
        expect(total).toBe(SUPPLY);
        const stored: StoredBlock[] = [];
        for (let n = 1; n <= chain.solidNumber; n++) {
          const b = chain.block(n)!;
          if (b.txs.length > 0) stored.push({ number: n, timestamp_ms: b.timestamp_ms, txs: b.txs.map((t) => t.json) });
        }
        const replay = new TronChain(GENESIS);
        replay.restore(stored, { number: chain.solidNumber, timestamp_ms: chain.block(chain.solidNumber)!.timestamp_ms });
        for (const a of ADDRESSES) expect(replay.account(a, true)).toEqual(chain.account(a, true));
      }),
      { numRuns: 60, seed: Number(process.env.TRON_PROPERTY_SEED ?? 20_261_207) },
    );
  });
});

// The local chain survives a restart of `npm start`: solidified blocks and balances come back at their numbers,
// unsolidified ones are gone (as after a re-org), and the chain goes on from there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SOLIDIFY_CONFIRMATIONS } from '../../src/tron/chain.ts';
import { BTT_TOKEN_ID } from '../../src/tron/ledger-state.ts';
import { createTronNode } from '../../src/tron/node.ts';
import { buildTransfer, signTransfer } from '../../src/tron/build.ts';
import type { HexAddress } from '../../src/tron/transaction.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('local chain persistence', () => {
  it('restores solidified blocks at their numbers and drops unsolidified ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedpay-tron-'));
    dirs.push(dir);
    const secret = new Uint8Array(32).fill(7);
    const first = createTronNode({ auto: false, dataDir: dir, faucetSecret: secret });
    const alice = `41${'aa'.repeat(20)}` as HexAddress;
    const bob = `41${'bb'.repeat(20)}` as HexAddress;
    expect(first.fund(alice).every((r) => r.result)).toBe(true);
    for (let i = 0; i < 5; i++) first.chain.produceBlock();
    const paid = first.chain.broadcast(signTransfer(buildTransfer({ owner: first.faucetAddress, to: bob, amount: 7n, asset: BTT_TOKEN_ID }, first.chain.head), secret));
    expect(paid.result).toBe(true);
    for (let i = 0; i < SOLIDIFY_CONFIRMATIONS + 3; i++) first.chain.produceBlock();
    const late = first.chain.broadcast(signTransfer(buildTransfer({ owner: first.faucetAddress, to: bob, amount: 1n, asset: BTT_TOKEN_ID }, first.chain.head), secret));
    first.chain.produceBlock();
    const solid = first.chain.solidNumber;
    const bobSolid = first.chain.account(bob, true);
    first.close();

    const second = createTronNode({ auto: false, dataDir: dir, faucetSecret: secret });
    expect(second.chain.head.number).toBe(solid);
    expect(second.chain.solidNumber).toBe(solid);
    expect(second.chain.account(bob)?.assets.get(BTT_TOKEN_ID)).toBe(7n);
    expect(second.chain.account(bob)).toEqual(bobSolid);
    expect(second.chain.locate(paid.txid)?.block.number).toBe(first.chain.locate(paid.txid)?.block.number);
    expect(second.chain.locate(late.txid)).toBeUndefined();
    expect(second.chain.broadcast(signTransfer(buildTransfer({ owner: second.faucetAddress, to: bob, amount: 2n, asset: BTT_TOKEN_ID }, second.chain.head), secret)).result).toBe(true);
    second.chain.produceBlock();
    expect(second.chain.account(bob)?.assets.get(BTT_TOKEN_ID)).toBe(9n);
    second.close();
  });
});

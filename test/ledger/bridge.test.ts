// The ledger's bridge commands for the TRON exchange, on SQLite and PostgreSQL: a deposit credited once per txID,
// a withdrawal held by a signed request and then exactly one of final or released; the audit replays all of it.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BRIDGE_RESERVE_ID } from '../../src/ledger/bridge.ts';
import { RESERVES } from '../../src/ledger/genesis.ts';
import { signWithdrawRequest, withdrawalIdFor, type WithdrawRequest } from '../../src/protocol/exchange-request.ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { createFixture, newSigner, type Fixture, type StoreKind } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';

const pg = startPg();
afterAll(() => pg?.stop());
const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];
const TX = (n: number) => n.toString(16).padStart(64, '0');
const TO = `41${'ab'.repeat(20)}`;
const reserveGenesis = RESERVES.find((r) => r.id === BRIDGE_RESERVE_ID)?.amount_units ?? 0n;

describe.each(kinds)('ledger bridge on %s', (kind) => {
  let f: Fixture;
  beforeEach(async () => {
    f = await createFixture(kind, pg);
  });
  afterEach(async () => {
    await f.close();
  });

  async function signed(signer: Awaited<ReturnType<typeof newSigner>>['signer'], request: WithdrawRequest) {
    const signature = await signWithdrawRequest(signer, f.service.ledgerId, request);
    return { account: request.account, to_address_hex: request.to_address_hex, amount_units: request.amount_units, nonce: request.nonce, signature_hex: bytesToHex(signature) };
  }

  it('credits a deposit once per txID from the bridge reserve, with the txID in the journal', async () => {
    const bridge = f.service.bridge;
    const user = await newSigner();
    expect(await bridge.deposit(TX(1), user.key, 50_000_000n, TO)).toMatchObject({ code: 'ok' });
    expect(await bridge.deposit(TX(1), user.key, 50_000_000n, TO)).toEqual({ code: 'already_credited' });
    expect(await bridge.deposit(TX(1), (await newSigner()).key, 1n, TO)).toEqual({ code: 'already_credited' });
    expect(await bridge.deposit(TX(2), user.key, 0n, TO)).toEqual({ code: 'amount_zero' });
    expect(await bridge.credited(TX(1))).toBe(true);
    expect(await bridge.credited(TX(2))).toBe(false);
    expect((await bridge.balance(user.key))?.balance_units).toBe(50_000_000n);
    expect(await bridge.liabilities()).toBe(50_000_000n);
    const history = await f.client.history(user.key);
    expect(history[0]?.kind).toBe('bridge_deposit');
    expect(history[0]?.fields.tx_id).toBe(TX(1));
    const audit = await f.service.audit(true);
    expect(audit.problems).toEqual([]);
    expect(audit.ok).toBe(true);
  });

  it('holds a signed withdrawal, then finalizes or releases it exactly once', async () => {
    const bridge = f.service.bridge;
    const user = await newSigner();
    await bridge.deposit(TX(3), user.key, 100n, TO);
    const first = await signed(user.signer, { kind: 'withdraw', account: user.key, to_address_hex: TO, amount_units: 60n, nonce: 1n });
    expect(await bridge.hold({ ...first, amount_units: 61n })).toEqual({ code: 'invalid_signature' });
    expect(await bridge.hold(first)).toMatchObject({ code: 'ok' });
    expect(await bridge.hold(first)).toEqual({ code: 'stale_nonce' });
    expect(await bridge.balance(user.key)).toMatchObject({ balance_units: 40n, escrow_units: 60n });
    expect(await bridge.liabilities()).toBe(100n);
    const id = withdrawalIdFor(user.key, 1n);
    expect(await bridge.holdOf(user.key, 1n)).toMatchObject({ withdrawal_id: id, state: 'held', amount_units: 60n });
    expect(await bridge.finalize(id, user.key, TX(4))).toMatchObject({ code: 'ok' });
    expect(await bridge.release(id, user.key, 'too late')).toEqual({ code: 'withdrawal_settled' });
    expect(await bridge.finalize(id, user.key, TX(4))).toEqual({ code: 'withdrawal_settled' });
    expect(await bridge.holdOf(user.key, 1n)).toMatchObject({ state: 'final' });
    expect(await bridge.liabilities()).toBe(40n);

    const second = await signed(user.signer, { kind: 'withdraw', account: user.key, to_address_hex: TO, amount_units: 40n, nonce: 2n });
    expect(await bridge.hold(second)).toMatchObject({ code: 'ok' });
    const id2 = withdrawalIdFor(user.key, 2n);
    expect(await bridge.release(id2, (await newSigner()).key, 'x')).toEqual({ code: 'unknown_withdrawal' });
    expect(await bridge.release(id2, user.key, 'payment expired')).toMatchObject({ code: 'ok' });
    expect(await bridge.finalize(id2, user.key, TX(5))).toEqual({ code: 'withdrawal_settled' });
    expect(await bridge.balance(user.key)).toMatchObject({ balance_units: 40n, escrow_units: 0n });
    const third = await signed(user.signer, { kind: 'withdraw', account: user.key, to_address_hex: TO, amount_units: 41n, nonce: 3n });
    expect(await bridge.hold(third)).toEqual({ code: 'insufficient_funds' });
    // The sweeper never expires a hold: only the exchange settles it.
    f.clock.now_ms += 30 * 24 * 3600 * 1000;
    const fourth = await signed(user.signer, { kind: 'withdraw', account: user.key, to_address_hex: TO, amount_units: 10n, nonce: 4n });
    expect(await bridge.hold(fourth)).toMatchObject({ code: 'ok' });
    f.clock.now_ms += 30 * 24 * 3600 * 1000;
    expect(await f.service.sweep()).toBe(0);
    expect(await bridge.holdOf(user.key, 4n)).toMatchObject({ state: 'held' });
    const reserve = await f.client.account(BRIDGE_RESERVE_ID);
    expect(reserve.balance_units).toBe(reserveGenesis - 100n + 60n);
    const audit = await f.service.audit(true);
    expect(audit.problems).toEqual([]);
  });
});

// The exchange end to end against a real ledger and the loopback TRON node through tronweb: deposits credited once
// solidified, withdrawals paid and made final, the daily limit queueing, dropped payments re-sent, dead payments
// refunded, and the audit of liabilities against holdings.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPg, type PgServer } from '../ledger/helpers/pg.ts';
import { SOLIDIFY_CONFIRMATIONS } from '../../src/tron/chain.ts';
import { BTT, createHarness, type Harness } from './harness.ts';
import { newWallet, post } from '../tron/helpers.ts';

let h: Harness;
afterEach(async () => h.close());
const pg = startPg();
afterAll(() => pg?.stop());
/** Every flow on SQLite, and with the ledger and the exchange's tables in PostgreSQL. */
const stores: Array<[string, PgServer | null]> = pg ? [['sqlite', null], ['postgres', pg]] : [['sqlite', null]];

async function balance(key: string): Promise<bigint> {
  return (await h.ledger.client.account(key as never)).balance_units;
}

describe.each(stores)('exchange deposits on %s', (_store, db) => {
  beforeEach(async () => {
    h = await createHarness({}, db);
  });

  it('credits a deposit exactly once, only after it is solidified, and reports k/19 on the way', async () => {
    const u = await h.user();
    const tx_id = await h.deposit(u.wallet, u.key, 50n * BTT);
    const reported = await h.api('POST', '/deposits', { tx_id });
    expect(reported.status).toBe(200);
    expect(reported.json).toMatchObject({ state: 'broadcast', confirmations: 0, amount_units: String(50n * BTT), account: u.key });
    await h.produce(5);
    await h.exchange.tick();
    expect((await h.api('GET', `/deposits/${tx_id}`)).json).toMatchObject({ state: 'confirming', confirmations: 4 });
    await expect(h.ledger.client.account(u.key as never)).rejects.toThrow();
    await h.produce(SOLIDIFY_CONFIRMATIONS);
    await h.exchange.tick();
    expect(await balance(u.key)).toBe(50n * BTT);
    expect((await h.api('GET', `/deposits/${tx_id}`)).json).toMatchObject({ state: 'credited' });
    await h.exchange.tick();
    await h.restart();
    await h.exchange.tick();
    expect(await balance(u.key)).toBe(50n * BTT);
    const audit = await h.api('GET', '/audit');
    expect(audit.status).toBe(200);
    expect(audit.json).toMatchObject({ ok: true, liabilities_units: String(50n * BTT), holdings_units: String(50n * BTT) });
    expect((await h.ledger.service.audit(true)).ok).toBe(true);
  });

  it('refuses deposit reports that are not deposits to the exchange, and changes nothing', async () => {
    const u = await h.user();
    const other = newWallet(h.node.url);
    const tx = await u.wallet.tronWeb.transactionBuilder.sendToken(other.address, 1_000_000, '1002000', u.wallet.address);
    const signed = await u.wallet.tronWeb.trx.sign(tx);
    await u.wallet.tronWeb.trx.sendRawTransaction(signed);
    const noMemo = await h.deposit(u.wallet, null, 2n * BTT);
    await h.produce(1);
    expect(await h.api('POST', '/deposits', { tx_id: signed.txID })).toMatchObject({ status: 422, json: { error: 'deposit_not_to_exchange' } });
    expect(await h.api('POST', '/deposits', { tx_id: noMemo })).toMatchObject({ status: 422, json: { error: 'deposit_without_account' } });
    expect(await h.api('POST', '/deposits', { tx_id: 'ab'.repeat(32) })).toMatchObject({ status: 404, json: { error: 'unknown_transaction' } });
    for (const body of [{ tx_id: 'AB'.repeat(32) }, { tx_id: 5 }, {}, { tx_id: 'ab'.repeat(32), extra: 1 }]) {
      expect(await h.api('POST', '/deposits', body)).toMatchObject({ status: 400, json: { error: 'invalid_field' } });
    }
    expect(await h.api('POST', '/deposits', '{nope')).toMatchObject({ status: 400, json: { error: 'malformed_json' } });
    // A deposit without an account is kept aside (the holdings grow), never credited to anyone.
    await h.produce(SOLIDIFY_CONFIRMATIONS);
    await h.exchange.tick();
    expect((await h.api('GET', `/deposits/${noMemo}`)).json).toMatchObject({ state: 'unattributed' });
    expect((await h.api('GET', '/audit')).json).toMatchObject({ ok: true, liabilities_units: '0', holdings_units: String(2n * BTT) });
  });
});

describe.each(stores)('exchange withdrawals on %s', (_store, db) => {
  async function funded(amount: bigint) {
    const u = await h.user();
    await h.deposit(u.wallet, u.key, amount);
    await h.produce(SOLIDIFY_CONFIRMATIONS + 1);
    await h.exchange.tick();
    expect(await balance(u.key)).toBe(amount);
    return u;
  }

  it('holds, pays on TRON and makes final once solidified', async () => {
    h = await createHarness({}, db);
    const u = await funded(50n * BTT);
    const to = newWallet(h.node.url).address;
    const res = await h.api('POST', '/withdrawals', await h.signedWithdrawal(u.signer, u.key, to, 20n * BTT, 1n));
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ state: 'queued', position: 1, amount_units: String(20n * BTT), to_address: to });
    expect(await balance(u.key)).toBe(30n * BTT);
    await h.exchange.tick();
    const id = String(res.json.id);
    expect((await h.api('GET', `/withdrawals/${id}`)).json).toMatchObject({ state: 'paying', confirmations: 0 });
    await h.produce(3);
    expect((await h.api('GET', `/withdrawals/${id}`)).json).toMatchObject({ state: 'paying', confirmations: 2 });
    expect(await h.bttOf(to)).toBe(20n * BTT);
    expect((await h.api('GET', '/audit')).json).toMatchObject({ ok: true, in_flight_units: String(20n * BTT) });
    await h.produce(SOLIDIFY_CONFIRMATIONS);
    await h.exchange.tick();
    expect((await h.api('GET', `/withdrawals/${id}`)).json).toMatchObject({ state: 'completed', confirmations: 19 });
    expect((await h.ledger.client.account(u.key as never)).escrow_units).toBe(0n);
    expect((await h.api('GET', '/audit')).json).toMatchObject({ ok: true, liabilities_units: String(30n * BTT), holdings_units: String(30n * BTT) });
    const timeline = await h.api('GET', `/accounts/${u.key}/transfers`);
    expect((timeline.json.withdrawals as unknown[]).length).toBe(1);
    expect((timeline.json.deposits as unknown[]).length).toBe(1);
  });

  it('refuses bad withdrawals with typed 4xx and changes nothing', async () => {
    h = await createHarness({ daily_limit_units: 100n * BTT }, db);
    const u = await funded(50n * BTT);
    const to = newWallet(h.node.url).address;
    const good = await h.signedWithdrawal(u.signer, u.key, to, 10n * BTT, 1n);
    const badChecksum = to.slice(0, 33) + (to.endsWith('a') ? 'b' : 'a');
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ ...good, to_address: badChecksum }, 400, 'invalid_address'],
      [{ ...good, to_address: '41'.padEnd(42, '0') }, 400, 'invalid_address'],
      [await h.signedWithdrawal(u.signer, u.key, h.exchange.hotWallet.base58, 10n * BTT, 1n), 400, 'invalid_address'],
      [{ ...good, amount_units: String(101n * BTT) }, 400, 'amount_exceeds_limit'],
      [{ ...good, amount_units: '1' }, 400, 'amount_below_minimum'],
      [{ ...good, amount_units: String(11n * BTT) }, 401, 'invalid_signature'],
      [await h.signedWithdrawal(u.signer, u.key, to, 60n * BTT, 1n), 409, 'insufficient_funds'],
      [{ ...good, nonce: '0' }, 400, 'invalid_field'],
      [{ ...good, signature: 'zz' }, 400, 'invalid_field'],
      [{ ...good, extra: true }, 400, 'invalid_field'],
    ];
    for (const [body, status, error] of cases) expect(await h.api('POST', '/withdrawals', body)).toMatchObject({ status, json: { error } });
    expect(await balance(u.key)).toBe(50n * BTT);
    expect((await h.api('POST', '/withdrawals', good)).status).toBe(201);
    expect(await h.api('POST', '/withdrawals', good)).toMatchObject({ status: 409, json: { error: 'duplicate_withdrawal' } });
    expect(await balance(u.key)).toBe(40n * BTT);
  });

  it('queues past the daily limit with a position and ETA, then pays after the window', async () => {
    h = await createHarness({ daily_limit_units: 30n * BTT, window_ms: 60_000 }, db);
    const u = await funded(50n * BTT);
    const to = newWallet(h.node.url).address;
    const first = await h.api('POST', '/withdrawals', await h.signedWithdrawal(u.signer, u.key, to, 20n * BTT, 1n));
    const second = await h.api('POST', '/withdrawals', await h.signedWithdrawal(u.signer, u.key, to, 20n * BTT, 2n));
    expect(second.json).toMatchObject({ state: 'queued', position: 2 });
    await h.exchange.tick();
    const queued = (await h.api('GET', `/withdrawals/${String(second.json.id)}`)).json;
    const nextWindow = (Math.floor(h.clock.now_ms / 60_000) + 1) * 60_000;
    expect(queued).toMatchObject({ state: 'queued', position: 1, eta_ms: nextWindow });
    await h.produce(SOLIDIFY_CONFIRMATIONS + 1);
    await h.exchange.tick();
    expect((await h.api('GET', `/withdrawals/${String(first.json.id)}`)).json).toMatchObject({ state: 'completed' });
    expect((await h.api('GET', `/withdrawals/${String(second.json.id)}`)).json).toMatchObject({ state: 'queued' });
    h.clock.now_ms = nextWindow;
    await h.exchange.tick();
    await h.produce(SOLIDIFY_CONFIRMATIONS + 1);
    await h.exchange.tick();
    expect((await h.api('GET', `/withdrawals/${String(second.json.id)}`)).json).toMatchObject({ state: 'completed' });
    expect(await h.bttOf(to)).toBe(40n * BTT);
    expect((await h.api('GET', '/audit')).json).toMatchObject({ ok: true, liabilities_units: String(10n * BTT) });
  });

  it('pays two equal withdrawals to one address in one block with two distinct transactions', async () => {
    h = await createHarness({}, db);
    const u = await funded(50n * BTT);
    const to = newWallet(h.node.url).address;
    const a = await h.api('POST', '/withdrawals', await h.signedWithdrawal(u.signer, u.key, to, 10n * BTT, 1n));
    const b = await h.api('POST', '/withdrawals', await h.signedWithdrawal(u.signer, u.key, to, 10n * BTT, 2n));
    await h.exchange.tick();
    await h.produce(SOLIDIFY_CONFIRMATIONS + 1);
    await h.exchange.tick();
    const [va, vb] = [(await h.api('GET', `/withdrawals/${String(a.json.id)}`)).json, (await h.api('GET', `/withdrawals/${String(b.json.id)}`)).json];
    expect([va.state, vb.state]).toEqual(['completed', 'completed']);
    expect(va.tx_id).not.toBe(vb.tx_id);
    expect(await h.bttOf(to)).toBe(20n * BTT);
  });

  it('re-sends a dropped payment, and refunds once every attempt is provably dead', async () => {
    h = await createHarness({ max_payment_attempts: 2 }, db);
    const u = await funded(50n * BTT);
    const to = newWallet(h.node.url).address;
    const res = await h.api('POST', '/withdrawals', await h.signedWithdrawal(u.signer, u.key, to, 20n * BTT, 1n));
    const id = String(res.json.id);
    await h.exchange.tick();
    const drop = async () => {
      const view = (await h.api('GET', `/withdrawals/${id}`)).json;
      if (typeof view.tx_id === 'string') await post(`${h.node.url}/admin/drop`, { value: view.tx_id });
    };
    // Dropped once: the exchange sends it again and it lands.
    await drop();
    await h.produce(1);
    await h.exchange.tick();
    await h.produce(SOLIDIFY_CONFIRMATIONS + 1);
    await h.exchange.tick();
    expect((await h.api('GET', `/withdrawals/${id}`)).json).toMatchObject({ state: 'completed' });

    // Dropped every time: after two dead attempts the hold is released back to the account.
    const res2 = await h.api('POST', '/withdrawals', await h.signedWithdrawal(u.signer, u.key, to, 10n * BTT, 2n));
    const id2 = String(res2.json.id);
    for (let i = 0; i < 200; i++) {
      await h.exchange.tick();
      const view = (await h.api('GET', `/withdrawals/${id2}`)).json;
      if (view.state === 'refunded') break;
      if (typeof view.tx_id === 'string') await post(`${h.node.url}/admin/drop`, { value: view.tx_id });
      await h.produce(5);
    }
    expect((await h.api('GET', `/withdrawals/${id2}`)).json).toMatchObject({ state: 'refunded' });
    expect(await balance(u.key)).toBe(30n * BTT);
    expect(await h.bttOf(to)).toBe(20n * BTT);
    expect((await h.api('GET', '/audit')).json).toMatchObject({ ok: true, liabilities_units: String(30n * BTT), holdings_units: String(30n * BTT) });
    expect((await h.ledger.service.audit(true)).ok).toBe(true);
  });
});

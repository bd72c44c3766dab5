// The ledger API end to end (in-process HTTP), the same suite on SQLite and on a real PostgreSQL.
import { hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AIRDROP_RESERVE_ID, RESERVES } from '../../src/ledger/genesis.ts';
import { checkEntry, EMPTY_HEAD } from '../../src/ledger/journal.ts';
import { ledgerVerifier } from '../../src/ledger/ledger-key.ts';
import { channelIdFor } from '../../src/protocol/ledger-request.ts';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import { signPaymentState } from '../../src/protocol/payment-state.ts';
import { speedContext } from '../../src/protocol/session-context.ts';
import { LedgerApiError } from '../../src/wallet/ledger-client.ts';
import { createFixture, newSigner, solve, unsolved, TEST_AIRDROP_UNITS, type Fixture, type StoreKind } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';

const pg = startPg();
afterAll(() => pg?.stop());
const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];

async function refused(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LedgerApiError) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('expected the ledger to refuse');
}

describe.each(kinds)('ledger API on %s', (kind) => {
  let f: Fixture;
  beforeEach(async () => {
    f = await createFixture(kind, pg);
  });
  afterEach(async () => {
    await f.close();
  });

  it('starts from the issuance table: reserves hold the whole supply and the audit passes', async () => {
    const info = await f.client.info();
    expect(info.ledger_id).toBe(f.service.ledgerId);
    expect(info.total_supply_units).toBe(String(TOTAL_SUPPLY_UNITS));
    const airdrop = await f.client.account(AIRDROP_RESERVE_ID);
    expect(airdrop.balance_units).toBe(TOTAL_SUPPLY_UNITS / 10n);
    for (const reserve of RESERVES) expect((await f.client.account(reserve.id)).balance_units).toBe(reserve.amount_units);
    const audit = await f.client.audit();
    expect(audit).toMatchObject({ ok: true, journal_entries: RESERVES.length, balance_units: String(TOTAL_SUPPLY_UNITS) });
  });

  it('airdrops once per key from the airdrop reserve, against a bound, expiring proof of work', async () => {
    const a = await newSigner();
    const c1 = await f.client.airdropChallenge(a.key);
    const bytes = hexToBytes(c1.challenge);
    expect(await refused(f.client.claimAirdrop(a.signer, { challenge: bytes, pow_nonce: unsolved(bytes, a.key, c1.difficulty_bits) }))).toEqual({
      status: 400,
      code: 'invalid_pow',
    });
    const account = await f.client.claimAirdrop(a.signer, { challenge: bytes, pow_nonce: solve(bytes, a.key, c1.difficulty_bits) });
    expect(account).toMatchObject({ balance_units: TEST_AIRDROP_UNITS, airdropped: true });
    expect((await f.client.account(AIRDROP_RESERVE_ID)).balance_units).toBe(TOTAL_SUPPLY_UNITS / 10n - TEST_AIRDROP_UNITS);
    // The same challenge again, and a fresh one: both refused, once per key.
    expect(await refused(f.client.claimAirdrop(a.signer, { challenge: bytes, pow_nonce: solve(bytes, a.key, 4) }))).toEqual({ status: 409, code: 'already_claimed' });
    const c2 = hexToBytes((await f.client.airdropChallenge(a.key)).challenge);
    expect(await refused(f.client.claimAirdrop(a.signer, { challenge: c2, pow_nonce: solve(c2, a.key, 4) }))).toEqual({ status: 409, code: 'already_claimed' });
    // A challenge is bound to the key it was issued for, and expires.
    const b = await newSigner();
    expect(await refused(f.client.claimAirdrop(b.signer, { challenge: c2, pow_nonce: solve(c2, b.key, 4) }))).toEqual({ status: 400, code: 'invalid_challenge' });
    const c3 = hexToBytes((await f.client.airdropChallenge(b.key)).challenge);
    f.clock.now_ms += 5 * 60_000;
    expect(await refused(f.client.claimAirdrop(b.signer, { challenge: c3, pow_nonce: solve(c3, b.key, 4) }))).toEqual({ status: 409, code: 'challenge_expired' });
  });

  it('transfers with fresh nonces and refuses replays, reorders, forgeries and overdrafts', async () => {
    const a = await f.funded();
    const b = await newSigner();
    const { from, to } = await f.client.transfer(a.signer, { to: b.key, amount_units: 250n, nonce: 10n });
    expect(from.balance_units).toBe(TEST_AIRDROP_UNITS - 250n);
    expect(to.balance_units).toBe(250n);
    expect(await refused(f.client.transfer(a.signer, { to: b.key, amount_units: 250n, nonce: 10n }))).toEqual({ status: 409, code: 'stale_nonce' });
    expect(await refused(f.client.transfer(a.signer, { to: b.key, amount_units: 1n, nonce: 9n }))).toEqual({ status: 409, code: 'stale_nonce' });
    expect(await refused(f.client.transfer(a.signer, { to: b.key, amount_units: TEST_AIRDROP_UNITS, nonce: 11n }))).toEqual({
      status: 409,
      code: 'insufficient_funds',
    });
    expect(await refused(f.client.transfer(a.signer, { to: a.key, amount_units: 1n, nonce: 12n }))).toEqual({ status: 400, code: 'transfer_to_self' });
    // b signs a transfer out of a's account: the signature is checked against `from`.
    const forged = await f.request('POST', '/transfers', await signedAs(f, b, { from: a.key, to: b.key, amount_units: '5', nonce: '13' }));
    expect(forged).toMatchObject({ status: 401, json: { error: 'invalid_signature' } });
    expect((await f.client.account(a.key)).nonce).toBe(10n);
    expect((await f.client.audit()).ok).toBe(true);
  });

  it('opens, reads and closes a channel: payee gets the signed amount, payer the rest, exactly once', async () => {
    const payer = await f.funded();
    const payee = await newSigner();
    const channel = await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 1_000n, timeout_ms: 60_000, nonce: 5n });
    expect(channel).toMatchObject({ channel_id: channelIdFor(payer.key, 5n), state: 'open', remaining_ms: 60_000, escrow_units: 1_000n });
    expect(await f.client.account(payer.key)).toMatchObject({ balance_units: TEST_AIRDROP_UNITS - 1_000n, escrow_units: 1_000n });
    f.clock.now_ms += 20_000;
    expect((await f.client.channel(channel.channel_id)).remaining_ms).toBe(40_000);

    const over = await signPaymentState(payer.signer, { channel_id: channel.channel_id, amount_units: 1_001n, seq: 9n });
    expect(await refused(f.client.closeChannel(payee.signer, { state: over }))).toEqual({ status: 409, code: 'exceeds_escrow' });
    const stranger = await newSigner();
    const state = await signPaymentState(payer.signer, { channel_id: channel.channel_id, amount_units: 300n, seq: 3n });
    expect(await refused(f.client.closeChannel(stranger.signer, { state }))).toEqual({ status: 403, code: 'not_payee' });
    const selfSigned = await signPaymentState(payee.signer, { channel_id: channel.channel_id, amount_units: 1_000n, seq: 4n });
    expect(await refused(f.client.closeChannel(payee.signer, { state: selfSigned }))).toEqual({ status: 400, code: 'invalid_payment_signature' });

    const closed = await f.client.closeChannel(payee.signer, { state });
    expect(closed).toMatchObject({ state: 'closed', paid_units: 300n, refund_units: 700n, payment_seq: 3n, remaining_ms: 0 });
    expect(await f.client.account(payee.key)).toMatchObject({ balance_units: 300n });
    expect(await f.client.account(payer.key)).toMatchObject({ balance_units: TEST_AIRDROP_UNITS - 300n, escrow_units: 0n });
    expect(await refused(f.client.closeChannel(payee.signer, { state }))).toEqual({ status: 409, code: 'channel_closed' });
    expect((await f.client.audit()).ok).toBe(true);
  });

  it('binds a channel to its session: a close is checked over the context the channel was opened with', async () => {
    const payer = await f.funded();
    const payee = await newSigner();
    const context = speedContext('5a'.repeat(20));
    const channel = await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 1_000n, timeout_ms: 60_000, context });
    expect(channel.context).toBe(context);
    expect((await f.client.channel(channel.channel_id)).context).toBe(context);
    // A state signed for another session (another torrent, or none) is not a payment on this channel.
    const elsewhere = await signPaymentState(payer.signer, { channel_id: channel.channel_id, amount_units: 400n, seq: 1n }, speedContext('5b'.repeat(20)));
    expect(await refused(f.client.closeChannel(payee.signer, { state: elsewhere }))).toEqual({ status: 400, code: 'invalid_payment_signature' });
    const unbound = await signPaymentState(payer.signer, { channel_id: channel.channel_id, amount_units: 400n, seq: 1n });
    expect(await refused(f.client.closeChannel(payee.signer, { state: unbound }))).toEqual({ status: 400, code: 'invalid_payment_signature' });
    const state = await signPaymentState(payer.signer, { channel_id: channel.channel_id, amount_units: 400n, seq: 1n }, context);
    expect(await f.client.closeChannel(payee.signer, { state })).toMatchObject({ state: 'closed', paid_units: 400n, context });
    expect((await f.client.audit()).ok).toBe(true);
  });

  it('refuses channels with bad terms', async () => {
    const payer = await f.funded();
    const payee = await newSigner();
    const open = (escrow_units: bigint, timeout_ms: number, to = payee.key) => refused(f.client.openChannel(payer.signer, { payee: to, escrow_units, timeout_ms }));
    expect(await open(10n, 999)).toEqual({ status: 400, code: 'timeout_out_of_range' });
    expect(await open(10n, 7 * 24 * 3_600_000 + 1)).toEqual({ status: 400, code: 'timeout_out_of_range' });
    expect(await open(10n, 5_000, payer.key)).toEqual({ status: 400, code: 'payer_is_payee' });
    expect(await open(TEST_AIRDROP_UNITS + 1n, 5_000)).toEqual({ status: 409, code: 'insufficient_funds' });
    const broke = await newSigner();
    expect(await refused(f.client.openChannel(broke.signer, { payee: payee.key, escrow_units: 1n, timeout_ms: 5_000 }))).toEqual({
      status: 404,
      code: 'unknown_account',
    });
  });

  it('expires a channel after its timeout: refunds the payer, on read, on close and by the sweeper', async () => {
    const payer = await f.funded();
    const payee = await newSigner();
    const onRead = await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 100n, timeout_ms: 1_000 });
    const onClose = await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 200n, timeout_ms: 1_000 });
    const bySweep = await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 300n, timeout_ms: 1_000 });
    const late = await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 400n, timeout_ms: 10_000 });
    expect(await f.service.sweep()).toBe(0);
    f.clock.now_ms += 1_000;
    expect(await f.client.channel(onRead.channel_id)).toMatchObject({ state: 'expired', refund_units: 100n, paid_units: 0n, remaining_ms: 0 });
    const state = await signPaymentState(payer.signer, { channel_id: onClose.channel_id, amount_units: 50n, seq: 1n });
    expect(await refused(f.client.closeChannel(payee.signer, { state }))).toEqual({ status: 409, code: 'channel_expired' });
    expect((await f.client.channel(onClose.channel_id)).state).toBe('expired');
    expect(await f.service.sweep()).toBe(1);
    expect((await f.client.channel(bySweep.channel_id)).state).toBe('expired');
    expect((await f.client.channel(late.channel_id)).state).toBe('open');
    expect(await f.client.account(payer.key)).toMatchObject({ balance_units: TEST_AIRDROP_UNITS - 400n, escrow_units: 400n });
    expect(await f.client.account(payee.key).catch((e: LedgerApiError) => e.code)).toBe('unknown_account');
    expect((await f.client.audit()).ok).toBe(true);
  });

  it('keeps a readable, verifiable history per account and a signed hash chain', async () => {
    const a = await f.funded();
    const b = await newSigner();
    await f.client.transfer(a.signer, { to: b.key, amount_units: 7n });
    const ch = await f.client.openChannel(a.signer, { payee: b.key, escrow_units: 9n, timeout_ms: 5_000 });
    await f.client.closeChannel(b.signer, { state: await signPaymentState(a.signer, { channel_id: ch.channel_id, amount_units: 4n, seq: 1n }) });
    const history = await f.client.history(a.key);
    expect(history.map((e) => e.kind)).toEqual(['channel_close', 'channel_open', 'transfer', 'airdrop']);
    expect((await f.client.history(b.key)).map((e) => e.kind)).toEqual(['channel_close', 'channel_open', 'transfer']);
    expect((await f.client.history(a.key, { limit: 1, before_seq: history[0]!.seq })).map((e) => e.kind)).toEqual(['channel_open']);
    const verify = ledgerVerifier(f.service.ledgerId);
    let head = EMPTY_HEAD;
    for (const entry of await f.client.journal(0, 1000)) {
      expect(checkEntry({ ...entry, kind: entry.kind as never, account_a: null, account_b: null, channel_id: null }, head, verify)).toBeNull();
      head = { seq: entry.seq, hash: entry.hash };
    }
    expect(head.seq).toBe(RESERVES.length + 4);
  });

  it('serves real HTTP: reads bodies off the socket, bounded, and answers JSON errors', async () => {
    const url = await f.listen();
    const json = { 'content-type': 'application/json' };
    const big = await fetch(`${url}/transfers`, { method: 'POST', headers: json, body: JSON.stringify({ pad: 'x'.repeat(100_000) }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: 'body_too_large' });
    const chunked = await fetch(`${url}/transfers`, {
      method: 'POST',
      headers: json,
      body: new Blob(['{"pad":"', 'y'.repeat(50_000), '"}']).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const bad = await fetch(`${url}/channels`, { method: 'POST', headers: json, body: '{"payer":' });
    expect(await bad.json()).toMatchObject({ error: 'malformed_json' });
    const info = await fetch(`${url}/info`);
    expect(info.headers.get('cache-control')).toBe('no-store');
    expect(await info.json()).toMatchObject({ ledger_id: f.service.ledgerId });
  });

  it('survives a restart on the same data, and refuses to run it under a different ledger key', async () => {
    const a = await f.funded();
    const b = await newSigner();
    const ch = await f.client.openChannel(a.signer, { payee: b.key, escrow_units: 5n, timeout_ms: 5_000 });
    const before = await f.client.audit();
    await f.restart();
    expect(await f.client.channel(ch.channel_id)).toMatchObject({ state: 'open', escrow_units: 5n });
    expect(await f.client.audit()).toMatchObject({ ok: true, journal_entries: before.journal_entries });
    await expect(f.restart({ ledgerSecretKey: new Uint8Array(32).fill(8) })).rejects.toThrow(/belongs to ledger/);
    await f.restart();
    expect((await f.client.account(a.key)).escrow_units).toBe(5n);
  });
});

async function signedAs(f: Fixture, signer: { signer: import('../../src/protocol/ed25519.ts').Signer }, wire: Record<string, string>) {
  const { encodeLedgerRequest } = await import('../../src/protocol/ledger-request.ts');
  const request = {
    kind: 'transfer' as const,
    from: wire.from as never,
    to: wire.to as never,
    amount_units: BigInt(wire.amount_units!),
    nonce: BigInt(wire.nonce!),
  };
  const signature = await signer.signer.sign(encodeLedgerRequest(f.service.ledgerId, request));
  return { ...wire, signature: Buffer.from(signature).toString('hex') };
}

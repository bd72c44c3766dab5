// The PostgreSQL store under injected serialization failures: two ledger instances on one database (as two
// processes behind one PostgreSQL), concurrent opens and racing closes over HTTP, and the database raising 40001
// or 40P01 just before COMMIT in a random quarter of all write transactions (after the writes, the worst moment).
// Every transaction is retried whole; nothing acknowledged is lost, nothing is applied twice, supply is conserved.
import { NO_CONTEXT } from '../../src/protocol/payment-state.ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { PublicKeyHex, Signer } from '../../src/protocol/ed25519.ts';
import { channelIdFor, encodeLedgerRequest, type LedgerRequest } from '../../src/protocol/ledger-request.ts';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import { signPaymentState, type ChannelId } from '../../src/protocol/payment-state.ts';
import { backoffMs, isRetryable } from '../../src/ledger/pg-retry.ts';
import { createFixture, newSigner, serveLedger, TEST_AIRDROP_UNITS } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';

const pgServer = startPg();
afterAll(() => pgServer?.stop());

const INJECT_FRACTION = 0.25;
const FORCED_INJECTIONS = 4;
const CHANNELS = 20;
const OPENS = 60;
const ESCROW_UNITS = 1_000n;

async function sign(ledgerId: PublicKeyHex, signer: Signer, request: LedgerRequest, wire: Record<string, unknown>) {
  return { ...wire, nonce: String(request.nonce), signature: bytesToHex(await signer.sign(encodeLedgerRequest(ledgerId, request))) };
}

describe('retry policy', () => {
  it('retries only 40001 and 40P01, with bounded jittered backoff', () => {
    expect(isRetryable({ code: '40001' })).toBe(true);
    expect(isRetryable({ code: '40P01' })).toBe(true);
    for (const other of [{ code: '23505' }, { code: 40001 }, new Error('40001'), null, undefined, '40001']) expect(isRetryable(other)).toBe(false);
    expect(backoffMs(1, () => 1)).toBe(2);
    expect(backoffMs(5, () => 1)).toBe(32);
    expect(backoffMs(30, () => 1)).toBe(200);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});

describe.runIf(pgServer !== null)('PostgreSQL with injected serialization failures', () => {
  it('two instances, concurrent load, 40001/40P01 in random transactions: no lost ack, no double close, supply conserved', async () => {
    const injected = { '40001': 0, '40P01': 0, passed: 0 };
    let armed = false;
    const beforeCommit = async (client: pg.PoolClient) => {
      // The first few armed transactions always fail (so the test cannot pass without retries), then a random quarter.
      const total = injected['40001'] + injected['40P01'];
      if (!armed || (total >= FORCED_INJECTIONS && Math.random() >= INJECT_FRACTION)) {
        injected.passed++;
        return;
      }
      const code = Math.random() < 0.5 ? '40001' : '40P01';
      injected[code]++;
      await client.query(`DO $$ BEGIN RAISE EXCEPTION 'injected by the test' USING ERRCODE = '${code}'; END $$`);
    };
    const f = await createFixture('postgres', pgServer, { postgres: { beforeCommit } });
    const second = await f.openAnother();
    const servers = [await serveLedger(f.service), await serveLedger(second)];
    try {
      const ledgerId = f.service.ledgerId;
      const payer = await f.funded();
      const spender = await f.funded();
      const payees = await Promise.all(Array.from({ length: CHANNELS }, () => newSigner()));
      const channels: ChannelId[] = [];
      for (let i = 0; i < CHANNELS; i++) {
        const ch = await f.client.openChannel(payer.signer, { payee: payees[i]!.key, escrow_units: ESCROW_UNITS, timeout_ms: 600_000, nonce: BigInt(2 + i) });
        channels.push(ch.channel_id);
      }
      const shots: Array<{ path: string; body: Record<string, unknown>; target: number; kind: 'open' | 'close'; channel?: ChannelId; amount?: bigint; nonce?: bigint }> = [];
      for (let i = 0; i < OPENS; i++) {
        const nonce = BigInt(2 + i);
        const payee = payees[i % CHANNELS]!.key;
        const request = { kind: 'channel_open' as const, payer: spender.key, payee, escrow_units: ESCROW_UNITS, timeout_ms: 60_000, context: NO_CONTEXT, nonce };
        const wire = { payer: spender.key, payee, escrow_units: String(ESCROW_UNITS), timeout_ms: 60_000, context: NO_CONTEXT };
        shots.push({ path: '/channels', body: await sign(ledgerId, spender.signer, request, wire), target: i % 2, kind: 'open', nonce });
      }
      for (let c = 0; c < CHANNELS; c++) {
        for (const [nonce, amount, target] of [[1n, 100n, 0], [1n, 100n, 1], [2n, 250n, 1], [3n, 300n, 0]] as Array<[bigint, bigint, number]>) {
          const state = await signPaymentState(payer.signer, { channel_id: channels[c]!, amount_units: amount, seq: nonce });
          const request = { kind: 'channel_close' as const, payee: payees[c]!.key, channel_id: channels[c]!, amount_units: amount, seq: nonce, payment_signature: state.signature, nonce };
          const wire = { payee: payees[c]!.key, amount_units: String(amount), seq: String(nonce), payment_signature: bytesToHex(state.signature) };
          shots.push({ path: `/channels/${channels[c]}/close`, body: await sign(ledgerId, payees[c]!.signer, request, wire), target, kind: 'close', channel: channels[c]!, amount });
        }
      }
      armed = true;
      const replies = await Promise.all(shots.map(async (shot) => {
        const response = await fetch(`${servers[shot.target]!.url}${shot.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shot.body) });
        return { shot, status: response.status, json: (await response.json()) as Record<string, unknown> };
      }));
      armed = false;
      // Injected failures were retried away: no request saw a 500.
      for (const r of replies) expect([200, 201, 409], JSON.stringify(r.json)).toContain(r.status);
      expect(injected['40001'] + injected['40P01']).toBeGreaterThanOrEqual(FORCED_INJECTIONS);

      // Every acknowledged open is there; the spender's books say exactly those.
      const opened = replies.filter((r) => r.shot.kind === 'open' && r.status === 201);
      // All are funded; racing nonces make some stale (a higher one committed first), never anything else.
      expect(opened.length).toBeGreaterThan(0);
      for (const r of replies) if (r.status === 409) expect(['stale_nonce', 'channel_closed']).toContain(r.json.error);
      for (const r of opened) expect((await f.client.channel(channelIdFor(spender.key, r.shot.nonce!))).state).toBe('open');
      const locked = ESCROW_UNITS * BigInt(opened.length);
      expect(await f.client.account(spender.key)).toMatchObject({ escrow_units: locked, balance_units: TEST_AIRDROP_UNITS - locked });
      // Every channel closed exactly once, with the acknowledged close's amount.
      let paid = 0n;
      for (let c = 0; c < CHANNELS; c++) {
        const wins = replies.filter((r) => r.shot.channel === channels[c] && r.status === 200);
        expect(wins).toHaveLength(1);
        expect(await f.client.channel(channels[c]!)).toMatchObject({ state: 'closed', paid_units: wins[0]!.shot.amount });
        expect((await f.client.account(payees[c]!.key)).balance_units).toBe(wins[0]!.shot.amount);
        paid += wins[0]!.shot.amount!;
      }
      expect(await f.client.account(payer.key)).toMatchObject({ balance_units: TEST_AIRDROP_UNITS - paid, escrow_units: 0n });
      const audit = await f.client.audit();
      expect(audit.problems).toEqual([]);
      expect(BigInt(audit.balance_units as string) + BigInt(audit.escrow_units as string)).toBe(TOTAL_SUPPLY_UNITS);
      process.stdout.write(`serialization: injected ${JSON.stringify(injected)}\n`);
    } finally {
      for (const s of servers) await s.close();
      await second.close();
      await f.close();
    }
  }, 120_000);
});

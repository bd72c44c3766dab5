// 250 conflicting requests at once over real HTTP, split across two ledger instances sharing one database (as two
// processes would): opens from one account far beyond its balance, and every channel closed several times over.
import { NO_CONTEXT } from '../../src/protocol/payment-state.ts';
import { bytesToHex } from '@noble/hashes/utils.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { PublicKeyHex, Signer } from '../../src/protocol/ed25519.ts';
import { channelIdFor, encodeLedgerRequest, type LedgerRequest } from '../../src/protocol/ledger-request.ts';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import { signPaymentState, type ChannelId } from '../../src/protocol/payment-state.ts';
import { createFixture, newSigner, serveLedger, TEST_AIRDROP_UNITS, type StoreKind } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';

const pg = startPg();
afterAll(() => pg?.stop());
const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];

const OPENS = 150;
const OPEN_ESCROW_UNITS = TEST_AIRDROP_UNITS / 10n; // at most 10 of the 150 opens can be funded
const CHANNELS = 25;
const CHANNEL_ESCROW_UNITS = 1_000n;

interface Shot {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly target: 0 | 1;
  readonly kind: 'open' | 'close';
  readonly channel?: ChannelId;
  readonly amount?: bigint;
}

async function sign(ledgerId: PublicKeyHex, signer: Signer, request: LedgerRequest, wire: Record<string, unknown>) {
  const signature = bytesToHex(await signer.sign(encodeLedgerRequest(ledgerId, request)));
  return { ...wire, nonce: String(request.nonce), signature };
}

describe.each(kinds)('concurrency on %s', (kind) => {
  it(`${OPENS} over-balance opens and ${CHANNELS * 4} racing closes: no overdraft, no double pay, supply conserved`, async () => {
    // Both instances verify on a worker thread here, so the pool is exercised under contention too.
    const f = await createFixture(kind, pg, { verifyThreads: 1 });
    const second = await f.openAnother();
    const servers = [await serveLedger(f.service), await serveLedger(second)];
    try {
      const ledgerId = f.service.ledgerId;
      const spender = await f.funded();
      const payer = await f.funded();
      const payees: Array<{ signer: Signer; key: PublicKeyHex }> = [];
      const channels: ChannelId[] = [];
      for (let i = 0; i < CHANNELS; i++) {
        const payee = await newSigner();
        payees.push(payee);
        const ch = await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: CHANNEL_ESCROW_UNITS, timeout_ms: 600_000, nonce: BigInt(2 + i) });
        channels.push(ch.channel_id);
      }

      const shots: Shot[] = [];
      for (let i = 0; i < OPENS; i++) {
        const payee = payees[i % CHANNELS]!;
        const nonce = BigInt(2 + i);
        const request = { kind: 'channel_open' as const, payer: spender.key, payee: payee.key, escrow_units: OPEN_ESCROW_UNITS, timeout_ms: 60_000, context: NO_CONTEXT, nonce };
        const wire = { payer: spender.key, payee: payee.key, escrow_units: String(OPEN_ESCROW_UNITS), timeout_ms: 60_000, context: NO_CONTEXT };
        shots.push({ path: '/channels', body: await sign(ledgerId, spender.signer, request, wire), target: (i % 2) as 0 | 1, kind: 'open' });
      }
      for (let c = 0; c < CHANNELS; c++) {
        const channel_id = channels[c]!;
        const payee = payees[c]!;
        // nonce 1 twice (an exact replay racing itself on both instances), then nonces 2 and 3 with other amounts.
        const plan: Array<[bigint, bigint, 0 | 1]> = [
          [1n, 100n, 0],
          [1n, 100n, 1],
          [2n, 200n, 0],
          [3n, 300n, 1],
        ];
        for (const [nonce, amount, target] of plan) {
          const state = await signPaymentState(payer.signer, { channel_id, amount_units: amount, seq: nonce });
          const request = { kind: 'channel_close' as const, payee: payee.key, channel_id, amount_units: amount, seq: nonce, payment_signature: state.signature, nonce };
          const wire = { payee: payee.key, amount_units: String(amount), seq: String(nonce), payment_signature: bytesToHex(state.signature) };
          shots.push({ path: `/channels/${channel_id}/close`, body: await sign(ledgerId, payee.signer, request, wire), target, kind: 'close', channel: channel_id, amount });
        }
      }
      expect(shots.length).toBeGreaterThanOrEqual(200);

      const replies = await Promise.all(
        shots.map(async (shot) => {
          const response = await fetch(`${servers[shot.target]!.url}${shot.path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(shot.body),
          });
          return { shot, status: response.status, json: (await response.json()) as Record<string, unknown> };
        }),
      );

      const codes = new Map<string, number>();
      for (const r of replies) {
        const code = r.status < 300 ? 'ok' : String(r.json.error);
        codes.set(`${r.shot.kind}:${code}`, (codes.get(`${r.shot.kind}:${code}`) ?? 0) + 1);
        expect([200, 201, 409]).toContain(r.status);
      }
      for (const key of codes.keys()) {
        expect(['open:ok', 'open:insufficient_funds', 'open:stale_nonce', 'close:ok', 'close:channel_closed', 'close:stale_nonce']).toContain(key);
      }
      // No overdraft: the spender's funded opens never exceed its balance, and the books say exactly that.
      const opened = replies.filter((r) => r.shot.kind === 'open' && r.status === 201);
      expect(opened.length).toBeGreaterThan(0);
      expect(opened.length).toBeLessThanOrEqual(10);
      const spent = await f.client.account(spender.key);
      expect(spent.escrow_units).toBe(OPEN_ESCROW_UNITS * BigInt(opened.length));
      expect(spent.balance_units).toBe(TEST_AIRDROP_UNITS - OPEN_ESCROW_UNITS * BigInt(opened.length));
      for (const r of opened) {
        const id = channelIdFor(spender.key, BigInt(r.shot.body.nonce as string));
        expect((await f.client.channel(id)).state).toBe('open');
      }
      // No double pay: each channel closed exactly once, its payee paid exactly that close's amount.
      let paid = 0n;
      for (let c = 0; c < CHANNELS; c++) {
        const wins = replies.filter((r) => r.shot.channel === channels[c] && r.status === 200);
        expect(wins).toHaveLength(1);
        const channel = await f.client.channel(channels[c]!);
        expect(channel).toMatchObject({ state: 'closed', paid_units: wins[0]!.shot.amount, refund_units: CHANNEL_ESCROW_UNITS - wins[0]!.shot.amount! });
        expect((await f.client.account(payees[c]!.key)).balance_units).toBe(wins[0]!.shot.amount);
        paid += wins[0]!.shot.amount!;
      }
      expect(await f.client.account(payer.key)).toMatchObject({ balance_units: TEST_AIRDROP_UNITS - paid, escrow_units: 0n });
      const audit = await f.client.audit();
      expect(audit.problems).toEqual([]);
      expect(BigInt(audit.balance_units as string) + BigInt(audit.escrow_units as string)).toBe(TOTAL_SUPPLY_UNITS);
      process.stdout.write(`concurrency on ${kind}: ${JSON.stringify(Object.fromEntries(codes))}\n`);
    } finally {
      for (const s of servers) await s.close();
      await second.close();
      await f.close();
    }
  });
});

// The close path's memory of channels opened here (open-channels.ts): only open rows, bounded, forgotten on close;
// and over the real API a close works whether the channel was opened by this service or by another one.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_CONTEXT, signPaymentState, type ChannelId } from '../../src/protocol/payment-state.ts';
import { MAX_REMEMBERED_CHANNELS, OpenChannels } from '../../src/ledger/open-channels.ts';
import type { ChannelRow } from '../../src/ledger/store.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import type { PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { createFixture, newSigner, type Fixture } from './helpers/ledger.ts';

const row = (n: number, state: ChannelRow['state'] = 'open'): ChannelRow => ({
  id: n.toString(16).padStart(64, '0') as ChannelId,
  payer: 'a'.repeat(64) as PublicKeyHex,
  payee: 'b'.repeat(64) as PublicKeyHex,
  escrow_units: 10n,
  timeout_ms: 1_000,
  context: NO_CONTEXT,
  opened_at_ms: 1,
  expires_at_ms: 1_001,
  state,
  paid_units: 0n,
  refund_units: 0n,
  payment_seq: null,
  closed_at_ms: null,
  open_seq: n,
  close_seq: null,
});

describe('OpenChannels', () => {
  it('remembers open rows only, forgets on demand, and never holds more than its bound', () => {
    const known = new OpenChannels();
    known.remember(row(1, 'closed'));
    expect(known.opened(row(1).id)).toBeUndefined();
    known.remember(row(2));
    expect(known.opened(row(2).id)).toEqual(row(2));
    known.forget(row(2).id);
    expect(known.opened(row(2).id)).toBeUndefined();
    for (let n = 10; n < 10 + MAX_REMEMBERED_CHANNELS + 5; n++) known.remember(row(n));
    expect(known.size).toBe(MAX_REMEMBERED_CHANNELS);
    expect(known.opened(row(10).id)).toBeUndefined(); // the oldest went first
    expect(known.opened(row(10 + MAX_REMEMBERED_CHANNELS + 4).id)).toBeDefined();
  });
});

describe('close of a channel opened here or elsewhere (SQLite)', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture('sqlite', null);
  });
  afterAll(() => f.close());

  it('a channel opened by another service on the same data closes here; a second close is refused', async () => {
    const payer = await f.funded();
    const payee = await newSigner();
    const other = await f.openAnother();
    try {
      const app = new Hono();
      app.mount('/ledger', (request, env) => other.app.fetch(request, env));
      const otherClient = new LedgerClient({ baseUrl: 'http://other.test/ledger', ledgerId: other.ledgerId, fetch: (input, init) => Promise.resolve(app.request(input, init)) });
      for (const [opener, nonce] of [[otherClient, 2n], [f.client, 3n]] as const) {
        const channel = await opener.openChannel(payer.signer, { payee: payee.key, escrow_units: 100n, timeout_ms: 60_000, nonce });
        const state = await signPaymentState(payer.signer, { channel_id: channel.channel_id, amount_units: 40n, seq: 1n });
        const closed = await f.client.closeChannel(payee.signer, { state, nonce: nonce * 10n });
        expect(closed).toMatchObject({ state: 'closed', paid_units: 40n, refund_units: 60n });
        await expect(f.client.closeChannel(payee.signer, { state, nonce: nonce * 10n + 1n })).rejects.toMatchObject({ code: 'channel_closed' });
      }
    } finally {
      await other.close();
    }
  });
});

// Hostile and malformed input on every endpoint, on both stores: a 4xx JSON error with a stable code, and the
// journal head unchanged after each one (the final audit then proves no row moved either).
import { speedContext } from '../../src/protocol/session-context.ts';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicKeyHex, Signer } from '../../src/protocol/ed25519.ts';
import { encodeLedgerRequest, type LedgerRequest } from '../../src/protocol/ledger-request.ts';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import { signPaymentState, type ChannelId } from '../../src/protocol/payment-state.ts';
import { createFixture, newSigner, solve, type Fixture, type StoreKind } from './helpers/ledger.ts';
import { startPg } from './helpers/pg.ts';

/** The session every channel here is bound to (what a Speed torrent would bind it to). */
const CONTEXT = speedContext('cd'.repeat(20));

const pg = startPg();
afterAll(() => pg?.stop());
const kinds: StoreKind[] = pg ? ['sqlite', 'postgres'] : ['sqlite'];

type Wire = Record<string, unknown>;
type Case = [name: string, method: string, path: string, body: unknown, status: number, code: string];

/** Builds a correctly signed wire body for `request`, then applies `override` after signing (so it breaks). */
async function signed(f: Fixture, signer: Signer, request: LedgerRequest, wire: Wire): Promise<Wire> {
  const signature = bytesToHex(await signer.sign(encodeLedgerRequest(f.service.ledgerId, request)));
  return { ...wire, nonce: String(request.nonce), signature };
}

describe.each(kinds)('bad input on %s', (kind) => {
  let f: Fixture;
  let payer: { signer: Signer; key: PublicKeyHex };
  let payee: { signer: Signer; key: PublicKeyHex };
  let channel: ChannelId;
  let closed: ChannelId;
  let expiring: ChannelId;
  let validTransfer: Wire;
  let validOpen: Wire;
  let validClose: Wire;

  beforeAll(async () => {
    f = await createFixture(kind, pg, { airdrop: { amount_units: 1_000_000n, difficulty_bits: 4, max_requests_per_window: 400 } });
    payer = await f.funded();
    payee = await newSigner();
    channel = (await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 1_000n, timeout_ms: 3_600_000, nonce: 2n })).channel_id;
    closed = (await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 10n, timeout_ms: 3_600_000, nonce: 3n })).channel_id;
    expiring = (await f.client.openChannel(payer.signer, { payee: payee.key, escrow_units: 10n, timeout_ms: 1_000, nonce: 4n })).channel_id;
    const state = await signPaymentState(payer.signer, { channel_id: closed, amount_units: 5n, seq: 1n });
    await f.client.closeChannel(payee.signer, { state, nonce: 1n });
    validTransfer = await signed(
      f,
      payer.signer,
      { kind: 'transfer', from: payer.key, to: payee.key, amount_units: 5n, nonce: 100n },
      { from: payer.key, to: payee.key, amount_units: '5' },
    );
    validOpen = await signed(
      f,
      payer.signer,
      { kind: 'channel_open', payer: payer.key, payee: payee.key, escrow_units: 5n, timeout_ms: 5_000, context: CONTEXT, nonce: 100n },
      { payer: payer.key, payee: payee.key, escrow_units: '5', timeout_ms: 5_000, context: CONTEXT },
    );
    const pay = await signPaymentState(payer.signer, { channel_id: channel, amount_units: 10n, seq: 2n });
    validClose = await signed(
      f,
      payee.signer,
      { kind: 'channel_close', payee: payee.key, channel_id: channel, amount_units: 10n, seq: 2n, payment_signature: pay.signature, nonce: 100n },
      { payee: payee.key, amount_units: '10', seq: '2', payment_signature: bytesToHex(pay.signature) },
    );
  });
  afterAll(async () => {
    expect((await f.client.audit()).ok).toBe(true);
    await f.close();
  });

  const head = async () => JSON.stringify((await f.client.info()).journal_head);

  async function expectRefused(cases: Case[]): Promise<void> {
    for (const [name, method, path, body, status, code] of cases) {
      const before = await head();
      const reply = await f.request(method, path, body);
      expect({ name, status: reply.status, code: reply.json.error }).toEqual({ name, status, code });
      expect(typeof reply.json.message).toBe('string');
      expect(await head()).toBe(before);
    }
  }

  it('POST /transfers', async () => {
    const t = (override: Wire): Wire => ({ ...validTransfer, ...override });
    const forged = { ...validTransfer, signature: bytesToHex(new Uint8Array(64).fill(1)) };
    const stranger = await newSigner();
    const unknown = await signed(
      f,
      stranger.signer,
      { kind: 'transfer', from: stranger.key, to: payee.key, amount_units: 5n, nonce: 1n },
      { from: stranger.key, to: payee.key, amount_units: '5' },
    );
    await expectRefused([
      ['malformed JSON', 'POST', '/transfers', '{"from":', 400, 'malformed_json'],
      ['JSON array', 'POST', '/transfers', '[]', 400, 'malformed_json'],
      ['JSON null', 'POST', '/transfers', 'null', 400, 'malformed_json'],
      ['empty body', 'POST', '/transfers', '', 400, 'malformed_json'],
      ['missing field', 'POST', '/transfers', { ...validTransfer, to: undefined }, 400, 'invalid_field'],
      ['extra field', 'POST', '/transfers', t({ memo: 'hi' }), 400, 'invalid_field'],
      ['amount as number', 'POST', '/transfers', t({ amount_units: 5 }), 400, 'invalid_field'],
      ['negative amount', 'POST', '/transfers', t({ amount_units: '-5' }), 400, 'invalid_field'],
      ['fractional amount', 'POST', '/transfers', t({ amount_units: '5.5' }), 400, 'invalid_field'],
      ['zero amount', 'POST', '/transfers', t({ amount_units: '0' }), 400, 'amount_zero'],
      ['amount above u64', 'POST', '/transfers', t({ amount_units: '18446744073709551616' }), 400, 'invalid_field'],
      ['amount above supply', 'POST', '/transfers', t({ amount_units: String(TOTAL_SUPPLY_UNITS + 1n) }), 400, 'amount_exceeds_supply'],
      ['leading zero', 'POST', '/transfers', t({ amount_units: '05' }), 400, 'invalid_field'],
      ['uppercase key', 'POST', '/transfers', t({ to: payee.key.toUpperCase() }), 400, 'invalid_field'],
      ['short key', 'POST', '/transfers', t({ to: payee.key.slice(2) }), 400, 'invalid_field'],
      ['nonce as number', 'POST', '/transfers', t({ nonce: 100 }), 400, 'invalid_field'],
      ['nonce zero', 'POST', '/transfers', t({ nonce: '0' }), 400, 'invalid_field'],
      ['nonce above 2^63', 'POST', '/transfers', t({ nonce: '9223372036854775808' }), 400, 'invalid_field'],
      ['signature not hex', 'POST', '/transfers', t({ signature: 'zz'.repeat(64) }), 400, 'invalid_field'],
      ['forged signature', 'POST', '/transfers', forged, 401, 'invalid_signature'],
      ['amount changed after signing', 'POST', '/transfers', t({ amount_units: '6' }), 401, 'invalid_signature'],
      ['unknown account', 'POST', '/transfers', unknown, 404, 'unknown_account'],
      ['body too large', 'POST', '/transfers', t({ memo: 'x'.repeat(10_000) }), 413, 'body_too_large'],
    ]);
  });

  it('POST /channels', async () => {
    const o = (override: Wire): Wire => ({ ...validOpen, ...override });
    await expectRefused([
      ['malformed JSON', 'POST', '/channels', '{{', 400, 'malformed_json'],
      ['timeout as string', 'POST', '/channels', o({ timeout_ms: '5000' }), 400, 'invalid_field'],
      ['negative timeout', 'POST', '/channels', o({ timeout_ms: -5 }), 400, 'invalid_field'],
      ['fractional timeout', 'POST', '/channels', o({ timeout_ms: 5000.5 }), 400, 'invalid_field'],
      ['zero escrow', 'POST', '/channels', o({ escrow_units: '0' }), 400, 'amount_zero'],
      ['negative escrow', 'POST', '/channels', o({ escrow_units: '-1' }), 400, 'invalid_field'],
      ['huge escrow', 'POST', '/channels', o({ escrow_units: '1'.repeat(30) }), 400, 'invalid_field'],
      ['payee changed after signing', 'POST', '/channels', o({ payee: payer.key }), 401, 'invalid_signature'],
      ['context changed after signing', 'POST', '/channels', o({ context: 'ab'.repeat(32) }), 401, 'invalid_signature'],
      ['context missing', 'POST', '/channels', o({ context: undefined }), 400, 'invalid_field'],
      ['context not hex', 'POST', '/channels', o({ context: 'zz'.repeat(32) }), 400, 'invalid_field'],
      ['context too short', 'POST', '/channels', o({ context: 'ab'.repeat(31) }), 400, 'invalid_field'],
    ]);
    const open = async (escrow_units: bigint, timeout_ms: number, to: PublicKeyHex, nonce: bigint) =>
      signed(f, payer.signer, { kind: 'channel_open', payer: payer.key, payee: to, escrow_units, timeout_ms, context: CONTEXT, nonce }, {
        payer: payer.key,
        payee: to,
        escrow_units: String(escrow_units),
        timeout_ms,
        context: CONTEXT,
      });
    await expectRefused([
      ['timeout too short', 'POST', '/channels', await open(5n, 999, payee.key, 101n), 400, 'timeout_out_of_range'],
      ['timeout too long', 'POST', '/channels', await open(5n, 8 * 86_400_000, payee.key, 101n), 400, 'timeout_out_of_range'],
      ['payer is payee', 'POST', '/channels', await open(5n, 5_000, payer.key, 101n), 400, 'payer_is_payee'],
      ['escrow above balance', 'POST', '/channels', await open(10_000_000n, 5_000, payee.key, 101n), 409, 'insufficient_funds'],
      ['stale nonce', 'POST', '/channels', await open(5n, 5_000, payee.key, 2n), 409, 'stale_nonce'],
    ]);
  });

  it('POST /channels/:id/close and GET /channels/:id', async () => {
    const c = (override: Wire): Wire => ({ ...validClose, ...override });
    const close = async (id: ChannelId, amount: bigint, by: { signer: Signer; key: PublicKeyHex }, signer = payer.signer, nonce = 101n) => {
      const pay = await signPaymentState(signer, { channel_id: id, amount_units: amount, seq: 3n });
      return signed(
        f,
        by.signer,
        { kind: 'channel_close', payee: by.key, channel_id: id, amount_units: amount, seq: 3n, payment_signature: pay.signature, nonce },
        { payee: by.key, amount_units: String(amount), seq: '3', payment_signature: bytesToHex(pay.signature) },
      );
    };
    const unknownId = 'ab'.repeat(32) as ChannelId;
    const stranger = await newSigner();
    await expectRefused([
      ['bad channel id', 'POST', '/channels/xyz/close', validClose, 400, 'invalid_field'],
      ['uppercase channel id', 'POST', `/channels/${channel.toUpperCase()}/close`, validClose, 400, 'invalid_field'],
      ['signed for another channel', 'POST', `/channels/${closed}/close`, validClose, 401, 'invalid_signature'],
      ['seq as number', 'POST', `/channels/${channel}/close`, c({ seq: 2 }), 400, 'invalid_field'],
      ['negative amount', 'POST', `/channels/${channel}/close`, c({ amount_units: '-10' }), 400, 'invalid_field'],
      ['short payment signature', 'POST', `/channels/${channel}/close`, c({ payment_signature: 'ab' }), 400, 'invalid_field'],
      ['unknown channel', 'POST', `/channels/${unknownId}/close`, await close(unknownId, 1n, payee), 404, 'unknown_channel'],
      ['wrong payee', 'POST', `/channels/${channel}/close`, await close(channel, 1n, stranger), 403, 'not_payee'],
      ['state above escrow', 'POST', `/channels/${channel}/close`, await close(channel, 1_001n, payee), 409, 'exceeds_escrow'],
      ['state not by payer', 'POST', `/channels/${channel}/close`, await close(channel, 1n, payee, payee.signer), 400, 'invalid_payment_signature'],
      ['double close', 'POST', `/channels/${closed}/close`, await close(closed, 5n, payee), 409, 'channel_closed'],
      ['stale nonce', 'POST', `/channels/${channel}/close`, await close(channel, 5n, payee, payer.signer, 1n), 409, 'stale_nonce'],
      ['GET bad id', 'GET', '/channels/123', undefined, 400, 'invalid_field'],
      ['GET unknown', 'GET', `/channels/${unknownId}`, undefined, 404, 'unknown_channel'],
    ]);
    // Close after expiry: refused; the ledger then expires the channel itself (a change, but not the close).
    f.clock.now_ms += 1_000;
    const reply = await f.request('POST', `/channels/${expiring}/close`, await close(expiring, 5n, payee));
    expect(reply).toMatchObject({ status: 409, json: { error: 'channel_expired' } });
    expect(await f.client.channel(expiring)).toMatchObject({ state: 'expired', paid_units: 0n, refund_units: 10n });
  });

  it('GET /accounts, /journal, /airdrop and unknown routes', async () => {
    const unknownKey = 'cd'.repeat(32);
    await expectRefused([
      ['bad account id', 'GET', '/accounts/nothex', undefined, 400, 'invalid_field'],
      ['unknown account', 'GET', `/accounts/${unknownKey}`, undefined, 404, 'unknown_account'],
      ['unknown reserve', 'GET', '/accounts/reserve:nope', undefined, 400, 'invalid_field'],
      ['history of unknown', 'GET', `/accounts/${unknownKey}/history`, undefined, 404, 'unknown_account'],
      ['history limit too big', 'GET', `/accounts/${payer.key}/history?limit=5000`, undefined, 400, 'invalid_field'],
      ['history limit not a number', 'GET', `/accounts/${payer.key}/history?limit=abc`, undefined, 400, 'invalid_field'],
      ['journal negative', 'GET', '/journal?after_seq=-1', undefined, 400, 'invalid_field'],
      ['challenge without key', 'GET', '/airdrop/challenge', undefined, 400, 'invalid_field'],
      ['challenge bad key', 'GET', '/airdrop/challenge?public_key=xyz', undefined, 400, 'invalid_field'],
      ['unknown route', 'GET', '/nope', undefined, 404, 'not_found'],
      ['wrong method', 'GET', '/transfers', undefined, 404, 'not_found'],
    ]);
  });

  it('POST /airdrop/claim, and the per-address rate limit', async () => {
    const who = await newSigner();
    const challenge = hexToBytes((await f.client.airdropChallenge(who.key)).challenge);
    const pow_nonce = solve(challenge, who.key, 4);
    const claim = async (override: Wire = {}, nonce = 1n) => ({
      ...(await signed(f, who.signer, { kind: 'airdrop_claim', public_key: who.key, challenge, pow_nonce, nonce }, {
        public_key: who.key,
        challenge: bytesToHex(challenge),
        pow_nonce,
      })),
      ...override,
    });
    const tampered = new Uint8Array(challenge);
    tampered[9] = (tampered[9] ?? 0) ^ 1;
    await expectRefused([
      ['malformed JSON', 'POST', '/airdrop/claim', 'nope', 400, 'malformed_json'],
      ['challenge not hex', 'POST', '/airdrop/claim', await claim({ challenge: 'zz' }), 400, 'invalid_field'],
      ['pow nonce as string', 'POST', '/airdrop/claim', await claim({ pow_nonce: '5' }), 400, 'invalid_field'],
      ['pow nonce negative', 'POST', '/airdrop/claim', await claim({ pow_nonce: -1 }), 400, 'invalid_field'],
      ['tampered challenge', 'POST', '/airdrop/claim', await claim({ challenge: bytesToHex(tampered) }), 400, 'invalid_challenge'],
      ['forged signature', 'POST', '/airdrop/claim', await claim({ signature: 'ab'.repeat(64) }), 401, 'invalid_signature'],
    ]);
    expect((await f.request('POST', '/airdrop/claim', await claim())).status).toBe(201);
    let limited = 0;
    for (let i = 0; i < 400 && limited === 0; i++) {
      const reply = await f.request('GET', `/airdrop/challenge?public_key=${who.key}`);
      if (reply.status === 429) limited = i;
    }
    expect(limited).toBeGreaterThan(0);
    await expectRefused([['rate limited', 'GET', `/airdrop/challenge?public_key=${who.key}`, undefined, 429, 'rate_limited']]);
  });
});

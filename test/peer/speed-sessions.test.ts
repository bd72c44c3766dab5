// Both Speed roles over two in-memory bittorrent-protocol wires piped into each other: the provider's session with
// its serving gate, the requester's session signing payments, a shared in-memory ledger. Covers the loser cases of
// issue 11: a requester that stops winning is told so and pays nothing more, and one that lowers its bid below
// the price stops paying at once (the provider ends the session as soon as the bid reaches it).
import Wire from 'bittorrent-protocol';
import { describe, expect, test } from 'vitest';
import { createNobleSigner, toPublicKeyHex, WebCryptoVerifier, type PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { costForBytes, type Units } from '../../src/protocol/money.ts';
import type { ChannelId, SignedPaymentState } from '../../src/protocol/payment-state.ts';
import type { SpeedHandshake } from '../../src/protocol/messages-handshake.ts';
import { UNLIMITED } from '../protocol/channel-harness.ts';
import { BanList, type SpeedContext } from '../../src/peer/speed-context.ts';
import { speedExtension, speedOf, type SpeedExtension } from '../../src/peer/speed-extension.ts';
import { ProviderSession } from '../../src/peer/speed-provider.ts';
import { RequesterSession } from '../../src/peer/speed-requester.ts';
import { TorrentMoney } from '../../src/peer/torrent-money.ts';
import type { Wire as PeerWire } from '../../src/peer/wire.ts';

const PIECE = 32 * 1024;
const BLOCK = 16 * 1024;
const PIECES = 40;
const INFO_HASH = '01'.repeat(20);
const LEDGER_ID = 'ab'.repeat(32) as PublicKeyHex;
const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};

/** The ledger both sides talk to: channels opened by the requester, read and closed by the provider. */
class MemoryLedger {
  readonly channels = new Map<ChannelId, { payer: PublicKeyHex; payee: PublicKeyHex; escrow_units: Units; expires_at_ms: number; context: string; closed: Units | null }>();
  open(payer: PublicKeyHex, payee: PublicKeyHex, escrow_units: Units, context: string, now: number) {
    const channel_id = (this.channels.size + 1).toString(16).padStart(64, '0') as ChannelId;
    this.channels.set(channel_id, { payer, payee, escrow_units, expires_at_ms: now + 3_600_000, context, closed: null });
    return { channel_id, escrow_units, expires_at_ms: now + 3_600_000 };
  }
  closedUnits(): Units {
    return [...this.channels.values()].reduce((sum, c) => sum + (c.closed ?? 0n), 0n);
  }
}

function context(seed: number, ledger: MemoryLedger, clock: { ms: number }, wallet: Array<{ kind: string }>) {
  const signer = createNobleSigner(new Uint8Array(32).fill(seed));
  const key = toPublicKeyHex(signer.publicKey);
  const fakeLedger = {
    channel: async (id: ChannelId) => {
      const c = ledger.channels.get(id);
      return c && {
        channel_id: id, payer: c.payer, payee: c.payee, escrow_units: c.escrow_units, expires_at_ms: c.expires_at_ms, context: c.context,
        state: c.closed === null ? 'open' : 'closed',
      };
    },
    openChannel: async (_s: unknown, a: { payee: PublicKeyHex; escrow_units: Units; context: string }) => ledger.open(key, a.payee, a.escrow_units, a.context, clock.ms),
  };
  const ctx = {
    now: () => clock.ms,
    paymentKey: key,
    signer,
    misbehave: null,
    localHandshake: (): SpeedHandshake => ({ version: 2, ledger_id: LEDGER_ID, payment_pk: key }),
    log: () => {},
    wallet: (e: { kind: string }) => wallet.push(e),
    bans: new BanList(),
    verifier: new WebCryptoVerifier(crypto.subtle),
    ledger: fakeLedger,
    budget: () => UNLIMITED,
    recordSpend: () => {},
    refreshBalance: async () => {},
    signedCall: <T>(call: (l: typeof fakeLedger, s: typeof signer) => Promise<T>) => call(fakeLedger, signer),
  } as unknown as SpeedContext;
  return { ctx, key };
}

interface Pair {
  provider: ProviderSession;
  requester: RequesterSession;
  providerExt: SpeedExtension;
  requesterExt: SpeedExtension;
  ledger: MemoryLedger;
  bid: { units: Units | null };
  errors: string[];
  /** Requests one unit's blocks; resolves true once they all arrived (and were "verified": paid if paying). */
  fetch(index: number): Promise<boolean>;
  /** The requester's end of the wire pair. */
  requesterWire: PeerWire & InstanceType<typeof Wire>;
  /** How long the requester's save of its payer state takes (a payment leaves only after it). */
  persistDelay: { ms: number };
  requesterMoney: TorrentMoney;
  providerMoney: TorrentMoney;
  /** The provider's store: while `held` is an array, reads wait there and the test answers them in its own order. */
  store: { held: Array<{ index: number; offset: number; answer: () => void }> | null };
}

/** `requesterInfoHash`: the torrent the requester believes it pays for (its channels are bound to it). */
async function pair(requesterInfoHash = INFO_HASH): Promise<Pair> {
  const ledger = new MemoryLedger();
  const clock = { ms: 10_000_000 };
  const pw = context(2, ledger, clock, []);
  const rw = context(1, ledger, clock, []);
  const rawA = new Wire();
  const rawB = new Wire();
  const a = rawA as unknown as PeerWire & typeof rawA;
  const b = rawB as unknown as PeerWire & typeof rawB;
  a.use(speedExtension(pw.ctx.localHandshake()));
  b.use(speedExtension(rw.ctx.localHandshake()));
  const providerExt = speedOf(a)!;
  const requesterExt = speedOf(b)!;
  const bid = { units: null as Units | null };
  const persistDelay = { ms: 0 };
  // Each side's torrent money record, as the engine keeps it (persisted beside the torrent).
  const requesterMoney = new TorrentMoney();
  const providerMoney = new TorrentMoney();
  requesterMoney.downloaded(PIECES * PIECE);
  const errors: string[] = [];
  const provider = new ProviderSession(a, providerExt, rw.key, {
    ctx: pw.ctx, info_hash: INFO_HASH, piece_length: PIECE, pieceBytes: () => PIECE, persist: () => {},
    closeChannel: async (state: SignedPaymentState) => {
      const c = ledger.channels.get(state.channel_id);
      if (c) c.closed = state.amount_units;
      return true;
    },
    bidChanged: () => {},
    earned: (channel_id, amount_units) => providerMoney.earned(channel_id, amount_units),
  }, null);
  const requester = new RequesterSession(b, requesterExt, {
    ctx: rw.ctx, info_hash: requesterInfoHash, piece_length: PIECE, piece_count: PIECES, remainingBytes: () => PIECES * PIECE,
    currentBid: () => bid.units, persist: () => new Promise((resolve) => setTimeout(resolve, persistDelay.ms)), restore: async () => null, stopRequesting: () => {},
    paid: (channel_id, amount_units, index) => requesterMoney.paid(channel_id, amount_units, index === null ? 0 : PIECE),
  });
  providerExt.handler = { negotiated: () => {}, message: (m) => provider.onMessage(m), warning: () => {} };
  requesterExt.handler = {
    negotiated: () => {},
    message: (m) => {
      if (m.type === 'bid_response') requester.onBidResponse(m);
      else if (m.type === 'error') {
        errors.push(m.code);
        if (m.code === 'not_charged' || m.code === 'not_selling') requester.notCharged();
      }
    },
    warning: () => {},
  };
  // webtorrent answers requests from the store: here, zero-filled blocks through the (gated) wire.piece.
  const store: Pair['store'] = { held: null };
  a.on('request', ((index: number, offset: number, length: number, respond: (error: Error | null, block: Uint8Array) => void) => {
    const answer = () => respond(null, new Uint8Array(length)); // calls a.piece: the gate
    if (store.held) store.held.push({ index, offset, answer });
    else answer();
  }) as never);
  rawA.pipe(rawB).pipe(rawA);
  const negotiated = Promise.all([
    new Promise<void>((r) => a.once('extended', () => r())),
    new Promise<void>((r) => b.once('extended', () => r())),
  ]);
  a.on('handshake', () => rawA.handshake(INFO_HASH, '22'.repeat(20), { dht: false }));
  rawB.handshake(INFO_HASH, '11'.repeat(20), { dht: false });
  await negotiated;
  a.unchoke();
  b.interested();
  const fetch = async (index: number) => {
    const blocks = await Promise.all([0, BLOCK].map((offset) => new Promise<boolean>((resolve) => {
      b.request(index, offset, BLOCK, (error: Error | null) => resolve(error === null));
      setTimeout(() => resolve(false), 1500);
    })));
    if (!blocks.every(Boolean)) return false;
    if (requester.paying) await requester.pieceVerified(index, PIECE);
    return true;
  };
  return { provider, requester, providerExt, requesterExt, ledger, bid, errors, fetch, requesterWire: b, persistDelay, requesterMoney, providerMoney, store };
}

async function paidSession(p: Pair, bid: Units, price: Units): Promise<void> {
  p.bid.units = bid;
  p.requesterExt.send({ type: 'bid', price_units_per_kib: bid });
  await until(() => p.provider.bid_units_per_kib === bid, 'the bid');
  p.provider.charge(price); // the round's outcome: charged at the clearing price
  await until(() => p.provider.payee?.phase === 'Serving', 'the channel check');
}

const unit = (price: Units) => costForBytes(price, BigInt(PIECE));

describe('paid sessions over a wire pair', () => {
  test('a winner pays each unit at the clearing price', async () => {
    const p = await pair();
    await paidSession(p, 508n, 100n);
    for (const index of [0, 1, 2]) expect(await p.fetch(index)).toBe(true);
    await p.requester.settled();
    await until(() => p.provider.earned_units === 3n * unit(100n), 'three payments');
    expect(p.requester.paid_units).toBe(3n * unit(100n));
  });

  test('outbid: the provider ends the session, the requester is told and pays nothing more while served free', async () => {
    const p = await pair();
    await paidSession(p, 508n, 100n);
    for (const index of [0, 1]) expect(await p.fetch(index)).toBe(true);
    await p.requester.settled();
    await until(() => p.provider.earned_units === 2n * unit(100n), 'two payments');

    p.provider.end('not_charged'); // the round: another peer took the slot; this one keeps the free optimistic slot
    await until(() => p.errors.includes('not_charged'), 'the notice');
    await p.requester.settled();
    expect(p.requester.payer?.stop_reason).toBe('not_charged');
    expect(p.provider.payee?.phase).toMatch(/^Clos/);
    for (const index of [2, 3, 4]) expect(await p.fetch(index)).toBe(true); // served, free
    await p.requester.settled();
    expect(p.requester.paid_units).toBe(2n * unit(100n));
    expect(p.provider.earned_units).toBe(2n * unit(100n));
    await until(() => p.ledger.closedUnits() === 2n * unit(100n), 'the close');

    // Winning again later opens a fresh session at the new price, on a new channel.
    p.provider.charge(50n);
    await until(() => p.provider.payee?.phase === 'Serving', 'the new channel');
    expect(await p.fetch(5)).toBe(true);
    await until(() => p.provider.earned_units === 2n * unit(100n) + unit(50n), 'the new payment');
    expect(p.ledger.channels.size).toBe(2);
  });

  test('a requester lowering its bid below the price stops paying at once; the provider ends the session on the bid', async () => {
    const p = await pair();
    await paidSession(p, 508n, 100n);
    expect(await p.fetch(0)).toBe(true);
    await p.requester.settled();
    await until(() => p.provider.earned_units === unit(100n), 'one payment');

    p.bid.units = 32n; // the user lowered the spending rate: each session re-checks, then sends the new bid
    p.requester.bidChanged({ type: 'bid', price_units_per_kib: 32n });
    await p.requester.settled();
    expect(p.requester.payer?.stop_reason).toBe('price_above_bid');
    await until(() => p.provider.payee?.phase === 'Closing' || p.provider.payee?.phase === 'Closed', 'the provider ending the session');
    expect(p.errors).toContain('not_charged');
    for (const index of [1, 2]) expect(await p.fetch(index)).toBe(true);
    await p.requester.settled();
    expect(p.requester.paid_units).toBe(unit(100n));
    expect(p.provider.earned_units).toBe(unit(100n));
  });

  test('a payment decided before the bid fell reaches the provider first: the closed channel holds all it signed', async () => {
    const p = await pair();
    await paidSession(p, 508n, 100n);
    expect(await p.fetch(0)).toBe(true);
    await p.requester.settled();
    await until(() => p.provider.earned_units === unit(100n), 'one payment');
    // Piece 1 verifies and its payment is being signed and saved when the user lowers the bid: the bid must not
    // overtake that payment on the wire, or the provider would close the channel without it.
    const blocks = [0, BLOCK].map((offset) => new Promise<void>((resolve) => p.requesterWire.request(1, offset, BLOCK, () => resolve())));
    await Promise.all(blocks);
    p.persistDelay.ms = 50;
    const paid = p.requester.pieceVerified(1, PIECE);
    await until(() => p.requester.payer?.channel?.seq === 2n, 'the second payment decided'); // signed, being saved
    p.bid.units = 32n;
    p.requester.bidChanged({ type: 'bid', price_units_per_kib: 32n });
    await paid;
    await p.requester.settled();
    await until(() => p.provider.payee?.phase === 'Closed', 'the channel closed');
    expect(p.requester.paid_units).toBe(2n * unit(100n));
    expect(p.ledger.closedUnits()).toBe(p.requester.paid_units);
    // What each side's torrent shows is what was signed, accepted and settled: the same units, the same channel.
    expect(p.requesterMoney.paid_units).toBe(p.ledger.closedUnits());
    expect(p.providerMoney.earned_units).toBe(p.ledger.closedUnits());
    expect([...p.requesterMoney.paidChannels().keys()]).toEqual([...p.ledger.channels.keys()]);
    expect(p.requesterMoney.paid_bytes).toBe(2 * PIECE);
  });

  test('a channel bound to another torrent is refused: one channel pays one session', async () => {
    const p = await pair('02'.repeat(20));
    p.bid.units = 508n;
    p.requesterExt.send({ type: 'bid', price_units_per_kib: 508n });
    await until(() => p.provider.bid_units_per_kib === 508n, 'the bid');
    p.provider.charge(100n);
    await until(() => p.ledger.channels.size === 1, 'the requester opening its channel');
    await until(() => p.errors.includes('bad_channel'), 'the provider refusing it');
    expect(p.provider.payee?.phase).not.toBe('Serving');
    expect(p.provider.earned_units).toBe(0n);
  });

  test('a store answering a pipelined requester out of order: the piece in flight is never held behind the next one', async () => {
    const p = await pair();
    await paidSession(p, 508n, 100n);
    p.store.held = [];
    const first = p.fetch(0);
    const second = p.fetch(1);
    await until(() => p.store.held?.length === 4, 'four reads');
    // A file-backed store finishes reads in any order: here 0/0, then the next piece's 1/0, then 0/1.
    const order = [[0, 0], [1, 0], [0, BLOCK], [1, BLOCK]];
    for (const [index, offset] of order) p.store.held?.find((r) => r.index === index && r.offset === offset)?.answer();
    p.store.held = null;
    // Piece 0 completes without waiting for a payment (before, 0/1 waited behind 1/0 for the payment of piece 0),
    // and piece 1 is released by that payment: exposure stays one piece, and each is paid once.
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    await p.requester.settled();
    await until(() => p.provider.earned_units === 2n * unit(100n), 'two payments');
    expect(p.requester.paid_units).toBe(2n * unit(100n));
  });

  test('a unit verified after the bid fell is not paid, even before the provider heard of the new bid', async () => {
    const p = await pair();
    await paidSession(p, 508n, 100n);
    expect(await p.fetch(0)).toBe(true);
    await p.requester.settled();
    p.bid.units = 32n; // not broadcast yet: only the per-unit check stands between the old price and our wallet
    expect(await p.fetch(1)).toBe(true);
    await p.requester.settled();
    expect(p.requester.payer?.stop_reason).toBe('price_above_bid');
    expect(p.requester.paid_units).toBe(unit(100n));
  });
});

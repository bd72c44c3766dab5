// The Speed shell's own rules, without a network: the provider's serving gate over a fake wire (never more than one
// unpaid piece: blocks of the next piece wait for the payment), forgiving an in-flight piece, the requester's piece
// pins, and time-limited bans.
import { describe, expect, test, vi } from 'vitest';
import { createNobleSigner, toPublicKeyHex, WebCryptoVerifier, type PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { createPayee } from '../../src/protocol/channel-payee.ts';
import { signPaymentState, type ChannelId } from '../../src/protocol/payment-state.ts';
import type { SpeedMessage } from '../../src/protocol/messages.ts';
import { BanList, type SpeedContext } from '../../src/peer/speed-context.ts';
import type { SpeedExtension } from '../../src/peer/speed-extension.ts';
import { PiecePins, WEB_SEED_PIECES_IN_FLIGHT } from '../../src/peer/speed-pins.ts';
import { PEER_STALL_MS, PEER_UNCHOKE_PATIENCE_MS, WEB_SEED_START_WAIT_MS } from '../../src/protocol/web-seed-policy.ts';
import { ProviderSession } from '../../src/peer/speed-provider.ts';
import { forgiveInFlight } from '../../src/protocol/channel-payee-end.ts';
import { speedContext } from '../../src/protocol/session-context.ts';
import type { BitFieldLike, Wire } from '../../src/peer/wire.ts';

const PIECE = 32 * 1024;
const BLOCK = 16 * 1024;
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
const INFO_HASH = 'ab'.repeat(20);
/** The session the provider sells (its torrent): the ledger's channel and the payer's states are bound to it. */
const CONTEXT = speedContext(INFO_HASH);

function fakeWire(): Wire & { sent: Array<[number, number]>; listeners: Map<string, Array<(...a: unknown[]) => void>> } {
  const listeners = new Map<string, Array<(...a: unknown[]) => void>>();
  const on = (event: string, listener: (...a: never[]) => void) => {
    listeners.set(event, [...(listeners.get(event) ?? []), listener as (...a: unknown[]) => void]);
  };
  const sent: Array<[number, number]> = [];
  return {
    sent, listeners, peerId: 'ee'.repeat(20), type: 'webrtc', amChoking: false, peerChoking: false, peerInterested: true, amInterested: false,
    hasFast: true, destroyed: false, uploaded: 0, downloaded: 0, peerPieces: { get: () => true }, peerRequests: [], requests: [],
    extendedHandshake: {}, peerExtendedHandshake: {}, peerExtendedMapping: {},
    use() {}, extended() {}, choke() { this.amChoking = true; }, unchoke() { this.amChoking = false; }, interested() {}, reject() {},
    piece(index: number, offset: number) { sent.push([index, offset]); },
    request() {}, downloadSpeed: () => 0, uploadSpeed: () => 0, destroy() { this.destroyed = true; },
    on, once: on, removeListener() {},
  };
}

describe('provider serving gate', async () => {
  const payer = createNobleSigner(new Uint8Array(32).fill(1));
  const payee = createNobleSigner(new Uint8Array(32).fill(2));
  const payerKey = toPublicKeyHex(payer.publicKey);
  const payeeKey = toPublicKeyHex(payee.publicKey);
  const channel_id = '0c'.repeat(32) as ChannelId;
  const now = { ms: 1_000_000 };
  const wallet: unknown[] = [];
  const ctx = {
    now: () => now.ms,
    paymentKey: payeeKey,
    localHandshake: () => ({ version: 2, ledger_id: 'ab'.repeat(32) as PublicKeyHex, payment_pk: payeeKey }),
    log: () => {},
    wallet: (e: unknown) => wallet.push(e),
    bans: new BanList(),
    verifier: new WebCryptoVerifier(crypto.subtle),
    ledger: {
      channel: async () => ({
        channel_id, payer: payerKey, payee: payeeKey, escrow_units: 10_000_000n, expires_at_ms: now.ms + 3_600_000, state: 'open', context: CONTEXT,
      }),
    },
  } as unknown as SpeedContext;
  const sentMessages: SpeedMessage[] = [];
  const ext = { send: (m: SpeedMessage) => (sentMessages.push(m), true) } as unknown as SpeedExtension;
  const wire = fakeWire();
  const session = new ProviderSession(wire, ext, payerKey, {
    ctx, info_hash: INFO_HASH, piece_length: PIECE, pieceBytes: () => PIECE, persist: () => {}, closeChannel: async () => true, bidChanged: () => {}, earned: () => {},
  }, null);
  const block = new Uint8Array(BLOCK);

  test('the auction price goes out as a bid response; nothing is served before the channel checks out', () => {
    session.charge(100n);
    expect(sentMessages[0]).toMatchObject({ type: 'bid_response', price_units_per_kib: 100n, payee_pk: payeeKey, max_unpaid_pieces: 1 });
    for (const index of [0, 1]) for (const offset of [0, BLOCK]) wire.piece(index, offset, block);
    expect(wire.sent).toEqual([]);
  });

  test('with the channel checked, the first piece goes out and the second waits for its payment', async () => {
    session.onMessage({ type: 'channel', channel_id });
    await tick();
    expect(session.payee?.phase).toBe('Serving');
    expect(wire.sent).toEqual([[0, 0], [0, BLOCK]]);
    expect(session.payee?.unpaid?.index).toBe(0);
  });

  test('the payment for piece 0 releases piece 1', async () => {
    const signed = await signPaymentState(payer, { channel_id, amount_units: 100n * 32n, seq: 1n }, CONTEXT);
    session.onMessage({ type: 'payment', ...signed });
    await vi.waitFor(() => expect(session.earned_units).toBe(3200n)); // the signature check is asynchronous
    expect(wire.sent).toEqual([[0, 0], [0, BLOCK], [1, 0], [1, BLOCK]]);
  });

  test('a payment signed by another key is refused and the requester banned', async () => {
    const forged = await signPaymentState(payee, { channel_id, amount_units: 100n * 64n, seq: 2n }, CONTEXT);
    session.onMessage({ type: 'payment', ...forged });
    await vi.waitFor(() => expect(wallet).toContainEqual(expect.objectContaining({ kind: 'peer_banned', role: 'requester', reason: 'bad_signature' })));
    expect(session.earned_units).toBe(3200n);
    expect(ctx.bans.isBanned([payerKey], now.ms)).toBe(true);
  });
});

describe('forgiveInFlight', () => {
  const terms = { payee_key: 'aa'.repeat(32) as PublicKeyHex, payer_key: 'bb'.repeat(32) as PublicKeyHex, piece_length_bytes: PIECE, min_escrow_units: 0n };
  const unpaid = (delivered_at_ms: number | null, deadline_missed = false) => ({
    ...createPayee(terms, 100n), owed_units: 3200n, unpaid: { index: 3, cost_units: 3200n, delivered_at_ms, deadline_missed },
  });

  test('drops a piece never fully sent; after a reconnect also one fully sent; never one past its deadline', () => {
    expect(forgiveInFlight(unpaid(null), false)).toMatchObject({ unpaid: null, owed_units: 0n });
    expect(forgiveInFlight(unpaid(5), false).unpaid?.index).toBe(3);
    expect(forgiveInFlight(unpaid(5), true)).toMatchObject({ unpaid: null, owed_units: 0n });
    expect(forgiveInFlight(unpaid(5, true), true).unpaid?.index).toBe(3);
  });
});

describe('piece pins', () => {
  function pinnedWire(): Wire {
    const wire = fakeWire();
    wire.peerPieces = { get: () => true } as BitFieldLike;
    return wire;
  }

  test('a piece requested from one wire is absent on the others until released', () => {
    const pins = new PiecePins(() => PIECE, () => false);
    const a = pinnedWire();
    const b = pinnedWire();
    pins.install(a);
    pins.install(b);
    a.request(5, 0, BLOCK, () => {});
    expect(a.peerPieces.get(5)).toBe(true);
    expect(b.peerPieces.get(5)).toBe(false);
    expect(b.peerPieces.get(6)).toBe(true);
    pins.release(5);
    expect(b.peerPieces.get(5)).toBe(true);
  });

  test('a web seed holds at most a few pieces, never a pinned one, and a failed request frees its piece', () => {
    const pins = new PiecePins(() => PIECE, () => true, { now: () => 0, expectsPeers: () => false });
    const seed = pinnedWire();
    seed.type = 'webSeed';
    const failures: Array<(error: Error | null) => void> = [];
    seed.request = (_index, _offset, _length, callback) => void failures.push(callback);
    const peer = pinnedWire();
    pins.install(seed);
    pins.install(peer);
    peer.request(9, 0, BLOCK, () => {});
    peer.request(9, BLOCK, BLOCK, () => {}); // every block of its piece asked for: it may take another
    expect(seed.peerPieces.get(9)).toBe(false);
    for (let i = 0; i < WEB_SEED_PIECES_IN_FLIGHT; i++) seed.request(i, 0, BLOCK, () => {});
    expect(seed.peerPieces.get(0)).toBe(true); // its own pieces stay its own
    expect(seed.peerPieces.get(WEB_SEED_PIECES_IN_FLIGHT)).toBe(false);
    expect(peer.peerPieces.get(0)).toBe(false);
    expect(pins.webSeedIdle()).toBe(false);
    failures[0]?.(new Error('origin gone'));
    expect(pins.owner(0)).toBeUndefined();
    expect(pins.webSeedIdle()).toBe(true);
  });

  describe('the web seed is the last resort (web-seed-policy.ts)', () => {
    function setup(peerHas: (index: number) => boolean) {
      let now = 1_000_000;
      const pins = new PiecePins(() => PIECE, () => false, { now: () => now });
      const seed = pinnedWire();
      seed.type = 'webSeed';
      const peer = fakeWire();
      peer.peerPieces = { get: peerHas } as BitFieldLike;
      peer.peerChoking = true;
      pins.install(seed);
      pins.install(peer);
      const emit = (event: string, ...args: unknown[]) => { for (const l of peer.listeners.get(event) ?? []) l(...args); };
      return { pins, seed, peer, emit, advance: (ms: number) => void (now += ms) };
    }

    test('waits for peers at first, then takes what no peer holds', () => {
      const { seed, advance } = setup((i) => i === 3);
      expect(seed.peerPieces.get(0)).toBe(false); // peers may still be connecting
      advance(WEB_SEED_START_WAIT_MS);
      expect(seed.peerPieces.get(0)).toBe(true);
      expect(seed.peerPieces.get(3)).toBe(false); // the peer just connected: it may unchoke us
    });

    test('leaves a piece to a delivering peer, takes it once the peer chokes us too long or stalls', () => {
      const { seed, peer, emit, advance } = setup(() => true);
      advance(WEB_SEED_START_WAIT_MS);
      peer.peerChoking = false;
      emit('unchoke');
      expect(seed.peerPieces.get(5)).toBe(false);
      peer.request(5, 0, BLOCK, () => {});
      peer.requests = [{ piece: 5, offset: 0, length: BLOCK }];
      advance(PEER_STALL_MS - 1);
      emit('piece', 5, 0, new Uint8Array(BLOCK));
      advance(PEER_STALL_MS - 1);
      expect(seed.peerPieces.get(6)).toBe(false); // it sent a block within the stall time
      advance(1);
      expect(seed.peerPieces.get(6)).toBe(true); // stalled
      expect(seed.peerPieces.get(5)).toBe(false); // still pinned to the peer
      peer.peerChoking = true;
      emit('choke');
      expect(seed.peerPieces.get(5)).toBe(false); // just choked: patience
      advance(PEER_UNCHOKE_PATIENCE_MS);
      expect(seed.peerPieces.get(5)).toBe(true);
    });

    test('a torrent fetched rarest first takes web seed pieces from the end backwards', () => {
      const have = new Set([15]);
      const pins = new PiecePins(() => PIECE, () => false, {
        now: () => 0, expectsPeers: () => false, fromEnd: () => true, pieceCount: () => 16, have: (i) => have.has(i),
      });
      const seed = pinnedWire();
      seed.type = 'webSeed';
      pins.install(seed);
      expect([0, 13, 14, 15].map((i) => seed.peerPieces.get(i))).toEqual([false, true, true, false]);
      seed.request(14, 0, BLOCK, () => {});
      expect([12, 13].map((i) => seed.peerPieces.get(i))).toEqual([false, true]); // one slot left: the highest open piece
      have.add(13);
      pins.release(13); // verified (the shell releases a verified piece)
      expect(seed.peerPieces.get(12)).toBe(true);
    });

    test('a peer we stopped paying, or one that left, is no source', () => {
      const { pins, seed, peer, advance } = setup(() => true);
      advance(WEB_SEED_START_WAIT_MS);
      expect(seed.peerPieces.get(1)).toBe(false);
      pins.block(peer);
      expect(seed.peerPieces.get(1)).toBe(true);
      const other = setup(() => true);
      other.advance(WEB_SEED_START_WAIT_MS);
      other.emit('close');
      expect(other.seed.peerPieces.get(1)).toBe(true);
    });
  });

  test('a paced wire gets a new piece only once every block of its pinned pieces was asked for', () => {
    const pins = new PiecePins(() => PIECE, () => true);
    const a = pinnedWire();
    pins.install(a);
    a.request(1, 0, BLOCK, () => {});
    expect(a.peerPieces.get(2)).toBe(false);
    a.request(1, BLOCK, BLOCK, () => {});
    expect(a.peerPieces.get(2)).toBe(true);
    // bittorrent-protocol replaces the bitfield on a have-all: the filter follows.
    a.peerPieces = { get: () => true } as BitFieldLike;
    a.request(2, 0, BLOCK, () => {});
    expect(a.peerPieces.get(3)).toBe(false);
  });
});

describe('bans', () => {
  test('last until their time, by any of the ids given', () => {
    const bans = new BanList();
    bans.ban(['peer-1', 'key-1', null], 1000);
    expect(bans.isBanned(['peer-9', 'key-1'], 999)).toBe(true);
    expect(bans.isBanned(['peer-1'], 999)).toBe(true);
    expect(bans.isBanned(['peer-1'], 1000)).toBe(false);
    expect(bans.isBanned(['key-1'], 500)).toBe(true); // an expired entry is forgotten, the other id still holds
  });
});

// The Speed extension over two in-memory bittorrent-protocol wires piped into each other: negotiation (both sides,
// one side legacy, different ledgers), typed messages both ways, and the hostile-peer limits.
import Wire from 'bittorrent-protocol';
import { describe, expect, test } from 'vitest';
import { encode, SPEED_EXTENSION_NAME, type SpeedMessage } from '../../src/protocol/messages.ts';
import type { SpeedHandshake } from '../../src/protocol/messages-handshake.ts';
import type { PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { MAX_BIDS_PER_MINUTE, speedExtension, speedOf, type SpeedExtension } from '../../src/peer/speed-extension.ts';

const INFO_HASH = '01'.repeat(20);
const LEDGER = 'ab'.repeat(32) as PublicKeyHex;
const OTHER_LEDGER = 'cd'.repeat(32) as PublicKeyHex;

function local(key: string, ledger_id = LEDGER): SpeedHandshake {
  return { version: 2, ledger_id, payment_pk: key.repeat(32) as PublicKeyHex };
}

interface Side {
  wire: InstanceType<typeof Wire>;
  ext: SpeedExtension | null;
  negotiated: Promise<{ speed: boolean; remote: SpeedHandshake | null }>;
  messages: SpeedMessage[];
  warnings: string[];
  handshake(): void;
}

function side(handshake: SpeedHandshake | null | 'legacy', peerId: string): Side {
  const wire = new Wire();
  const messages: SpeedMessage[] = [];
  const warnings: string[] = [];
  let ext: SpeedExtension | null = null;
  let resolve: (value: { speed: boolean; remote: SpeedHandshake | null }) => void = () => {};
  const negotiated = new Promise<{ speed: boolean; remote: SpeedHandshake | null }>((r) => (resolve = r));
  if (handshake !== 'legacy') {
    wire.use(speedExtension(handshake));
    ext = speedOf(wire);
    if (ext) {
      ext.handler = {
        negotiated: (n, remote) => resolve({ speed: n.speed, remote }),
        message: (m) => messages.push(m),
        warning: (w) => warnings.push(w),
      };
    }
  }
  let sent = false;
  const sendHandshake = () => {
    if (sent) return;
    sent = true;
    wire.handshake(INFO_HASH, peerId, { dht: false });
  };
  wire.on('handshake', sendHandshake);
  return { wire, ext, negotiated, messages, warnings, handshake: sendHandshake };
}

function connect(a: Side, b: Side): void {
  a.wire.pipe(b.wire).pipe(a.wire);
  a.handshake();
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('negotiation', () => {
  test('both sides on the same ledger negotiate Speed and see each other’s payment key', async () => {
    const a = side(local('11'), 'aa'.repeat(20));
    const b = side(local('22'), 'bb'.repeat(20));
    connect(a, b);
    expect(await a.negotiated).toEqual({ speed: true, remote: local('22') });
    expect(await b.negotiated).toEqual({ speed: true, remote: local('11') });
  });

  test('a peer without the extension is legacy, and so is a peer on another ledger', async () => {
    const a = side(local('11'), 'aa'.repeat(20));
    const legacy = side('legacy', 'bb'.repeat(20));
    connect(a, legacy);
    expect((await a.negotiated).speed).toBe(false);
    expect(a.ext?.send({ type: 'done' })).toBe(false); // nothing is sent to a legacy peer

    const c = side(local('11'), 'aa'.repeat(20));
    const d = side(local('22', OTHER_LEDGER), 'bb'.repeat(20));
    connect(c, d);
    expect(await c.negotiated).toEqual({ speed: false, remote: null });
  });

  test('without a wallet we do not advertise Speed', async () => {
    const a = side(null, 'aa'.repeat(20));
    const b = side(local('22'), 'bb'.repeat(20));
    connect(a, b);
    expect((await a.negotiated).speed).toBe(false);
    expect((await b.negotiated).speed).toBe(false);
    expect(a.wire.extendedHandshake[SPEED_EXTENSION_NAME]).toBeUndefined();
  });
});

describe('messages', () => {
  test('typed messages cross in both directions', async () => {
    const a = side(local('11'), 'aa'.repeat(20));
    const b = side(local('22'), 'bb'.repeat(20));
    connect(a, b);
    await Promise.all([a.negotiated, b.negotiated]);
    expect(a.ext?.send({ type: 'bid', price_units_per_kib: 123n })).toBe(true);
    const response: SpeedMessage = {
      type: 'bid_response', price_units_per_kib: 100n, payee_pk: '22'.repeat(32) as PublicKeyHex, ledger_id: LEDGER,
      min_escrow_units: 0n, piece_length_bytes: 262144, max_unpaid_pieces: 1, payment_deadline_ms: 15_000,
    };
    b.ext?.send(response);
    await tick();
    expect(b.messages).toEqual([{ type: 'bid', price_units_per_kib: 123n }]);
    expect(a.messages).toEqual([response]);
  });

  test('a malformed message is dropped with a warning; an oversized one ends the connection', async () => {
    const a = side(local('11'), 'aa'.repeat(20));
    const b = side(local('22'), 'bb'.repeat(20));
    connect(a, b);
    await Promise.all([a.negotiated, b.negotiated]);
    a.wire.extended(SPEED_EXTENSION_NAME, new TextEncoder().encode('d8:msg_typei0e19:price_units_per_kib3:abce'));
    await tick();
    expect(b.messages).toEqual([]);
    expect(b.warnings.join()).toMatch(/bad message/);
    expect(b.wire.destroyed).toBe(false);
    a.wire.extended(SPEED_EXTENSION_NAME, new Uint8Array(4096).fill(0x69));
    await tick();
    expect(b.wire.destroyed).toBe(true);
  });

  test(`more than ${MAX_BIDS_PER_MINUTE} bids a minute are dropped`, async () => {
    const a = side(local('11'), 'aa'.repeat(20));
    const b = side(local('22'), 'bb'.repeat(20));
    connect(a, b);
    await Promise.all([a.negotiated, b.negotiated]);
    for (let i = 0; i < MAX_BIDS_PER_MINUTE + 5; i++) a.wire.extended(SPEED_EXTENSION_NAME, encode({ type: 'bid', price_units_per_kib: BigInt(i + 1) }));
    await tick();
    expect(b.messages).toHaveLength(MAX_BIDS_PER_MINUTE);
    expect(b.warnings.filter((w) => w.includes('bids too often'))).toHaveLength(5);
  });
});

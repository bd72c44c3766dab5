// Speed message codec: fixed wire vectors, round trips, and one test per validation rule and error code.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  MAX_MESSAGE_BYTES,
  MAX_PAYMENT_DEADLINE_MS,
  MAX_PIECE_LENGTH_BYTES,
  MAX_UNPAID_PIECES,
  MIN_PAYMENT_DEADLINE_MS,
  MSG_TYPE,
  SPEED_EXTENSION_NAME,
  decode,
  encode,
  type SpeedMessage,
} from '../../src/protocol/messages.ts';
import { bdecode, bencode, type BValue } from '../../src/protocol/messages-bencode.ts';
import {
  handshakeFields,
  negotiate,
  parseHandshake,
  SPEED_PROTOCOL_VERSION,
  type SpeedHandshake,
} from '../../src/protocol/messages-handshake.ts';
import { MAX_AMOUNT_UNITS } from '../../src/protocol/money.ts';
import type { ChannelId } from '../../src/protocol/payment-state.ts';
import type { PublicKeyHex } from '../../src/protocol/ed25519.ts';

/** The `bencode` package (used by bittorrent-protocol for the handshake) ships no types; load it untyped. */
interface BencodeV4 {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}
const BENCODE_PACKAGE = 'bencode';
const bencodeV4 = ((await import(/* @vite-ignore */ BENCODE_PACKAGE)) as { default: BencodeV4 }).default;

const text = (s: string) => new TextEncoder().encode(s);
const ascii = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const CHANNEL = 'ab'.repeat(32) as ChannelId;
const KEY = '11'.repeat(32) as PublicKeyHex;
const dict = (entries: Record<string, BValue>) => new Map(Object.entries(entries));

const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const units = fc.bigInt({ min: 0n, max: MAX_AMOUNT_UNITS });
const messageArb: fc.Arbitrary<SpeedMessage> = fc.oneof(
  units.map((price_units_per_kib) => ({ type: 'bid' as const, price_units_per_kib })),
  fc.record({
    type: fc.constant('bid_response' as const),
    price_units_per_kib: units.filter((u) => u > 0n),
    payee_pk: hex32.map((h) => h as PublicKeyHex),
    ledger_id: hex32.map((h) => h as PublicKeyHex),
    min_escrow_units: units,
    piece_length_bytes: fc.integer({ min: 1, max: MAX_PIECE_LENGTH_BYTES }),
    max_unpaid_pieces: fc.integer({ min: 1, max: MAX_UNPAID_PIECES }),
    payment_deadline_ms: fc.integer({ min: MIN_PAYMENT_DEADLINE_MS, max: MAX_PAYMENT_DEADLINE_MS }),
  }),
  fc.record({ type: fc.constant('channel' as const), channel_id: hex32.map((h) => h as ChannelId) }),
  fc.record({
    type: fc.constant('payment' as const),
    channel_id: hex32.map((h) => h as ChannelId),
    amount_units: units,
    seq: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  }),
  fc.constant({ type: 'done' as const }),
  fc.record({
    type: fc.constant('error' as const),
    code: fc.stringMatching(/^[a-z0-9_]{1,32}$/),
    reason: fc.string({ unit: 'grapheme', maxLength: 60 }),
  }),
);

function expectError(bytes: Uint8Array, code: string, field?: string) {
  const result = decode(bytes);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.code).toBe(code);
  if (field !== undefined) expect(result.error.field).toBe(field);
}

describe('wire format', () => {
  it('uses the documented extension name and msg_type numbers', () => {
    expect(SPEED_EXTENSION_NAME).toBe('seedpay_speed');
    expect(MSG_TYPE).toEqual({ bid: 0, bid_response: 1, channel: 2, payment: 3, done: 4, error: 5 });
  });

  it('encodes a bid as the spec example', () => {
    expect(ascii(encode({ type: 'bid', price_units_per_kib: 5n }))).toBe('d8:msg_typei0e19:price_units_per_kibi5ee');
  });

  it('encodes done and error as the spec examples', () => {
    expect(ascii(encode({ type: 'done' }))).toBe('d8:msg_typei4ee');
    expect(ascii(encode({ type: 'error', code: 'late_payment', reason: 'no payment in 30 s' }))).toBe(
      'd4:code12:late_payment8:msg_typei5e6:reason18:no payment in 30 se',
    );
  });

  it('carries the largest u64 amount exactly (beyond 2^53)', () => {
    const message = { type: 'payment', channel_id: CHANNEL, amount_units: MAX_AMOUNT_UNITS, seq: 9_007_199_254_740_993n, signature: new Uint8Array(64).fill(7) } as const;
    const bytes = encode(message);
    expect(ascii(bytes)).toContain('12:amount_unitsi18446744073709551615e');
    expect(ascii(bytes)).toContain('3:seqi9007199254740993e');
    expect(decode(bytes)).toEqual({ ok: true, value: message });
  });

  it('round-trips every message type exactly, bytes and values', () => {
    fc.assert(
      fc.property(messageArb, (message) => {
        const bytes = encode(message);
        const decoded = decode(bytes);
        expect(decoded).toEqual({ ok: true, value: message });
        if (decoded.ok) expect(encode(decoded.value)).toEqual(bytes);
        expect(bytes.length).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      }),
      { numRuns: 500 },
    );
  });

  it('ignores unknown extra fields (forward compatibility) but drops them', () => {
    const bytes = bencode(dict({ msg_type: 0n, price_units_per_kib: 9n, zz_future: text('x') }));
    expect(decode(bytes)).toEqual({ ok: true, value: { type: 'bid', price_units_per_kib: 9n } });
  });
});

describe('validation errors', () => {
  it('unknown msg_type → unknown_type, ignored', () => {
    const result = decode(bencode(dict({ msg_type: 99n })));
    expect(result).toMatchObject({ ok: false, error: { code: 'unknown_type', field: 'msg_type', reaction: 'ignore' } });
  });

  it('negative msg_type is an unknown type too', () => expectError(bencode(dict({ msg_type: -1n })), 'unknown_type'));

  it('missing msg_type or field → missing_field, warn', () => {
    expectError(bencode(dict({ price_units_per_kib: 1n })), 'missing_field', 'msg_type');
    const result = decode(bencode(dict({ msg_type: 3n, amount_units: 1n, seq: 1n, signature: new Uint8Array(64) })));
    expect(result).toMatchObject({ ok: false, error: { code: 'missing_field', field: 'channel_id', reaction: 'warn' } });
  });

  it('wrong bencode type → wrong_type', () => {
    expectError(bencode(dict({ msg_type: text('bid') })), 'wrong_type', 'msg_type');
    expectError(bencode(dict({ msg_type: 0n, price_units_per_kib: text('5') })), 'wrong_type', 'price_units_per_kib');
    expectError(bencode(dict({ msg_type: 2n, channel_id: 5n })), 'wrong_type', 'channel_id');
    expectError(bencode(dict({ msg_type: 5n, code: [], reason: text('') })), 'wrong_type', 'code');
  });

  it('negative or oversized numbers → out_of_range', () => {
    expectError(bencode(dict({ msg_type: 0n, price_units_per_kib: -1n })), 'out_of_range', 'price_units_per_kib');
    const response = (overrides: Record<string, BValue>) =>
      bencode(
        dict({
          msg_type: 1n, price_units_per_kib: 1n, payee_pk: new Uint8Array(32), ledger_id: new Uint8Array(32), min_escrow_units: 0n,
          piece_length_bytes: 16384n, max_unpaid_pieces: 1n, payment_deadline_ms: 30_000n, ...overrides,
        }),
      );
    expect(decode(response({})).ok).toBe(true);
    expectError(response({ price_units_per_kib: 0n }), 'out_of_range', 'price_units_per_kib');
    expectError(response({ piece_length_bytes: 0n }), 'out_of_range', 'piece_length_bytes');
    expectError(response({ piece_length_bytes: BigInt(MAX_PIECE_LENGTH_BYTES + 1) }), 'out_of_range', 'piece_length_bytes');
    expectError(response({ max_unpaid_pieces: BigInt(MAX_UNPAID_PIECES + 1) }), 'out_of_range', 'max_unpaid_pieces');
    expectError(response({ payment_deadline_ms: 999n }), 'out_of_range', 'payment_deadline_ms');
    expectError(response({ ledger_id: new Uint8Array(33) }), 'out_of_range', 'ledger_id');
    expectError(response({ payee_pk: new Uint8Array(0) }), 'out_of_range', 'payee_pk');
  });

  it('integers beyond u64 → out_of_range before any field is read', () => {
    expectError(text('d8:msg_typei0e19:price_units_per_kibi18446744073709551616ee'), 'out_of_range');
    expectError(text(`d8:msg_typei0e19:price_units_per_kibi${'9'.repeat(40)}ee`), 'out_of_range');
  });

  it('wrong byte lengths → out_of_range', () => {
    const payment = (signature: Uint8Array) =>
      bencode(dict({ msg_type: 3n, channel_id: new Uint8Array(32), amount_units: 1n, seq: 1n, signature }));
    expect(decode(payment(new Uint8Array(64))).ok).toBe(true);
    expectError(payment(new Uint8Array(63)), 'out_of_range', 'signature');
    expectError(payment(new Uint8Array(65)), 'out_of_range', 'signature');
    expectError(bencode(dict({ msg_type: 2n, channel_id: new Uint8Array(31) })), 'out_of_range', 'channel_id');
  });

  it('invalid UTF-8 text → malformed; bad code characters → out_of_range', () => {
    expectError(bencode(dict({ msg_type: 5n, code: text('x'), reason: Uint8Array.of(0xff) })), 'malformed', 'reason');
    expectError(bencode(dict({ msg_type: 5n, code: text('Bad-Code'), reason: text('') })), 'out_of_range', 'code');
  });

  it('oversized messages and strings → too_large, disconnect', () => {
    const big = new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0x30);
    expect(decode(big)).toMatchObject({ ok: false, error: { code: 'too_large', reaction: 'disconnect' } });
    expectError(bencode(dict({ msg_type: 0n, price_units_per_kib: 1n, zz: new Uint8Array(300) })), 'too_large');
    const deep = text(`d8:msg_typei0e1:z${'l'.repeat(10)}${'e'.repeat(10)}e`);
    expectError(deep, 'too_large');
    const many = bencode(dict({ msg_type: 0n, price_units_per_kib: 1n, zz: Array.from({ length: 100 }, () => 0n) }));
    expectError(many, 'too_large');
  });

  it('non-canonical or broken bencode → malformed, disconnect', () => {
    for (const bad of [
      'd8:msg_typei00ee', // leading zero
      'd8:msg_typei-0ee', // negative zero
      'd8:msg_typei0e8:msg_typei0ee', // duplicate key
      'd19:price_units_per_kibi5e8:msg_typei0ee', // unsorted keys
      'd8:msg_typei0ee ', // trailing byte
      'd8:msg_typei0e', // truncated
      'd08:msg_typei0ee', // length with leading zero
      'd8:msg_typei1.5ee', // float
      'i5e', // not a dict
      'l8:msg_typei0ee', // list
      '', // empty
    ]) {
      const result = decode(text(bad));
      expect(result, bad).toMatchObject({ ok: false, error: { code: 'malformed', reaction: 'disconnect' } });
    }
  });

  it('a __proto__ key is just a key', () => {
    const bytes = text('d9:__proto__d1:ai1ee8:msg_typei4ee');
    expect(decode(bytes)).toEqual({ ok: true, value: { type: 'done' } });
  });

  it('encode refuses messages that would not decode (a caller bug)', () => {
    expect(() => encode({ type: 'bid', price_units_per_kib: -1n })).toThrow(/out_of_range/);
    expect(() => encode({ type: 'bid', price_units_per_kib: MAX_AMOUNT_UNITS + 1n })).toThrow();
    expect(() => encode({ type: 'error', code: 'x', reason: 'é'.repeat(200) })).toThrow(/too_large/);
    expect(() => encode({ type: 'channel', channel_id: 'AB'.repeat(32) as ChannelId })).toThrow();
  });
});

describe('strict bencode', () => {
  it('re-encodes every accepted value to the same bytes', () => {
    const limits = { max_string_bytes: 64, max_depth: 4, max_items: 64 };
    const leaf: fc.Arbitrary<BValue> = fc.oneof(fc.bigInt({ min: -(1n << 64n) + 1n, max: (1n << 64n) - 1n }), fc.uint8Array({ maxLength: 8 }));
    const value = fc.letrec<{ v: BValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small', maxDepth: 3 },
        leaf,
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie('v'), { maxKeys: 3 }).map((o) => new Map(Object.entries(o))),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const bytes = bencode(v);
        const result = bdecode(bytes, limits);
        if (result.ok) expect(bencode(result.value)).toEqual(bytes);
        else expect(['too_large']).toContain(result.code);
      }),
      { numRuns: 300 },
    );
  });
});

describe('extended handshake', () => {
  const LEDGER = '22'.repeat(32) as PublicKeyHex;
  const local: SpeedHandshake = { version: SPEED_PROTOCOL_VERSION, ledger_id: LEDGER, payment_pk: KEY };

  it('survives the bencode package that bittorrent-protocol uses', () => {
    const wire = bencodeV4.encode({ m: { [SPEED_EXTENSION_NAME]: 3 }, [SPEED_EXTENSION_NAME]: handshakeFields(local) });
    const parsed = parseHandshake(bencodeV4.decode(wire));
    expect(parsed).toEqual({ ok: true, value: local });
  });

  it('negotiates: same ledger → Speed at the lower version; otherwise legacy', () => {
    expect(negotiate(local, { ok: true, value: { ...local, version: 7 } })).toEqual({ speed: true, version: SPEED_PROTOCOL_VERSION });
    // A version-1 peer signs payment states without their session: it runs as legacy, never paid or paying.
    expect(negotiate(local, { ok: true, value: { ...local, version: 1 } })).toEqual({ speed: false, reason: 'version_unsupported' });
    expect(negotiate(local, { ok: true, value: { ...local, ledger_id: '33'.repeat(32) as PublicKeyHex } })).toEqual({ speed: false, reason: 'ledger_mismatch' });
    expect(negotiate(local, parseHandshake({ m: {} }))).toEqual({ speed: false, reason: 'no_extension' });
  });

  it('rejects bad fields with typed errors', () => {
    const fields = handshakeFields(local);
    const withField = (patch: Record<string, unknown>) => parseHandshake({ [SPEED_EXTENSION_NAME]: { ...fields, ...patch } });
    expect(parseHandshake(null)).toMatchObject({ ok: false, error: { code: 'missing_field' } });
    expect(parseHandshake({ [SPEED_EXTENSION_NAME]: 5 })).toMatchObject({ ok: false, error: { code: 'wrong_type' } });
    expect(withField({ version: 0 })).toMatchObject({ ok: false, error: { code: 'out_of_range', field: 'version' } });
    expect(withField({ version: 1.5 })).toMatchObject({ ok: false, error: { code: 'wrong_type', field: 'version' } });
    expect(withField({ ledger_id: 'text' })).toMatchObject({ ok: false, error: { code: 'wrong_type', field: 'ledger_id' } });
    expect(withField({ ledger_id: new Uint8Array(31) })).toMatchObject({ ok: false, error: { code: 'out_of_range', field: 'ledger_id' } });
    expect(withField({ payment_pk: new Uint8Array(31) })).toMatchObject({ ok: false, error: { code: 'out_of_range', field: 'payment_pk' } });
    expect(withField({ payment_pk: undefined })).toMatchObject({ ok: false, error: { code: 'missing_field' } });
  });

  it('does not read fields through a polluted prototype', () => {
    const decoded = bencodeV4.decode(text(`d13:seedpay_speedd9:__proto__d7:versioni1eeee`));
    expect(parseHandshake(decoded)).toMatchObject({ ok: false, error: { code: 'missing_field', field: 'version' } });
  });

  it('refuses to build an invalid handshake', () => {
    expect(() => handshakeFields({ ...local, ledger_id: 'a b' as PublicKeyHex })).toThrow();
    expect(() => handshakeFields({ ...local, version: 0 })).toThrow();
    expect(() => handshakeFields({ ...local, payment_pk: 'zz' as PublicKeyHex })).toThrow();
  });
});

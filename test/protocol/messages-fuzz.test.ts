// Fuzzes the Speed codec with >100,000 hostile inputs (random bytes, mutated valid encodings, random dicts):
// decode must return a typed result every time — never throw — and anything it accepts must re-encode exactly.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesToHex } from '@noble/hashes/utils.js';
import { REACTION_FOR, decode, encode, type DecodeErrorCode, type SpeedMessage } from '../../src/protocol/messages.ts';
import { bencode, type BValue } from '../../src/protocol/messages-bencode.ts';
import type { ChannelId } from '../../src/protocol/payment-state.ts';
import type { PublicKeyHex } from '../../src/protocol/ed25519.ts';

/** mulberry32: a tiny seeded PRNG so a failure reproduces from the seed printed in the assertion. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const big = () => {
    const digits = 1 + int(25);
    let text = String(1 + int(9));
    for (let i = 1; i < digits; i++) text += String(int(10));
    return (int(8) === 0 ? -1n : 1n) * (BigInt(text) % (1n << 64n)); // the encoder refuses beyond u64
  };
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, bytes, big, pick };
}
type Rng = ReturnType<typeof prng>;

function validMessage(r: Rng): SpeedMessage {
  const amount = () => (BigInt(r.int(2 ** 31)) * BigInt(r.int(2 ** 31)) * BigInt(1 + r.int(16))) % (1n << 64n);
  const hex = () => bytesToHex(r.bytes(32));
  switch (r.int(6)) {
    case 0:
      return { type: 'bid', price_units_per_kib: amount() };
    case 1:
      return {
        type: 'bid_response', price_units_per_kib: 1n + amount() / 2n, payee_pk: hex() as PublicKeyHex, ledger_id: hex() as PublicKeyHex,
        min_escrow_units: amount(), piece_length_bytes: 1 + r.int(1 << 24), max_unpaid_pieces: 1 + r.int(16),
        payment_deadline_ms: 1_000 + r.int(599_000),
      };
    case 2:
      return { type: 'channel', channel_id: hex() as ChannelId };
    case 3:
      return { type: 'payment', channel_id: hex() as ChannelId, amount_units: amount(), seq: amount(), signature: r.bytes(64) };
    case 4:
      return { type: 'done' };
    default:
      return { type: 'error', code: r.pick(['late_payment', 'bad_channel', 'x']), reason: 'reason '.repeat(r.int(10)) };
  }
}

const FIELDS = ['msg_type', 'price_units_per_kib', 'payee_pk', 'ledger_id', 'min_escrow_units', 'piece_length_bytes',
  'max_unpaid_pieces', 'payment_deadline_ms', 'channel_id', 'amount_units', 'seq', 'signature', 'code',
  'reason', 'extra'];

function randomValue(r: Rng, depth: number): BValue {
  const kind = r.int(depth > 2 ? 2 : 4);
  if (kind === 0) return r.int(3) === 0 ? BigInt(r.int(8)) : r.big();
  if (kind === 1) return r.bytes(r.pick([0, 1, 31, 32, 33, 63, 64, 65, r.int(300)]));
  if (kind === 2) return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
  return randomDict(r, depth + 1);
}

function randomDict(r: Rng, depth: number): Map<string, BValue> {
  const dict = new Map<string, BValue>();
  if (depth === 0 && r.int(4) !== 0) dict.set('msg_type', BigInt(r.int(8)));
  for (let i = r.int(9); i > 0; i--) dict.set(r.pick(FIELDS), randomValue(r, depth));
  return dict;
}

function mutate(r: Rng, valid: Uint8Array, other: Uint8Array): Uint8Array {
  const out = Uint8Array.from(valid);
  switch (r.int(6)) {
    case 0: // bit flips
      for (let i = 1 + r.int(3); i > 0; i--) out[r.int(out.length)]! ^= 1 << r.int(8);
      return out;
    case 1: // truncation
      return out.slice(0, r.int(out.length));
    case 2: // splice two encodings
      return Uint8Array.from([...valid.slice(0, r.int(valid.length + 1)), ...other.slice(r.int(other.length + 1))]);
    case 3: // structural byte written somewhere
      out[r.int(out.length)] = r.pick([0x64, 0x65, 0x69, 0x6c, 0x3a, 0x2d, 0x30, 0x39]);
      return out;
    case 4: // insertion of random bytes
      {
        const at = r.int(out.length + 1);
        return Uint8Array.from([...out.slice(0, at), ...r.bytes(1 + r.int(4)), ...out.slice(at)]);
      }
    default: // duplicated slice (repeats keys, nests further)
      {
        const from = r.int(out.length);
        const to = from + r.int(out.length - from + 1);
        return Uint8Array.from([...out.slice(0, to), ...out.slice(from, to), ...out.slice(to)]);
      }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const CODES: readonly DecodeErrorCode[] = ['unknown_type', 'missing_field', 'wrong_type', 'out_of_range', 'too_large', 'malformed'];

function checkOne(bytes: Uint8Array, seen: Map<string, number>): void {
  let result: ReturnType<typeof decode>;
  try {
    result = decode(bytes);
  } catch (error) {
    throw new Error(`decode threw on ${bytesToHex(bytes)}: ${String(error)}`);
  }
  if (result.ok) {
    // encode() itself re-decodes and throws if its output is not accepted; a second trip must be byte-stable.
    const once = encode(result.value);
    const again = decode(once);
    if (!again.ok || !sameBytes(encode(again.value), once)) throw new Error(`unstable round trip: ${bytesToHex(bytes)}`);
    seen.set('ok', (seen.get('ok') ?? 0) + 1);
    return;
  }
  const { code, reaction } = result.error;
  if (!CODES.includes(code) || REACTION_FOR[code] !== reaction) throw new Error(`untyped error ${code}/${reaction}`);
  seen.set(code, (seen.get(code) ?? 0) + 1);
}

describe('decode fuzz', () => {
  it('returns typed results for 120,000 random, mutated and synthesized inputs', () => {
    const r = prng(0x5eed);
    const seen = new Map<string, number>();
    const corpus = Array.from({ length: 200 }, () => encode(validMessage(r)));
    for (let i = 0; i < 120_000; i++) {
      const mode = i % 4;
      let bytes: Uint8Array;
      if (mode === 0) bytes = r.bytes(r.int(r.int(10) === 0 ? 1_500 : 120));
      else if (mode === 1) bytes = mutate(r, r.pick(corpus), r.pick(corpus));
      else if (mode === 2) bytes = bencode(randomDict(r, 0));
      else bytes = encode(validMessage(r));
      checkOne(bytes, seen);
    }
    // The run must reach every outcome, or the fuzzer is not exercising the validator.
    for (const outcome of ['ok', ...CODES]) expect(seen.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    expect(seen.get('ok') ?? 0).toBeGreaterThanOrEqual(30_000);
  });

  it('never throws on arbitrary byte arrays (fast-check, shrinking)', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => checkOne(bytes, seen)),
      { numRuns: 10_000, seed: 42 },
    );
  });

  it('never throws on byte strings shaped like bencode (fast-check)', () => {
    const token = fc.constantFrom('d', 'e', 'i', 'l', '0', '1', '9', ':', '-', '8:msg_type', 'i0e', 'i3e', '19:price_units_per_kib', '64:');
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => checkOne(new TextEncoder().encode(tokens.join('')), seen)),
      { numRuns: 10_000, seed: 7 },
    );
  });
});

// The signed demand bid: one canonical encoding, a signature only the bidder's key makes, and every malformed,
// oversized, expired, future, misdirected or forged field refused with its code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildDemandBidField,
  demandBidDue,
  checkDemandBidField,
  DEMAND_BID_BYTES,
  demandBidToField,
  encodeDemandBid,
  isWithdrawal,
  MAX_BID_LIFETIME_MS,
  MAX_CLOCK_SKEW_MS,
  MAX_WANTED_BYTES,
  parseDemandBidField,
  signDemandBid,
  verifyDemandBid,
  type DemandBidField,
  type InfoHashHex,
} from '../../src/protocol/demand-bid.ts';
import { createNobleSigner, toPublicKeyHex, WebCryptoVerifier } from '../../src/protocol/ed25519.ts';

const info_hash = 'ab'.repeat(20) as InfoHashHex;
const signer = createNobleSigner(new Uint8Array(32).fill(7));
const other = createNobleSigner(new Uint8Array(32).fill(8));
const now_ms = 1_800_000_000_000;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function field(overrides: Partial<{ price: bigint; wanted: bigint; issued: number; lifetime: number }> = {}): Promise<DemandBidField> {
  const issued = overrides.issued ?? now_ms;
  const bid = await signDemandBid(signer, {
    info_hash,
    price_units_per_kib: overrides.price ?? 10n,
    wanted_bytes: overrides.wanted ?? 20_971_520n,
    issued_at_ms: issued,
    expires_at_ms: issued + (overrides.lifetime ?? 600_000),
  });
  return demandBidToField(bid);
}

describe('demand bid encoding and signature', () => {
  it('has one canonical encoding: domain || info hash || key || price || wanted || issued || expires (u64 BE)', () => {
    const bytes = encodeDemandBid({
      info_hash,
      public_key: toPublicKeyHex(signer.publicKey),
      price_units_per_kib: 0x0102n,
      wanted_bytes: 3n,
      issued_at_ms: 4,
      expires_at_ms: 5,
    });
    expect(bytes.length).toBe(DEMAND_BID_BYTES);
    expect(new TextDecoder().decode(bytes.subarray(0, 21))).toBe('seedpay/demand-bid/v1');
    expect(hex(bytes.subarray(21, 41))).toBe('ab'.repeat(20));
    expect(hex(bytes.subarray(41, 73))).toBe(toPublicKeyHex(signer.publicKey));
    expect(hex(bytes.subarray(73))).toBe('0000000000000102' + '0000000000000003' + '0000000000000004' + '0000000000000005');
  });

  it('matches the spec test vector (docs/cdn-board.md §8)', async () => {
    const f = await field({ price: 10n, wanted: 20_971_520n, issued: now_ms, lifetime: 600_000 });
    expect(f.public_key).toBe('ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c');
    expect(f.signature).toBe(
      '4cc89f8e8ba99706ff5473a251b52856b14debf31d34d899ff832a3570e00a6f1cac30289c62d32b46a374794dfb3fc58b211b70466c5b061b0265324552c60d',
    );
    const parsed = parseDemandBidField(f);
    if (!parsed.ok) throw new Error(parsed.code);
    expect(hex(encodeDemandBid(parsed.bid))).toBe(
      '736565647061792f64656d616e642d6269642f7631' + 'ab'.repeat(20) + f.public_key + '000000000000000a' + '0000000001400000' + '000001a3185c5000' + '000001a3186577c0',
    );
    // Any verifier on the WebCrypto path must accept the same bytes.
    const verifier = new WebCryptoVerifier(crypto.subtle);
    expect(await verifier.verify(parsed.bid.signature, encodeDemandBid(parsed.bid), signer.publicKey)).toBe(true);
  });

  it('verifies only over the exact bid and the bidder key (property)', async () => {
    const f = await field();
    const parsed = parseDemandBidField(f);
    if (!parsed.ok) throw new Error(parsed.code);
    expect(verifyDemandBid(parsed.bid)).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('price_units_per_kib', 'wanted_bytes', 'issued_at_ms', 'expires_at_ms', 'info_hash', 'public_key', 'signature'), fc.nat(10), async (key, n) => {
        const bad: Record<string, unknown> = { ...f };
        if (key === 'price_units_per_kib' || key === 'wanted_bytes') bad[key] = String(BigInt(f[key]) + 1n + BigInt(n));
        else if (key === 'issued_at_ms') bad[key] = f.issued_at_ms - 1 - n;
        else if (key === 'expires_at_ms') bad[key] = f.expires_at_ms - 1 - n;
        else if (key === 'info_hash') bad[key] = 'cd'.repeat(20);
        else if (key === 'public_key') bad[key] = toPublicKeyHex(other.publicKey);
        else bad[key] = f.signature.slice(0, 2 * n) + (f.signature[2 * n] === '0' ? '1' : '0') + f.signature.slice(2 * n + 1);
        const result = checkDemandBidField(bad, key === 'info_hash' ? 'cd'.repeat(20) : info_hash, now_ms);
        expect(result).toMatchObject({ ok: false, code: 'bad_signature' });
      }),
      { numRuns: 50 },
    );
  });

  it('a field signed by another key for this key is forged', async () => {
    const theirs = demandBidToField(await signDemandBid(other, { info_hash, price_units_per_kib: 10n, wanted_bytes: 1n, issued_at_ms: now_ms, expires_at_ms: now_ms + 1000 }));
    const forged = { ...theirs, public_key: toPublicKeyHex(signer.publicKey) };
    expect(checkDemandBidField(forged, info_hash, now_ms)).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(checkDemandBidField(theirs, info_hash, now_ms)).toMatchObject({ ok: true });
  });

  it('round-trips any in-range bid through the JSON field (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        fc.bigInt({ min: 0n, max: MAX_WANTED_BYTES }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.integer({ min: 1, max: MAX_BID_LIFETIME_MS }),
        async (price, wanted, issued, lifetime) => {
          const f = await field({ price, wanted, issued, lifetime });
          const parsed = parseDemandBidField(JSON.parse(JSON.stringify(f)));
          expect(parsed.ok).toBe(true);
          if (parsed.ok) {
            expect(demandBidToField(parsed.bid)).toEqual(f);
            expect(verifyDemandBid(parsed.bid)).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a price of 0 or 0 bytes wanted is a withdrawal', async () => {
    const zero = parseDemandBidField(await field({ price: 0n }));
    const none = parseDemandBidField(await field({ wanted: 0n }));
    const some = parseDemandBidField(await field());
    expect(zero.ok && isWithdrawal(zero.bid)).toBe(true);
    expect(none.ok && isWithdrawal(none.bid)).toBe(true);
    expect(some.ok && isWithdrawal(some.bid)).toBe(false);
  });
});

describe('demand bid field: bad input', () => {
  it('refuses malformed and oversized fields with the field named', async () => {
    const f = await field();
    const cases: Array<[string, unknown, string, string?]> = [
      ['null', null, 'not_an_object'],
      ['an array', [f], 'not_an_object'],
      ['a string', JSON.stringify(f), 'not_an_object'],
      ['an extra key', { ...f, bonus: 1 }, 'unknown_field', 'bonus'],
      ['version 2', { ...f, v: 2 }, 'unknown_version', 'v'],
      ['no version', { ...f, v: undefined }, 'unknown_version', 'v'],
      ['uppercase info hash', { ...f, info_hash: f.info_hash.toUpperCase() }, 'malformed_field', 'info_hash'],
      ['short info hash', { ...f, info_hash: 'ab'.repeat(19) }, 'malformed_field', 'info_hash'],
      ['binary info hash', { ...f, info_hash: 'x'.repeat(20) }, 'malformed_field', 'info_hash'],
      ['short key', { ...f, public_key: f.public_key.slice(2) }, 'malformed_field', 'public_key'],
      ['price as a number', { ...f, price_units_per_kib: 10 }, 'malformed_field', 'price_units_per_kib'],
      ['negative price', { ...f, price_units_per_kib: '-1' }, 'malformed_field', 'price_units_per_kib'],
      ['price with a leading zero', { ...f, price_units_per_kib: '010' }, 'malformed_field', 'price_units_per_kib'],
      ['price of 21 digits', { ...f, price_units_per_kib: '1'.repeat(21) }, 'malformed_field', 'price_units_per_kib'],
      ['price above u64', { ...f, price_units_per_kib: String(1n << 64n) }, 'out_of_range', 'price_units_per_kib'],
      ['price of a megabyte of digits', { ...f, price_units_per_kib: '9'.repeat(1 << 20) }, 'malformed_field', 'price_units_per_kib'],
      ['wanted above 1 PiB', { ...f, wanted_bytes: String(MAX_WANTED_BYTES + 1n) }, 'out_of_range', 'wanted_bytes'],
      ['wanted as hex', { ...f, wanted_bytes: '0x10' }, 'malformed_field', 'wanted_bytes'],
      ['issued as a string', { ...f, issued_at_ms: String(now_ms) }, 'malformed_field', 'issued_at_ms'],
      ['issued fractional', { ...f, issued_at_ms: now_ms + 0.5 }, 'malformed_field', 'issued_at_ms'],
      ['issued negative', { ...f, issued_at_ms: -1 }, 'out_of_range', 'issued_at_ms'],
      ['expires beyond safe integers', { ...f, expires_at_ms: 2 ** 60 }, 'out_of_range', 'expires_at_ms'],
      ['expires before issued', { ...f, expires_at_ms: f.issued_at_ms }, 'expires_before_issued', 'expires_at_ms'],
      ['lives too long', { ...f, expires_at_ms: f.issued_at_ms + MAX_BID_LIFETIME_MS + 1 }, 'lifetime_too_long', 'expires_at_ms'],
      ['short signature', { ...f, signature: f.signature.slice(2) }, 'malformed_field', 'signature'],
      ['uppercase signature', { ...f, signature: f.signature.toUpperCase() }, 'malformed_field', 'signature'],
    ];
    for (const [name, value, code, fieldName] of cases) {
      const result = checkDemandBidField(value, info_hash, now_ms);
      expect(result, name).toMatchObject({ ok: false, code, ...(fieldName ? { field: fieldName } : {}) });
    }
  });

  it('refuses a bid issued in the future, an expired bid and a bid for another torrent', async () => {
    const future = await field({ issued: now_ms + MAX_CLOCK_SKEW_MS + 1 });
    expect(checkDemandBidField(future, info_hash, now_ms)).toMatchObject({ ok: false, code: 'issued_in_future' });
    const skewed = await field({ issued: now_ms + MAX_CLOCK_SKEW_MS });
    expect(checkDemandBidField(skewed, info_hash, now_ms)).toMatchObject({ ok: true });
    const old = await field({ issued: now_ms - 10_000, lifetime: 10_000 });
    expect(checkDemandBidField(old, info_hash, now_ms)).toMatchObject({ ok: false, code: 'expired' });
    expect(checkDemandBidField(await field(), 'cd'.repeat(20), now_ms)).toMatchObject({ ok: false, code: 'info_hash_mismatch' });
  });

  it('refuses random junk without throwing (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = checkDemandBidField(value, info_hash, now_ms);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('buildDemandBidField (what the peer calls)', () => {
  it('signs a field the tracker accepts, with a strictly increasing issued_at_ms', async () => {
    const first = await buildDemandBidField(signer, { info_hash, price_units_per_kib: 12n, wanted_bytes: 1000n }, { now_ms });
    expect(checkDemandBidField(first.field, info_hash, now_ms)).toMatchObject({ ok: true });
    const again = await buildDemandBidField(signer, { info_hash, price_units_per_kib: 0n, wanted_bytes: 1000n }, { now_ms: now_ms - 5, last_issued_at_ms: first.issued_at_ms });
    expect(again.issued_at_ms).toBe(first.issued_at_ms + 1);
    expect(again.field.expires_at_ms - again.field.issued_at_ms).toBe(MAX_BID_LIFETIME_MS);
    await expect(buildDemandBidField(signer, { info_hash: 'AB'.repeat(20), price_units_per_kib: 1n, wanted_bytes: 1n }, { now_ms })).rejects.toThrow(TypeError);
  });

  it('caps what it signs to the limits the tracker checks', async () => {
    const built = await buildDemandBidField(signer, { info_hash, price_units_per_kib: 1n, wanted_bytes: MAX_WANTED_BYTES * 4n }, { now_ms, lifetime_ms: 10 * MAX_BID_LIFETIME_MS });
    expect(built.field.wanted_bytes).toBe(String(MAX_WANTED_BYTES));
    expect(checkDemandBidField(built.field, info_hash, now_ms)).toMatchObject({ ok: true });
  });
});

describe('demandBidDue (when the peer re-signs)', () => {
  const at = (price: bigint, wanted: bigint) => buildDemandBidField(signer, { info_hash, price_units_per_kib: price, wanted_bytes: wanted }, { now_ms, lifetime_ms: 600_000 });

  it('signs the first positive bid, never a first withdrawal', () => {
    expect(demandBidDue(null, { price_units_per_kib: 5n, wanted_bytes: 100n }, now_ms)).toBe(true);
    expect(demandBidDue(null, { price_units_per_kib: 0n, wanted_bytes: 100n }, now_ms)).toBe(false);
    expect(demandBidDue(null, { price_units_per_kib: 5n, wanted_bytes: 0n }, now_ms)).toBe(false);
  });

  it('re-signs on a price change, a withdrawal, a tenth less wanted, more wanted, or half the lifetime gone', async () => {
    const { field } = await at(10n, 1000n);
    const due = (price: bigint, wanted: bigint, t = now_ms + 1) => demandBidDue(field, { price_units_per_kib: price, wanted_bytes: wanted }, t);
    expect(due(10n, 1000n)).toBe(false);
    expect(due(10n, 900n)).toBe(false);
    expect(due(10n, 899n)).toBe(true);
    expect(due(10n, 1001n)).toBe(true);
    expect(due(11n, 1000n)).toBe(true);
    expect(due(0n, 1000n)).toBe(true);
    expect(due(10n, 0n)).toBe(true);
    expect(due(10n, 1000n, now_ms + 299_999)).toBe(false);
    expect(due(10n, 1000n, now_ms + 300_000)).toBe(true);
    const { field: withdrawn } = await at(0n, 1000n);
    expect(demandBidDue(withdrawn, { price_units_per_kib: 0n, wanted_bytes: 5n }, now_ms + 10 ** 9)).toBe(false);
    expect(demandBidDue(withdrawn, { price_units_per_kib: 3n, wanted_bytes: 5n }, now_ms)).toBe(true);
  });
});

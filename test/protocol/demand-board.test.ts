// The demand board's table: newer bids replace, older and conflicting ones are refused, withdrawals hide a bid and
// stay as a guard against its replay, expired bids drop, memory is bounded; and the per-torrent summary.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BID_LIFETIME_MS, signDemandBid, type InfoHashHex, type SignedDemandBid } from '../../src/protocol/demand-bid.ts';
import { DemandBoard, MAX_BIDS_PER_TORRENT, MAX_BOARD_TORRENTS, quantile } from '../../src/protocol/demand-board.ts';
import { summarize, torrentBoard } from '../../src/protocol/demand-summary.ts';
import { createNobleSigner, type Signer } from '../../src/protocol/ed25519.ts';

const T0 = 1_800_000_000_000;
const ih = (n: number) => n.toString(16).padStart(40, '0') as InfoHashHex;
const signers = Array.from({ length: 4 }, (_, i) => createNobleSigner(new Uint8Array(32).fill(i + 1)));

function bid(signer: Signer, price: bigint, issued: number, options: { info_hash?: InfoHashHex; wanted?: bigint; lifetime?: number } = {}): Promise<SignedDemandBid> {
  return signDemandBid(signer, {
    info_hash: options.info_hash ?? ih(1),
    price_units_per_kib: price,
    wanted_bytes: options.wanted ?? 1024n * 1024n,
    issued_at_ms: issued,
    expires_at_ms: issued + (options.lifetime ?? 600_000),
  });
}

/** A bid that skips signing: the board trusts its caller to have checked the signature. */
function unsigned(key: number, price: bigint, issued: number, info_hash = ih(1)): SignedDemandBid {
  return {
    info_hash,
    public_key: key.toString(16).padStart(64, '0') as SignedDemandBid['public_key'],
    price_units_per_kib: price,
    wanted_bytes: 1024n,
    issued_at_ms: issued,
    expires_at_ms: issued + 600_000,
    signature: new Uint8Array(64),
  };
}

describe('DemandBoard', () => {
  it('keeps the latest bid per key: newer replaces, older is stale, same time with other content conflicts, same bid is unchanged', async () => {
    const board = new DemandBoard();
    const a = signers[0]!;
    const first = await bid(a, 10n, T0);
    expect(board.offer(first, T0)).toEqual({ ok: true, code: 'accepted' });
    expect(board.offer(first, T0 + 1)).toEqual({ ok: true, code: 'unchanged' });
    expect(board.holds(first)).toBe(true);
    expect(board.holds({ ...first, signature: first.signature.map((x, i) => (i === 0 ? x ^ 1 : x)) })).toBe(false);
    expect(board.holds({ ...first, price_units_per_kib: 11n })).toBe(false);
    expect(board.offer(await bid(a, 11n, T0), T0 + 1)).toEqual({ ok: false, code: 'conflicting_sequence' });
    const second = await bid(a, 20n, T0 + 5);
    expect(board.offer(second, T0 + 5)).toEqual({ ok: true, code: 'accepted' });
    expect(board.offer(first, T0 + 6)).toEqual({ ok: false, code: 'stale_sequence' });
    expect(board.live(ih(1), T0 + 6).map((r) => r.bid.price_units_per_kib)).toEqual([20n]);
  });

  it('a withdrawal (0) hides the bid and its replay stays refused until the replayed bid could no longer be live', async () => {
    const board = new DemandBoard();
    const a = signers[0]!;
    const old = await bid(a, 10n, T0, { lifetime: MAX_BID_LIFETIME_MS });
    board.offer(old, T0);
    expect(board.offer(await bid(a, 0n, T0 + 1000, { lifetime: 1000 }), T0 + 1000)).toEqual({ ok: true, code: 'withdrawn' });
    expect(board.live(ih(1), T0 + 1000)).toEqual([]);
    expect(board.torrents(T0 + 1000)).toEqual([]);
    // Long after the withdrawal itself expired, the older bid (still unexpired) is refused.
    expect(board.offer(old, T0 + MAX_BID_LIFETIME_MS - 1)).toEqual({ ok: false, code: 'stale_sequence' });
    // Once the guard lapses, the old bid has expired too, so the tracker's time check refuses it before the board.
    board.prune(T0 + 1000 + MAX_BID_LIFETIME_MS);
    expect(board.records).toBe(0);
  });

  it('drops expired bids from the board', async () => {
    const board = new DemandBoard();
    board.offer(await bid(signers[0]!, 10n, T0, { lifetime: 1000 }), T0);
    board.offer(await bid(signers[1]!, 12n, T0, { lifetime: 5000 }), T0);
    expect(board.live(ih(1), T0 + 999)).toHaveLength(2);
    expect(board.live(ih(1), T0 + 1000).map((r) => r.bid.price_units_per_kib)).toEqual([12n]);
    expect(board.torrents(T0 + 5000)).toEqual([]);
  });

  it('is bounded per torrent: a higher bid evicts the lowest live one, a lower or equal one is refused', () => {
    const board = new DemandBoard();
    for (let k = 1; k <= MAX_BIDS_PER_TORRENT; k++) expect(board.offer(unsigned(k, BigInt(k + 10), T0), T0).ok).toBe(true);
    expect(board.offer(unsigned(10_000, 11n, T0), T0)).toEqual({ ok: false, code: 'torrent_full' });
    expect(board.offer(unsigned(10_000, 12n, T0), T0)).toEqual({ ok: true, code: 'accepted' });
    const prices = board.live(ih(1), T0).map((r) => r.bid.price_units_per_kib);
    expect(prices).toHaveLength(MAX_BIDS_PER_TORRENT);
    expect(prices).not.toContain(11n);
    // An existing bidder can always replace its own bid.
    expect(board.offer(unsigned(5, 1n, T0 + 1), T0 + 1)).toEqual({ ok: true, code: 'accepted' });
  });

  it('is bounded in torrents, and frees room as records lapse', () => {
    const board = new DemandBoard();
    for (let n = 0; n < MAX_BOARD_TORRENTS; n++) board.offer(unsigned(1, 5n, T0, ih(n)), T0);
    expect(board.offer(unsigned(1, 5n, T0, ih(MAX_BOARD_TORRENTS)), T0)).toEqual({ ok: false, code: 'board_full' });
    const later = T0 + MAX_BID_LIFETIME_MS;
    expect(board.offer(unsigned(1, 5n, later, ih(MAX_BOARD_TORRENTS)), later)).toEqual({ ok: true, code: 'accepted' });
    expect(board.records).toBe(1);
  });

  it('holds at most one record per key and torrent whatever the order of offers (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.nat(3), price: fc.bigInt({ min: 0n, max: 50n }), issued: fc.nat(20) }), { maxLength: 40 }), (offers) => {
        const board = new DemandBoard();
        const latest = new Map<number, number>();
        for (const o of offers) {
          const result = board.offer(unsigned(o.key + 1, o.price, T0 + o.issued), T0 + 20);
          const prior = latest.get(o.key);
          if (prior === undefined || o.issued > prior) latest.set(o.key, o.issued);
          if (result.ok && result.code !== 'unchanged') expect(board.record(ih(1), unsigned(o.key + 1, 0n, 0).public_key)?.bid.issued_at_ms).toBe(T0 + o.issued);
          if (prior !== undefined && o.issued < prior) expect(result).toEqual({ ok: false, code: 'stale_sequence' });
        }
        expect(board.records).toBe(latest.size);
      }),
      { numRuns: 200 },
    );
  });
});

describe('board summary', () => {
  it('aggregates bidders, quantiles, wanted bytes and expected earnings per provider, weighed by balance', () => {
    const board = new DemandBoard();
    for (let k = 1; k <= 4; k++) board.offer(unsigned(k, BigInt(k * 10), T0), T0);
    // Bidder 4 holds nothing: its demand is not counted when weighing. Bidder 1 holds less than its cost.
    const key = (k: number) => unsigned(k, 0n, 0).public_key;
    board.setBalance(ih(1), key(1), 3n, T0);
    board.setBalance(ih(1), key(2), 1_000_000n, T0);
    board.setBalance(ih(1), key(3), 1_000_000n, T0);
    board.setBalance(ih(1), key(4), 0n, T0);
    const live = board.live(ih(1), T0);
    const weighed = summarize(ih(1), live, { seeders: 1, leechers: 4 }, true);
    expect(weighed).toEqual({
      info_hash: ih(1),
      bidders: 4,
      funded_bidders: 3,
      seeders: 1,
      leechers: 4,
      wanted_bytes: '3072',
      price_units_per_kib: { min: '10', p25: '10', p50: '20', p75: '30', max: '30' },
      demand_units: String(3n + 20n + 30n),
      expected_units_per_provider: String((3n + 20n + 30n) / 2n),
      weighed_by_balance: true,
    });
    const raw = summarize(ih(1), live, { seeders: 0, leechers: 4 }, false);
    expect(raw).toMatchObject({ funded_bidders: 4, demand_units: '100', expected_units_per_provider: '100', wanted_bytes: '4096' });
    const detail = torrentBoard(ih(1), live, { seeders: 0, leechers: 4 }, true);
    expect(detail.bids.map((b) => [b.bid.price_units_per_kib, b.balance_units, b.payable_units])).toEqual([
      ['40', '0', '0'],
      ['30', '1000000', '30'],
      ['20', '1000000', '20'],
      ['10', '3', '3'],
    ]);
  });

  it('a board nobody funds shows bidders but no prices', () => {
    const board = new DemandBoard();
    board.offer(unsigned(1, 10n, T0), T0);
    expect(summarize(ih(1), board.live(ih(1), T0), { seeders: 0, leechers: 1 }, true)).toMatchObject({
      bidders: 1,
      funded_bidders: 0,
      price_units_per_kib: null,
      demand_units: '0',
    });
  });

  it('nearest-rank quantiles', () => {
    expect(quantile([1n], 0.5)).toBe(1n);
    expect(quantile([1n, 2n, 3n, 4n], 0.25)).toBe(1n);
    expect(quantile([1n, 2n, 3n, 4n], 0.5)).toBe(2n);
    expect(quantile([1n, 2n, 3n, 4n], 1)).toBe(4n);
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });
});

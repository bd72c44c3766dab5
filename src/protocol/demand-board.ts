// The tracker's demand board (docs/cdn-board.md): per info hash, the latest valid bid of each payment key, bounded,
// with replays refused; and the per-torrent summary providers read. Pure: the caller passes the time and balances.
import { isWithdrawal, MAX_BID_LIFETIME_MS, type SignedDemandBid } from './demand-bid.ts';
import { costForBytes, minUnits, type Units } from './money.ts';

/** Torrents with bids on one tracker; a new torrent beyond it is refused until bids expire. */
export const MAX_BOARD_TORRENTS = 4096;
/** Bidders kept per torrent; when full, a higher bid evicts the lowest live one. */
export const MAX_BIDS_PER_TORRENT = 256;
/** Records (live bids and withdrawals kept against replay) across all torrents: ~0.5 KiB each, 32 MiB at most. */
export const MAX_BOARD_RECORDS = 65_536;

export interface BoardRecord {
  readonly bid: SignedDemandBid;
  /** The bidder's ledger balance when last read; null until read (or when the board does not weigh by balance). */
  readonly balance_units: Units | null;
  readonly balance_read_at_ms: number | null;
}

/** ok codes first, then refusals. */
export type OfferCode = 'accepted' | 'withdrawn' | 'unchanged' | 'stale_sequence' | 'conflicting_sequence' | 'torrent_full' | 'board_full';
export type OfferResult = { ok: true; code: 'accepted' | 'withdrawn' | 'unchanged' } | { ok: false; code: Exclude<OfferCode, 'accepted' | 'withdrawn' | 'unchanged'> };

/** A record stays (as a guard against replays of older bids) until no bid issued before it can still be live. */
function retainedUntil(record: BoardRecord): number {
  return record.bid.issued_at_ms + MAX_BID_LIFETIME_MS;
}

export function isLive(record: BoardRecord, now_ms: number): boolean {
  return !isWithdrawal(record.bid) && record.bid.expires_at_ms > now_ms;
}

function sameBid(a: SignedDemandBid, b: SignedDemandBid): boolean {
  return (
    a.price_units_per_kib === b.price_units_per_kib &&
    a.wanted_bytes === b.wanted_bytes &&
    a.expires_at_ms === b.expires_at_ms &&
    a.signature.length === b.signature.length &&
    a.signature.every((byte, i) => byte === b.signature[i])
  );
}

export class DemandBoard {
  readonly #torrents = new Map<string, Map<string, BoardRecord>>();
  #records = 0;

  /** Records held (live bids and kept withdrawals), for tests and diagnostics. */
  get records(): number {
    return this.#records;
  }

  /** A bid whose signature and times the caller already checked (checkDemandBidField). */
  offer(bid: SignedDemandBid, now_ms: number): OfferResult {
    this.#pruneTorrent(bid.info_hash, now_ms);
    let bids = this.#torrents.get(bid.info_hash);
    const prior = bids?.get(bid.public_key);
    const withdrawal = isWithdrawal(bid);
    if (prior) {
      if (bid.issued_at_ms < prior.bid.issued_at_ms) return { ok: false, code: 'stale_sequence' };
      if (bid.issued_at_ms === prior.bid.issued_at_ms) {
        return sameBid(bid, prior.bid) ? { ok: true, code: 'unchanged' } : { ok: false, code: 'conflicting_sequence' };
      }
      // A newer bid keeps the balance read until the shell reads it again.
      bids!.set(bid.public_key, { ...prior, bid });
      return { ok: true, code: withdrawal ? 'withdrawn' : 'accepted' };
    }
    if (!bids) {
      if (this.#torrents.size >= MAX_BOARD_TORRENTS) this.prune(now_ms);
      if (this.#torrents.size >= MAX_BOARD_TORRENTS) return withdrawal ? { ok: true, code: 'withdrawn' } : { ok: false, code: 'board_full' };
    }
    if (this.#records >= MAX_BOARD_RECORDS) this.prune(now_ms);
    if (this.#records >= MAX_BOARD_RECORDS) return withdrawal ? { ok: true, code: 'withdrawn' } : { ok: false, code: 'board_full' };
    if (bids && bids.size >= MAX_BIDS_PER_TORRENT) {
      // Kept withdrawals are never evicted (that would reopen their replay); the lowest live bid gives way to a higher one.
      const lowest = this.#lowestLive(bids, now_ms);
      if (withdrawal) return { ok: true, code: 'withdrawn' };
      if (!lowest || lowest.bid.price_units_per_kib >= bid.price_units_per_kib) return { ok: false, code: 'torrent_full' };
      bids.delete(lowest.bid.public_key);
      this.#records -= 1;
    }
    if (!bids) {
      bids = new Map();
      this.#torrents.set(bid.info_hash, bids);
    }
    bids.set(bid.public_key, { bid, balance_units: null, balance_read_at_ms: null });
    this.#records += 1;
    return { ok: true, code: withdrawal ? 'withdrawn' : 'accepted' };
  }

  /** Records the bidder's balance read for the bid issued at `issued_at_ms`; a read for a replaced bid still applies (same key). */
  setBalance(info_hash: string, public_key: string, balance_units: Units, now_ms: number): void {
    const bids = this.#torrents.get(info_hash);
    const record = bids?.get(public_key);
    if (bids && record) bids.set(public_key, { ...record, balance_units, balance_read_at_ms: now_ms });
  }

  /** True when this exact bid (same key, time and signature) is already held: a re-announce, already verified. */
  holds(bid: SignedDemandBid): boolean {
    const prior = this.record(bid.info_hash, bid.public_key);
    return prior !== undefined && prior.bid.issued_at_ms === bid.issued_at_ms && sameBid(prior.bid, bid);
  }

  record(info_hash: string, public_key: string): BoardRecord | undefined {
    return this.#torrents.get(info_hash)?.get(public_key);
  }

  /** Live bids of one torrent, highest price first. */
  live(info_hash: string, now_ms: number): BoardRecord[] {
    const bids = this.#torrents.get(info_hash);
    if (!bids) return [];
    return [...bids.values()]
      .filter((r) => isLive(r, now_ms))
      .sort((a, b) => (a.bid.price_units_per_kib === b.bid.price_units_per_kib ? 0 : a.bid.price_units_per_kib > b.bid.price_units_per_kib ? -1 : 1));
  }

  /** Info hashes with at least one live bid. */
  torrents(now_ms: number): string[] {
    return [...this.#torrents.entries()].filter(([, bids]) => [...bids.values()].some((r) => isLive(r, now_ms))).map(([ih]) => ih);
  }

  /** Drops every record no longer needed against replays. */
  prune(now_ms: number): void {
    for (const info_hash of [...this.#torrents.keys()]) this.#pruneTorrent(info_hash, now_ms);
  }

  #pruneTorrent(info_hash: string, now_ms: number): void {
    const bids = this.#torrents.get(info_hash);
    if (!bids) return;
    for (const [key, record] of bids) {
      if (retainedUntil(record) <= now_ms) {
        bids.delete(key);
        this.#records -= 1;
      }
    }
    if (bids.size === 0) this.#torrents.delete(info_hash);
  }

  #lowestLive(bids: Map<string, BoardRecord>, now_ms: number): BoardRecord | null {
    let lowest: BoardRecord | null = null;
    for (const record of bids.values()) {
      if (!isLive(record, now_ms)) continue;
      if (!lowest || record.bid.price_units_per_kib < lowest.bid.price_units_per_kib) lowest = record;
    }
    return lowest;
  }
}

/** What a bid can actually pay: its price for the bytes it wants, capped by the balance when the board weighs by it. */
export function payableUnits(record: BoardRecord, weigh_by_balance: boolean): Units {
  const cost = costForBytes(record.bid.price_units_per_kib, record.bid.wanted_bytes);
  if (!weigh_by_balance) return cost;
  return record.balance_units === null ? 0n : minUnits(cost, record.balance_units);
}

/** Nearest-rank quantile q (0..1) of an ascending list. */
export function quantile(sorted: readonly Units[], q: number): Units {
  if (sorted.length === 0) throw new RangeError('quantile of an empty list');
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

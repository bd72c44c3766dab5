// The board's JSON per torrent (docs/cdn-board.md §5): who bids, at what prices, for how many bytes, against how
// many seeders, and what a newcomer might expect to earn (payable demand ÷ (seeders + 1)). Pure; u64s as strings.
import { demandBidToField, type DemandBidField } from './demand-bid.ts';
import { type BoardRecord, payableUnits, quantile } from './demand-board.ts';
import type { Units } from './money.ts';

export interface SwarmCounts {
  seeders: number;
  leechers: number;
}

export interface PriceQuantiles {
  min: string;
  p25: string;
  p50: string;
  p75: string;
  max: string;
}

export interface TorrentDemand {
  info_hash: string;
  /** Live bids on the board (not withdrawn, not expired). */
  bidders: number;
  /** Live bids that can pay something: with balance weighing, those whose bidder holds a positive balance. */
  funded_bidders: number;
  seeders: number;
  leechers: number;
  /** Bytes still wanted by the funded bidders. */
  wanted_bytes: string;
  /** Nearest-rank quantiles of the funded bidders' prices; null when none is funded. */
  price_units_per_kib: PriceQuantiles | null;
  /** Σ min(price × wanted KiB, balance) over funded bids: what this torrent's demand can actually pay. */
  demand_units: string;
  /** demand_units ÷ (seeders + 1): a newcomer's share if it split the demand evenly with the present seeders. */
  expected_units_per_provider: string;
  weighed_by_balance: boolean;
}

export interface BoardBid {
  bid: DemandBidField;
  /** The bidder's ledger balance as the board last read it; null when not read (yet) or not weighed. */
  balance_units: string | null;
  payable_units: string;
}

export interface TorrentBoard extends TorrentDemand {
  bids: BoardBid[];
}

export function summarize(info_hash: string, live: readonly BoardRecord[], swarm: SwarmCounts, weigh_by_balance: boolean): TorrentDemand {
  let wanted = 0n;
  let demand = 0n;
  const prices: Units[] = [];
  for (const record of live) {
    const payable = payableUnits(record, weigh_by_balance);
    if (payable === 0n) continue;
    wanted += record.bid.wanted_bytes;
    demand += payable;
    prices.push(record.bid.price_units_per_kib);
  }
  prices.sort((a, b) => (a === b ? 0 : a < b ? -1 : 1));
  const seeders = Math.max(0, Math.floor(swarm.seeders));
  return {
    info_hash,
    bidders: live.length,
    funded_bidders: prices.length,
    seeders,
    leechers: Math.max(0, Math.floor(swarm.leechers)),
    wanted_bytes: String(wanted),
    price_units_per_kib:
      prices.length === 0
        ? null
        : {
            min: String(prices[0]),
            p25: String(quantile(prices, 0.25)),
            p50: String(quantile(prices, 0.5)),
            p75: String(quantile(prices, 0.75)),
            max: String(prices[prices.length - 1]),
          },
    demand_units: String(demand),
    expected_units_per_provider: String(demand / BigInt(seeders + 1)),
    weighed_by_balance: weigh_by_balance,
  };
}

export function torrentBoard(info_hash: string, live: readonly BoardRecord[], swarm: SwarmCounts, weigh_by_balance: boolean): TorrentBoard {
  return {
    ...summarize(info_hash, live, swarm, weigh_by_balance),
    bids: live.map((record) => ({
      bid: demandBidToField(record.bid),
      balance_units: record.balance_units === null ? null : String(record.balance_units),
      payable_units: String(payableUnits(record, weigh_by_balance)),
    })),
  };
}

/** Board order: the most payable demand per provider first, then by info hash so the order is stable. */
export function compareDemand(a: TorrentDemand, b: TorrentDemand): number {
  const x = BigInt(a.expected_units_per_provider);
  const y = BigInt(b.expected_units_per_provider);
  if (x !== y) return x > y ? -1 : 1;
  return a.info_hash < b.info_hash ? -1 : a.info_hash > b.info_hash ? 1 : 0;
}

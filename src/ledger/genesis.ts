// Genesis: the white paper's "BTT Token Issuance" table as reserve accounts holding the whole supply.
// Shares are basis points so every reserve gets an exact integer number of base units.
import { TOTAL_SUPPLY_UNITS, type Units } from '../protocol/money.ts';

export type ReserveId = `reserve:${string}`;

export interface Reserve {
  readonly id: ReserveId;
  readonly label: string;
  /** Share of the total supply in basis points (1/100 of a percent). */
  readonly share_bp: number;
  readonly amount_units: Units;
}

const BASIS_POINTS = 10_000n;

/** The issuance table, in the paper's order. */
const ISSUANCE: ReadonlyArray<readonly [name: string, label: string, share_bp: number]> = [
  ['public_sale', 'Public sale', 600],
  ['private_sale', 'Private sale', 200],
  ['seed_sale', 'Seed sale', 900],
  ['tron_airdrop', 'Tron airdrop (spread over six years)', 1010],
  ['bittorrent_protocol_airdrop', 'BitTorrent protocol airdrop', 1000],
  ['team_and_foundation', 'BitTorrent Team and the BitTorrent Foundation', 1900],
  ['tron_foundation', 'TRON Foundation', 2000],
  ['ecosystem', 'BitTorrent ecosystem', 1990],
  ['partnership', 'Partnership', 400],
];

export const AIRDROP_RESERVE_ID: ReserveId = 'reserve:bittorrent_protocol_airdrop';

export const RESERVES: readonly Reserve[] = ISSUANCE.map(([name, label, share_bp]) => {
  const amount_units = (TOTAL_SUPPLY_UNITS * BigInt(share_bp)) / BASIS_POINTS;
  if ((amount_units * BASIS_POINTS) / BigInt(share_bp) !== TOTAL_SUPPLY_UNITS) throw new Error(`inexact share for ${name}`);
  return { id: `reserve:${name}` as ReserveId, label, share_bp, amount_units };
});

const totalShare = RESERVES.reduce((sum, r) => sum + r.share_bp, 0);
const totalUnits = RESERVES.reduce((sum, r) => sum + r.amount_units, 0n);
if (totalShare !== 10_000 || totalUnits !== TOTAL_SUPPLY_UNITS) throw new Error('issuance table does not sum to the total supply');
if (!RESERVES.some((r) => r.id === AIRDROP_RESERVE_ID)) throw new Error('airdrop reserve missing from the issuance table');

export function isReserveId(text: unknown): text is ReserveId {
  return typeof text === 'string' && RESERVES.some((r) => r.id === text);
}

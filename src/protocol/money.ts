// Money: BTT amounts as bigint base units (1 BTT = 1,000,000 units). No floats ever touch an amount.
// Parsing and formatting live here so the UI, the ledger and the wire agree on one text form.

export type Units = bigint;

export const UNITS_PER_BTT = 1_000_000n;
export const BTT_DECIMALS = 6;
/** Total supply at genesis: 990,000,000,000 BTT (white paper, "BTT Token Issuance"). */
export const TOTAL_SUPPLY_UNITS: Units = 990_000_000_000n * UNITS_PER_BTT;
/** Largest amount any single field may carry: fits an unsigned 64-bit integer on the wire. */
export const MAX_AMOUNT_UNITS: Units = (1n << 64n) - 1n;
export const BYTES_PER_KIB = 1024n;

export class MoneyError extends Error {
  override name = 'MoneyError';
}

const BTT_PATTERN = /^(\d{1,18})(?:\.(\d{1,6}))?$/;

/** Parses a non-negative decimal BTT amount ("12", "0.5", "1.000001") into base units. */
export function parseBtt(text: string): Units {
  const match = BTT_PATTERN.exec(text.trim());
  if (!match) throw new MoneyError(`not a BTT amount with at most ${BTT_DECIMALS} decimals: ${JSON.stringify(text)}`);
  const whole = BigInt(match[1] ?? '0');
  const fraction = BigInt((match[2] ?? '').padEnd(BTT_DECIMALS, '0'));
  const units = whole * UNITS_PER_BTT + fraction;
  if (units > MAX_AMOUNT_UNITS) throw new MoneyError('amount exceeds the largest representable amount');
  return units;
}

/** Formats base units as BTT, trimming trailing zeros ("1.5", "0.000001", "-2"). */
export function formatBtt(units: Units): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / UNITS_PER_BTT;
  const fraction = (abs % UNITS_PER_BTT).toString().padStart(BTT_DECIMALS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Parses base units from their decimal string (the JSON form: bigint does not survive JSON numbers). */
export function parseUnits(text: string): Units {
  if (!/^\d{1,20}$/.test(text)) throw new MoneyError(`not a non-negative integer amount: ${JSON.stringify(text)}`);
  const units = BigInt(text);
  if (units > MAX_AMOUNT_UNITS) throw new MoneyError('amount exceeds the largest representable amount');
  return units;
}

/** Cost of `bytes` at `price_units_per_kib`, rounded up so a provider is never underpaid by rounding. */
export function costForBytes(price_units_per_kib: Units, bytes: bigint): Units {
  if (price_units_per_kib < 0n || bytes < 0n) throw new MoneyError('price and bytes must be non-negative');
  return (price_units_per_kib * bytes + BYTES_PER_KIB - 1n) / BYTES_PER_KIB;
}

export function minUnits(a: Units, b: Units): Units {
  return a < b ? a : b;
}

export function maxUnits(a: Units, b: Units): Units {
  return a > b ? a : b;
}

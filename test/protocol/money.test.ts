import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  costForBytes,
  formatBtt,
  MAX_AMOUNT_UNITS,
  MoneyError,
  parseBtt,
  parseUnits,
  TOTAL_SUPPLY_UNITS,
  UNITS_PER_BTT,
} from '../../src/protocol/money.ts';

describe('money', () => {
  it('parses BTT text into base units exactly', () => {
    expect(parseBtt('1')).toBe(UNITS_PER_BTT);
    expect(parseBtt('0.5')).toBe(500_000n);
    expect(parseBtt('1.000001')).toBe(1_000_001n);
    expect(parseBtt(' 12.3 ')).toBe(12_300_000n);
    expect(parseBtt('990000000000')).toBe(TOTAL_SUPPLY_UNITS);
  });

  it('refuses negatives, too many decimals, exponents and junk', () => {
    for (const bad of ['', '-1', '1.0000001', '1e6', '0x10', '1,5', '.5', 'NaN', 'Infinity', '1.']) {
      expect(() => parseBtt(bad), bad).toThrow(MoneyError);
    }
    expect(() => parseBtt('99999999999999999999')).toThrow(MoneyError);
  });

  it('formats base units without trailing zeros', () => {
    expect(formatBtt(1_500_000n)).toBe('1.5');
    expect(formatBtt(1n)).toBe('0.000001');
    expect(formatBtt(0n)).toBe('0');
    expect(formatBtt(-2_000_000n)).toBe('-2');
  });

  it('round-trips every representable amount through text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }), (units) => {
        expect(parseBtt(formatBtt(units))).toBe(units);
        expect(parseUnits(units.toString())).toBe(units);
      }),
    );
  });

  it('parses base-unit strings within u64 only', () => {
    expect(parseUnits(MAX_AMOUNT_UNITS.toString())).toBe(MAX_AMOUNT_UNITS);
    expect(() => parseUnits((MAX_AMOUNT_UNITS + 1n).toString())).toThrow(MoneyError);
    for (const bad of ['-1', '1.5', '', ' 1', '1e3']) expect(() => parseUnits(bad), bad).toThrow(MoneyError);
  });

  it('charges bytes at a per-KiB price rounded up, never under', () => {
    expect(costForBytes(10n, 1024n)).toBe(10n);
    expect(costForBytes(10n, 1n)).toBe(1n);
    expect(costForBytes(0n, 5000n)).toBe(0n);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 1n << 40n }), (price, bytes) => {
        const cost = costForBytes(price, bytes);
        expect(cost * 1024n).toBeGreaterThanOrEqual(price * bytes);
        expect((cost - 1n) * 1024n).toBeLessThan(price * bytes || 1n);
      }),
    );
    expect(() => costForBytes(-1n, 1n)).toThrow(MoneyError);
  });
});

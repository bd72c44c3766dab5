// Tiny validators for what crosses the UI↔worker boundary: each returns the value typed or throws a TypeError
// naming the path (`params.speed.regular_slots: expected an integer in 0..64`). Objects are exact: unknown keys
// are refused, so a typo on one side is an error, not a silently ignored field.
import { MAX_AMOUNT_UNITS } from '../protocol/money.ts';

export type Check<T> = (value: unknown, path: string) => T;

export function fail(path: string, what: string): never {
  throw new TypeError(`${path}: expected ${what}`);
}

export const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'a boolean'));

export const units: Check<bigint> = (v, p) =>
  typeof v === 'bigint' && v >= 0n && v <= MAX_AMOUNT_UNITS ? v : fail(p, 'a non-negative bigint amount');

export function integer(min: number, max: number): Check<number> {
  return (v, p) => (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : fail(p, `an integer in ${min}..${max}`));
}

export function string(max_length: number, pattern?: RegExp): Check<string> {
  return (v, p) =>
    typeof v === 'string' && v.length <= max_length && (!pattern || pattern.test(v))
      ? v
      : fail(p, `a string of at most ${max_length} characters${pattern ? ` matching ${pattern}` : ''}`);
}

export function hex(length: number): Check<string> {
  const pattern = new RegExp(`^[0-9a-f]{${length}}$`);
  return (v, p) => (typeof v === 'string' && pattern.test(v) ? v : fail(p, `${length} lowercase hex characters`));
}

export function bytes(min: number, max: number): Check<Uint8Array> {
  return (v, p) => (v instanceof Uint8Array && v.length >= min && v.length <= max ? v : fail(p, `${min}..${max} bytes`));
}

export function literal<T extends string>(value: T): Check<T> {
  return (v, p) => (v === value ? value : fail(p, JSON.stringify(value)));
}

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (v, p) => ((values as readonly unknown[]).includes(v) ? (v as T) : fail(p, `one of ${values.join(', ')}`));
}

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, p) => (v === null ? null : check(v, p));
}

export function arrayOf<T>(check: Check<T>, max_items: number, min_items = 0): Check<T[]> {
  return (v, p) => {
    if (!Array.isArray(v) || v.length > max_items || v.length < min_items) return fail(p, `an array of ${min_items}..${max_items} items`);
    return v.map((item, i) => check(item, `${p}[${i}]`));
  };
}

type Shape<T> = { [K in keyof T]-?: Check<T[K]> };

export function object<T>(shape: Shape<T>): Check<T> {
  const keys = Object.keys(shape) as Array<keyof T & string>;
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object');
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) if (!(key in shape)) fail(`${p}.${key}`, 'no such field');
    const out = {} as T;
    for (const key of keys) out[key] = shape[key](record[key], `${p}.${key}`);
    return out;
  };
}

export function exact(shape: Record<string, never>): Check<Record<string, never>> {
  return object<Record<string, never>>(shape);
}

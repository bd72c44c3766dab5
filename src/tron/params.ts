// Request parameters of the node's HTTP API: addresses (hex 41… or Base58Check with `visible`), tx ids, numbers.
// Bad input gets java-tron's {"Error": "..."} shape and changes nothing.
import { TronWeb } from 'tronweb';
import type { HexAddress } from './transaction.ts';

export class ParamError extends Error {
  override name = 'ParamError';
}

const HEX_ADDRESS = /^41[0-9a-f]{40}$/;
const TXID = /^[0-9a-f]{64}$/;

/** A hex address, or a Base58Check one (checksum verified) turned into hex. */
export function addressParam(value: unknown, name: string): HexAddress {
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (HEX_ADDRESS.test(lower)) return lower as HexAddress;
    if (value.length === 34 && TronWeb.isAddress(value)) return TronWeb.address.toHex(value).toLowerCase() as HexAddress;
  }
  throw new ParamError(`class java.lang.IllegalArgumentException : ${name}: invalid address`);
}

export function txidParam(value: unknown): string {
  if (typeof value === 'string' && TXID.test(value.toLowerCase())) return value.toLowerCase();
  throw new ParamError('class java.lang.IllegalArgumentException : value: expected a 64-character hex transaction id');
}

export function intParam(value: unknown, name: string, max: number): number {
  const n = typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= max) return n;
  throw new ParamError(`class java.lang.IllegalArgumentException : ${name}: expected an integer from 0 to ${max}`);
}

export function isVisible(value: unknown): boolean {
  return value === true || value === 'true';
}

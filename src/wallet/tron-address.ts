// TRON addresses: keccak-256 of the uncompressed secp256k1 public key (without its 0x04 prefix), last 20 bytes,
// prefixed by 0x41 and written in Base58Check ("T…", 34 characters). Shown so the exchange can credit this wallet.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { base58CheckDecode, base58CheckEncode } from './base58check.ts';

export type TronAddress = string & { readonly __brand: 'TronAddress' };

export const TRON_ADDRESS_PREFIX = 0x41;
const ADDRESS_BODY_BYTES = 20;
const UNCOMPRESSED_PUBLIC_KEY_BYTES = 65;

export function tronAddressFromPublicKey(uncompressed: Uint8Array): TronAddress {
  if (!(uncompressed instanceof Uint8Array) || uncompressed.length !== UNCOMPRESSED_PUBLIC_KEY_BYTES || uncompressed[0] !== 4) {
    throw new TypeError('publicKey: expected a 65-byte uncompressed secp256k1 key');
  }
  const hash = keccak_256(uncompressed.subarray(1));
  const payload = new Uint8Array(1 + ADDRESS_BODY_BYTES);
  payload[0] = TRON_ADDRESS_PREFIX;
  payload.set(hash.subarray(hash.length - ADDRESS_BODY_BYTES), 1);
  return base58CheckEncode(payload) as TronAddress;
}

export function tronAddressFromSecretKey(secretKey: Uint8Array): TronAddress {
  return tronAddressFromPublicKey(secp256k1.getPublicKey(secretKey, false));
}

/** True for a well-formed TRON mainnet address: Base58Check, 21 bytes, 0x41 prefix. */
export function isTronAddress(text: unknown): text is TronAddress {
  if (typeof text !== 'string' || text.length !== 34) return false;
  try {
    const payload = base58CheckDecode(text);
    return payload.length === 1 + ADDRESS_BODY_BYTES && payload[0] === TRON_ADDRESS_PREFIX;
  } catch {
    return false;
  }
}

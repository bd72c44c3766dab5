// BIP-32 private-key derivation on secp256k1 (HMAC-SHA512, hardened and normal children), just enough to reach the
// TRON key at m/44'/195'/0'/0/0. Public-parent derivation and xprv/xpub serialization are not needed, so not here.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { clean, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { isHardened, parsePath, ser32 } from './hd-path.ts';

/** BIP-32's fixed HMAC key for the master node. */
const MASTER_HMAC_KEY = utf8ToBytes('Bitcoin seed');
/** BIP-32 accepts seeds of 128 to 512 bits. */
export const MIN_SEED_BYTES = 16;
export const MAX_SEED_BYTES = 64;
const KEY_BYTES = 32;
const CURVE_ORDER = secp256k1.Point.Fn.ORDER;

export interface ExtendedSecretKey {
  readonly secretKey: Uint8Array;
  readonly chainCode: Uint8Array;
}

function split(I: Uint8Array): ExtendedSecretKey {
  const out = { secretKey: I.slice(0, KEY_BYTES), chainCode: I.slice(KEY_BYTES) };
  clean(I);
  return out;
}

export function bip32Master(seed: Uint8Array): ExtendedSecretKey {
  if (!(seed instanceof Uint8Array) || seed.length < MIN_SEED_BYTES || seed.length > MAX_SEED_BYTES) {
    throw new TypeError(`seed: expected ${MIN_SEED_BYTES}..${MAX_SEED_BYTES} bytes`);
  }
  const master = split(hmac(sha512, MASTER_HMAC_KEY, seed));
  const k = bytesToNumberBE(master.secretKey);
  // Probability below 2^-127; BIP-32 says such a seed is invalid.
  if (k === 0n || k >= CURVE_ORDER) throw new Error('invalid master key: use another seed');
  return master;
}

/** CKDpriv: one child of a private parent. The caller keeps (and wipes) the parent. */
export function bip32Child(parent: ExtendedSecretKey, index: number): ExtendedSecretKey {
  if (!Number.isSafeInteger(index) || index < 0 || index > 0xffff_ffff) throw new RangeError('index: u32');
  const data = isHardened(index)
    ? concatBytes(Uint8Array.of(0), parent.secretKey, ser32(index))
    : concatBytes(secp256k1.getPublicKey(parent.secretKey, true), ser32(index));
  const I = hmac(sha512, parent.chainCode, data);
  clean(data);
  const child = split(I);
  const tweak = bytesToNumberBE(child.secretKey);
  const k = (tweak + bytesToNumberBE(parent.secretKey)) % CURVE_ORDER;
  // BIP-32: "proceed with the next index" — probability below 2^-127, so refusing is the honest simple answer.
  if (tweak >= CURVE_ORDER || k === 0n) throw new Error(`invalid child key at index ${index}`);
  clean(child.secretKey);
  return { secretKey: numberToBytesBE(k, KEY_BYTES), chainCode: child.chainCode };
}

/** The 32-byte secp256k1 secret key at `path`; every intermediate node is wiped. */
export function bip32DeriveSecretKey(seed: Uint8Array, path: string): Uint8Array {
  let node = bip32Master(seed);
  for (const index of parsePath(path)) {
    const next = bip32Child(node, index);
    clean(node.secretKey, node.chainCode);
    node = next;
  }
  clean(node.chainCode);
  return node.secretKey;
}

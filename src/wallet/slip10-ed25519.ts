// SLIP-0010 derivation for ed25519: BIP-32's HMAC-SHA512 tree with the key "ed25519 seed", hardened children only
// (ed25519 has no public-parent derivation). Derives the wallet's payment key from the BIP-39 seed.
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { clean, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { MAX_SEED_BYTES, MIN_SEED_BYTES, type ExtendedSecretKey } from './bip32-secp256k1.ts';
import { isHardened, parsePath, ser32 } from './hd-path.ts';

const MASTER_HMAC_KEY = utf8ToBytes('ed25519 seed');
const KEY_BYTES = 32;

function split(I: Uint8Array): ExtendedSecretKey {
  const out = { secretKey: I.slice(0, KEY_BYTES), chainCode: I.slice(KEY_BYTES) };
  clean(I);
  return out;
}

export function slip10Master(seed: Uint8Array): ExtendedSecretKey {
  if (!(seed instanceof Uint8Array) || seed.length < MIN_SEED_BYTES || seed.length > MAX_SEED_BYTES) {
    throw new TypeError(`seed: expected ${MIN_SEED_BYTES}..${MAX_SEED_BYTES} bytes`);
  }
  return split(hmac(sha512, MASTER_HMAC_KEY, seed));
}

export function slip10Child(parent: ExtendedSecretKey, index: number): ExtendedSecretKey {
  if (!isHardened(index) || index > 0xffff_ffff) throw new RangeError('ed25519 derivation supports hardened indices only');
  const data = concatBytes(Uint8Array.of(0), parent.secretKey, ser32(index));
  const I = hmac(sha512, parent.chainCode, data);
  clean(data);
  return split(I);
}

/** The 32-byte ed25519 secret key (RFC 8032 seed) at `path`; every intermediate node is wiped. */
export function slip10DeriveSecretKey(seed: Uint8Array, path: string): Uint8Array {
  let node = slip10Master(seed);
  for (const index of parsePath(path)) {
    const next = slip10Child(node, index);
    clean(node.secretKey, node.chainCode);
    node = next;
  }
  clean(node.chainCode);
  return node.secretKey;
}

// One recovery phrase → every key the wallet has. The phrase is BIP-39 (English, 12 words, no passphrase); its
// seed feeds two trees:
//   payment key (Ed25519, ledger accounts and payment channels): SLIP-0010 at PAYMENT_KEY_PATH
//   TRON key (secp256k1, the exchange's on-chain side):           BIP-32   at TRON_KEY_PATH (TRON's standard path)
//   storage secret (paid storage's file and replica keys, HKDF): SLIP-0010 at STORAGE_SECRET_PATH
// Only the TRON address leaves deriveKeys*; the TRON secret is wiped as soon as the address is known. Signing an
// on-chain transfer re-derives it (deriveTronSecretFromEntropy) from the vault's entropy after the password.
import { entropyToMnemonic, mnemonicToEntropy, mnemonicToSeedWebcrypto, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { clean } from '@noble/hashes/utils.js';
import { publicKeyFromSecret, toPublicKeyHex, type PublicKeyHex } from '../protocol/ed25519.ts';
import { bip32DeriveSecretKey } from './bip32-secp256k1.ts';
import { slip10DeriveSecretKey } from './slip10-ed25519.ts';
import { tronAddressFromSecretKey, type TronAddress } from './tron-address.ts';

/**
 * SLIP-0010 ed25519, all hardened. 6881' is not a registered SLIP-44 coin type: Seedpay's ledger is off-chain, so it
 * takes BitTorrent's traditional port as its own type rather than reuse TRON's 195' for a different curve.
 */
export const PAYMENT_KEY_PATH = "m/44'/6881'/0'/0'/0'";
/** BIP-44 path every TRON wallet uses for the first account, so the address matches other TRON wallets. */
export const TRON_KEY_PATH = "m/44'/195'/0'/0/0";
/** Paid storage's secret: the payment tree's next hardened account, so a restore from the phrase re-derives every
 * file and replica key (src/services/storage/keys.ts) with nothing else kept. */
export const STORAGE_SECRET_PATH = "m/44'/6881'/1'/0'/0'";
/** 128 bits of entropy = 12 words: the shortest phrase BIP-39 allows, easiest for a newcomer to write down. */
export const PHRASE_ENTROPY_BYTES = 16;
/** Phrases we accept on restore: 12 to 24 words (16 to 32 bytes of entropy). */
export const MIN_ENTROPY_BYTES = 16;
export const MAX_ENTROPY_BYTES = 32;
/** Longest phrase text we look at: 24 words of at most 8 letters plus spaces, with room for sloppy whitespace. */
export const MAX_PHRASE_CHARS = 512;

export interface DerivedKeys {
  /** RFC 8032 secret seed of the payment key. The caller imports it into WebCrypto and wipes it. */
  readonly paymentSecretKey: Uint8Array;
  readonly paymentPublicKey: Uint8Array;
  readonly paymentPublicKeyHex: PublicKeyHex;
  readonly tronAddress: TronAddress;
}

/** Lower-cases and collapses whitespace so a phrase typed with stray spaces or capitals still restores. */
export function normalizePhrase(text: string): string {
  return text.slice(0, MAX_PHRASE_CHARS).trim().toLowerCase().split(/\s+/).join(' ');
}

export function isValidPhrase(text: string): boolean {
  if (typeof text !== 'string' || text.length > MAX_PHRASE_CHARS) return false;
  return validateMnemonic(normalizePhrase(text), wordlist);
}

/** Words of a phrase not in the BIP-39 English list, so the UI can point at a typo instead of saying "invalid". */
export function unknownWords(text: string): string[] {
  const known = new Set(wordlist);
  return normalizePhrase(text)
    .split(' ')
    .filter((word) => word !== '' && !known.has(word));
}

export function phraseFromEntropy(entropy: Uint8Array): string {
  assertEntropy(entropy);
  return entropyToMnemonic(entropy, wordlist);
}

/** Throws on an invalid phrase (unknown word, bad checksum, wrong length). */
export function entropyFromPhrase(text: string): Uint8Array {
  if (!isValidPhrase(text)) throw new Error('not a valid recovery phrase');
  return mnemonicToEntropy(normalizePhrase(text), wordlist);
}

export function assertEntropy(entropy: Uint8Array): void {
  if (!(entropy instanceof Uint8Array) || entropy.length < MIN_ENTROPY_BYTES || entropy.length > MAX_ENTROPY_BYTES || entropy.length % 4 !== 0) {
    throw new TypeError(`entropy: expected ${MIN_ENTROPY_BYTES}..${MAX_ENTROPY_BYTES} bytes, a multiple of 4`);
  }
}

/** Both keys from a BIP-39 seed (64 bytes). The seed is left for the caller to wipe. */
export function deriveKeysFromSeed(seed: Uint8Array): DerivedKeys {
  const paymentSecretKey = slip10DeriveSecretKey(seed, PAYMENT_KEY_PATH);
  const paymentPublicKey = publicKeyFromSecret(paymentSecretKey);
  const tronSecretKey = bip32DeriveSecretKey(seed, TRON_KEY_PATH);
  const tronAddress = tronAddressFromSecretKey(tronSecretKey);
  clean(tronSecretKey);
  return { paymentSecretKey, paymentPublicKey, paymentPublicKeyHex: toPublicKeyHex(paymentPublicKey), tronAddress };
}

/** Entropy → phrase → BIP-39 seed (PBKDF2-SHA512, 2048 rounds, empty passphrase) → keys. */
export async function deriveKeysFromEntropy(entropy: Uint8Array): Promise<DerivedKeys> {
  const seed = await mnemonicToSeedWebcrypto(phraseFromEntropy(entropy));
  try {
    return deriveKeysFromSeed(seed);
  } finally {
    clean(seed);
  }
}

/** The TRON secret key alone, for one signature: the caller checks its address, signs, and wipes it. */
export async function deriveTronSecretFromEntropy(entropy: Uint8Array): Promise<Uint8Array> {
  const seed = await mnemonicToSeedWebcrypto(phraseFromEntropy(entropy));
  try {
    return bip32DeriveSecretKey(seed, TRON_KEY_PATH);
  } finally {
    clean(seed);
  }
}

/** The storage secret alone (32 bytes), for deriving storage keys: the caller uses it and wipes it. */
export async function deriveStorageSecretFromEntropy(entropy: Uint8Array): Promise<Uint8Array> {
  const seed = await mnemonicToSeedWebcrypto(phraseFromEntropy(entropy));
  try {
    return slip10DeriveSecretKey(seed, STORAGE_SECRET_PATH);
  } finally {
    clean(seed);
  }
}

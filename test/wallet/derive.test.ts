// Key derivation against published vectors: BIP-39 (Trezor), BIP-32 (spec vector 1 and Trezor's deep path),
// SLIP-0010 ed25519 (spec vector 1), TRON addresses (a known key, and the "abandon … about" phrase on TRON's path).
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { mnemonicToSeedSync } from '@scure/bip39';
import { describe, expect, it } from 'vitest';
import { bip32DeriveSecretKey } from '../../src/wallet/bip32-secp256k1.ts';
import {
  deriveKeysFromEntropy,
  deriveKeysFromSeed,
  deriveStorageSecretFromEntropy,
  entropyFromPhrase,
  isValidPhrase,
  normalizePhrase,
  phraseFromEntropy,
  STORAGE_SECRET_PATH,
  unknownWords,
} from '../../src/wallet/derive.ts';
import { parsePath } from '../../src/wallet/hd-path.ts';
import { slip10DeriveSecretKey } from '../../src/wallet/slip10-ed25519.ts';
import { isTronAddress, tronAddressFromSecretKey } from '../../src/wallet/tron-address.ts';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('BIP-39', () => {
  it('entropy → phrase → seed matches the Trezor vector (passphrase TREZOR)', () => {
    const entropy = new Uint8Array(16);
    expect(phraseFromEntropy(entropy)).toBe(ABANDON);
    expect(bytesToHex(mnemonicToSeedSync(ABANDON, 'TREZOR'))).toBe(
      'c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04',
    );
    const legal = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
    expect(phraseFromEntropy(hexToBytes('7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f'))).toBe(legal);
    expect(bytesToHex(mnemonicToSeedSync(legal, 'TREZOR'))).toBe(
      '2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607',
    );
  });

  it('accepts a phrase typed with capitals and stray spaces, and names unknown words', () => {
    expect(normalizePhrase(`  ${ABANDON.toUpperCase().replaceAll(' ', '   ')}\n`)).toBe(ABANDON);
    expect(isValidPhrase(ABANDON.toUpperCase())).toBe(true);
    expect(bytesToHex(entropyFromPhrase(` ${ABANDON} `))).toBe('00000000000000000000000000000000');
    expect(isValidPhrase(ABANDON.replace('about', 'abandon'))).toBe(false); // bad checksum
    expect(unknownWords(ABANDON.replace('about', 'abuot'))).toEqual(['abuot']);
    expect(() => entropyFromPhrase('not a phrase')).toThrow();
  });
});

describe('BIP-32 secp256k1', () => {
  it('matches BIP-32 test vector 1 along m/0H/1/2H/2/1000000000', () => {
    const seed = hexToBytes('000102030405060708090a0b0c0d0e0f');
    const cases: Array<[string, string]> = [
      ['m', 'e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35'],
      ["m/0'", 'edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea'],
      ["m/0'/1", '3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368'],
      ["m/0'/1/2'", 'cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca'],
      ["m/0'/1/2'/2", '0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4'],
      ["m/0'/1/2'/2/1000000000", '471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8'],
    ];
    for (const [path, key] of cases) expect(bytesToHex(bip32DeriveSecretKey(seed, path)), path).toBe(key);
  });

  it('refuses malformed paths', () => {
    expect(() => parsePath("44'/0")).toThrow();
    expect(() => parsePath('m/x')).toThrow();
    expect(() => parsePath('m/2147483648')).toThrow();
    expect(() => parsePath(`m${'/0'.repeat(11)}`)).toThrow();
  });
});

describe('SLIP-0010 ed25519', () => {
  it('matches SLIP-0010 test vector 1', () => {
    const seed = hexToBytes('000102030405060708090a0b0c0d0e0f');
    const cases: Array<[string, string]> = [
      ['m', '2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7'],
      ["m/0'", '68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3'],
      ["m/0'/1'", 'b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2'],
      ["m/0'/1'/2'", '92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9'],
      ["m/0'/1'/2'/2'", '30d1dc7e5fc04c31219ab25a27ae00b50f6fd66622f6e9c913253d6511d1e662'],
    ];
    for (const [path, key] of cases) expect(bytesToHex(slip10DeriveSecretKey(seed, path)), path).toBe(key);
  });

  it('refuses a normal (unhardened) index', () => {
    expect(() => slip10DeriveSecretKey(hexToBytes('000102030405060708090a0b0c0d0e0f'), "m/0'/1")).toThrow(/hardened/);
  });
});

describe('TRON address', () => {
  it('of a known secret key', () => {
    const address = tronAddressFromSecretKey(hexToBytes('b6c6b0997429b1d3662a58bfa2dee8c039512c8143871ae2ff67f520d74da0e7'));
    expect(address).toBe('TCLR62QdWGGG56nDZ8Gtsscab4cSUJZo3A');
    expect(isTronAddress(address)).toBe(true);
    expect(isTronAddress('TCLR62QdWGGG56nDZ8Gtsscab4cSUJZo3B')).toBe(false); // checksum
    expect(isTronAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2')).toBe(false); // bitcoin, not 0x41
  });

  it("of the 'abandon … about' phrase at m/44'/195'/0'/0/0, as every TRON wallet derives it", () => {
    const keys = deriveKeysFromSeed(mnemonicToSeedSync(ABANDON));
    expect(keys.tronAddress).toBe('TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH');
  });
});

describe('the wallet derivation', () => {
  it('derives the same keys from entropy as from the phrase seed, and is pinned', async () => {
    const keys = await deriveKeysFromEntropy(new Uint8Array(16));
    const fromSeed = deriveKeysFromSeed(mnemonicToSeedSync(ABANDON));
    expect(keys.paymentPublicKeyHex).toBe(fromSeed.paymentPublicKeyHex);
    expect(bytesToHex(keys.paymentSecretKey)).toBe(bytesToHex(fromSeed.paymentSecretKey));
    // Regression pin of SLIP-0010 m/44'/6881'/0'/0'/0' for this phrase: changing it would move every user's account.
    expect(keys.paymentPublicKeyHex).toBe('7c20d042d62301ed36d28365cdda74b60412a2a2072d22cf44483301dcf7add4');
  });

  it('derives the storage secret from the phrase alone, apart from the payment key, and pinned', async () => {
    const secret = await deriveStorageSecretFromEntropy(new Uint8Array(16));
    expect(bytesToHex(secret)).toBe(bytesToHex(slip10DeriveSecretKey(mnemonicToSeedSync(ABANDON), STORAGE_SECRET_PATH)));
    const keys = await deriveKeysFromEntropy(new Uint8Array(16));
    expect(bytesToHex(secret)).not.toBe(bytesToHex(keys.paymentSecretKey));
    // Regression pin of m/44'/6881'/1'/0'/0': changing it would lose every stored file's keys on a restore.
    expect(bytesToHex(secret)).toBe('35ed9f761ec84e389644c2d556395c69e3e6c952f841a98131daea754daf1254');
    const other = await deriveStorageSecretFromEntropy(new Uint8Array(16).fill(1));
    expect(bytesToHex(other)).not.toBe(bytesToHex(secret));
  });
});

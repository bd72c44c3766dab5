// The sealed wallet: encrypt/decrypt round trip, wrong password refused with nothing lost, tampering detected,
// the stored record holding ciphertext only, key files, password change, and the non-extractable payment key.
import { bytesToHex } from '@noble/hashes/utils.js';
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nobleVerify } from '../../src/protocol/ed25519.ts';
import { deriveKeysFromEntropy, deriveStorageSecretFromEntropy, entropyFromPhrase } from '../../src/wallet/derive.ts';
import { open, PasswordPolicyError, PBKDF2_ITERATIONS, seal } from '../../src/wallet/vault-crypto.ts';
import { keyFileText, parseKeyFile, VaultFormatError } from '../../src/wallet/vault-record.ts';
import { memoryVaultStorage } from '../../src/wallet/vault-storage.ts';
import { WalletVault } from '../../src/wallet/wallet-vault.ts';

const subtle = webcrypto.subtle as SubtleCrypto;
const random = (length: number) => webcrypto.getRandomValues(new Uint8Array(length));
const PASSWORD = 'correct horse battery';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function makeVault() {
  const storage = memoryVaultStorage();
  const vault = new WalletVault({ storage, subtle, random, now: () => new Date('2025-01-01T00:00:00Z') });
  return { storage, vault };
}

describe('vault crypto', () => {
  const aad = () => new TextEncoder().encode('header');

  it('round-trips, and a wrong password or changed byte opens to null', async () => {
    const secret = random(16);
    const box = await seal(subtle, random, PASSWORD, secret, aad);
    expect(box.kdf.iterations).toBe(PBKDF2_ITERATIONS);
    expect(box.kdf.iterations).toBeGreaterThanOrEqual(600_000);
    expect(await open(subtle, PASSWORD, box, aad)).toEqual(secret);
    expect(await open(subtle, 'wrong password!', box, aad)).toBeNull();
    const flipped = box.ciphertext_hex.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect(await open(subtle, PASSWORD, { ...box, ciphertext_hex: flipped }, aad)).toBeNull();
    expect(await open(subtle, PASSWORD, box, () => new TextEncoder().encode('other header'))).toBeNull();
  });

  it('refuses a short password and a weakened KDF', async () => {
    await expect(seal(subtle, random, 'short', random(16), aad)).rejects.toBeInstanceOf(PasswordPolicyError);
    await expect(seal(subtle, random, PASSWORD, random(16), aad, 1000)).rejects.toThrow(/iterations/);
  });
});

describe('WalletVault', () => {
  it('creates, locks, unlocks with the password, refuses a wrong one and keeps the wallet', async () => {
    const { vault } = makeVault();
    expect(await vault.inspect()).toEqual({ state: 'empty' });
    const { phrase, session } = await vault.create(PASSWORD);
    expect(phrase.split(' ')).toHaveLength(12);
    const state = await vault.inspect();
    expect(state.state).toBe('locked');

    const wrong = await vault.unlock('not the password');
    expect(wrong).toEqual({ ok: false, error: 'wrong_password' });
    expect((await vault.inspect()).state).toBe('locked');

    const unlocked = await vault.unlock(PASSWORD);
    if (!unlocked.ok) throw new Error('unlock failed');
    expect(unlocked.session.account.paymentPublicKeyHex).toBe(session.account.paymentPublicKeyHex);
    expect(unlocked.session.account.tronAddress).toBe(session.account.tronAddress);
  });

  it('stores ciphertext only: no secret key, entropy or phrase word sequence in the record', async () => {
    const { storage, vault } = makeVault();
    const { phrase } = await vault.create(PASSWORD);
    const entropy = entropyFromPhrase(phrase);
    const keys = await deriveKeysFromEntropy(entropy);
    const stored = JSON.stringify(storage.value);
    expect(stored).not.toContain(bytesToHex(keys.paymentSecretKey));
    expect(stored).not.toContain(bytesToHex(entropy));
    expect(stored).not.toContain(phrase);
    expect(stored).not.toContain(PASSWORD);
    expect(stored).toContain(keys.paymentPublicKeyHex); // public, so the lock screen can name the account
  });

  it('hands out a non-extractable Ed25519 key that signs as the account', async () => {
    const { vault } = makeVault();
    const { session } = await vault.create(PASSWORD);
    const { key, publicKey, signer } = session.paymentKey;
    expect(key.extractable).toBe(false);
    expect(key.usages).toEqual(['sign']);
    await expect(subtle.exportKey('pkcs8', key)).rejects.toThrow();
    const message = new TextEncoder().encode('pay 1 piece');
    expect(nobleVerify(await signer.sign(message), message, publicKey)).toBe(true);
    expect(bytesToHex(publicKey)).toBe(session.account.paymentPublicKeyHex);
  });

  it('restores the same account from the phrase in a fresh browser', async () => {
    const first = makeVault();
    const { phrase, session } = await first.vault.create(PASSWORD);
    const second = makeVault();
    const restored = await second.vault.restore(`  ${phrase.toUpperCase()} `, 'another password');
    expect(restored.account.paymentPublicKeyHex).toBe(session.account.paymentPublicKeyHex);
    expect(restored.account.tronAddress).toBe(session.account.tronAddress);
    expect(restored.account.backedUp).toBe(true);
  });

  it('restores the known "abandon … about" account', async () => {
    const { vault } = makeVault();
    const session = await vault.restore(ABANDON, PASSWORD);
    expect(session.account.tronAddress).toBe('TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH');
  });

  it('gives the storage secret of the phrase only against the password, the same after a restore elsewhere', async () => {
    const { vault } = makeVault();
    await vault.restore(ABANDON, PASSWORD);
    const expected = bytesToHex(await deriveStorageSecretFromEntropy(entropyFromPhrase(ABANDON)));
    let kept: Uint8Array | null = null;
    const got = await vault.withStorageSecret(PASSWORD, async (secret) => {
      kept = secret;
      return bytesToHex(secret);
    });
    expect(got?.value).toBe(expected);
    expect(Array.from(kept ?? [1]).every((b) => b === 0)).toBe(true); // wiped after use
    expect(await vault.withStorageSecret('wrong wrong wrong', async () => 'used')).toBeNull();
    const elsewhere = makeVault().vault;
    await elsewhere.restore(ABANDON, 'another password 1');
    expect((await elsewhere.withStorageSecret('another password 1', async (secret) => bytesToHex(secret)))?.value).toBe(expected);
  });

  it('changes the password: the old one stops working, the account stays', async () => {
    const { vault } = makeVault();
    const { session } = await vault.create(PASSWORD);
    expect(await vault.changePassword('wrong wrong wrong', 'new password 1')).toBe('wrong_password');
    expect(await vault.changePassword(PASSWORD, 'new password 1')).toBe('ok');
    expect((await vault.unlock(PASSWORD)).ok).toBe(false);
    const unlocked = await vault.unlock('new password 1');
    expect(unlocked.ok && unlocked.session.account.paymentPublicKeyHex).toBe(session.account.paymentPublicKeyHex);
  });

  it('reveals the phrase only against the password', async () => {
    const { vault } = makeVault();
    const { phrase } = await vault.create(PASSWORD);
    expect(await vault.revealPhrase('nope nope nope')).toBeNull();
    expect(await vault.revealPhrase(PASSWORD)).toBe(phrase);
  });

  it('exports a key file that imports elsewhere only with its password; a bad file changes nothing', async () => {
    const first = makeVault();
    const { session } = await first.vault.create(PASSWORD);
    const text = keyFileText(await first.vault.exportKeyFile());
    expect(parseKeyFile(text).payment_public_key).toBe(session.account.paymentPublicKeyHex);

    const second = makeVault();
    await second.vault.restore(ABANDON, 'existing wallet pw');
    const before = JSON.stringify(second.storage.value);
    expect(await second.vault.importKeyFile(text, 'wrong password')).toMatchObject({ ok: false, error: 'wrong_password' });
    expect(await second.vault.importKeyFile('{"format":"x"}', PASSWORD)).toMatchObject({ ok: false, error: 'bad_file' });
    expect(await second.vault.importKeyFile('x'.repeat(100_000), PASSWORD)).toMatchObject({ ok: false, error: 'bad_file' });
    expect(JSON.stringify(second.storage.value)).toBe(before);

    const imported = await second.vault.importKeyFile(text, PASSWORD);
    expect(imported.ok && imported.session.account.paymentPublicKeyHex).toBe(session.account.paymentPublicKeyHex);
  });

  it('detects a record whose shown account was swapped under its ciphertext', async () => {
    const { storage, vault } = makeVault();
    await vault.create(PASSWORD);
    const other = makeVault();
    const { session } = await other.vault.create(PASSWORD);
    const record = storage.value as Record<string, unknown>;
    await storage.save({ ...record, payment_public_key: session.account.paymentPublicKeyHex, tron_address: session.account.tronAddress } as never);
    expect(await vault.unlock(PASSWORD)).toEqual({ ok: false, error: 'wrong_password' });
  });

  it('validates key files field by field', () => {
    expect(() => parseKeyFile('not json')).toThrow(VaultFormatError);
    expect(() => parseKeyFile(JSON.stringify({ format: 'seedpay-wallet', version: 2 }))).toThrow(/version/);
  });
});

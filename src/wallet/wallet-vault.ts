// The wallet's imperative shell: create, restore, unlock, change password, reveal the phrase, export/import the
// encrypted key file. It is the only place where the secret (BIP-39 entropy) exists in the clear, and then only
// for the few milliseconds between decrypting it and importing the payment key into WebCrypto — wiped after.
// Expected failures (wrong password, bad file) are result codes; a broken invariant throws.
import { clean } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { assertEntropy, deriveKeysFromEntropy, deriveStorageSecretFromEntropy, deriveTronSecretFromEntropy, entropyFromPhrase, PHRASE_ENTROPY_BYTES, phraseFromEntropy } from './derive.ts';
import { importPaymentKey, type PaymentKey } from './payment-key.ts';
import { tronAddressFromSecretKey, type TronAddress } from './tron-address.ts';
import { signTronDigest } from './tron-transfer.ts';
import { open, PBKDF2_ITERATIONS, seal, type RandomBytes } from './vault-crypto.ts';
import { parseKeyFile, parseVaultRecord, VAULT_FORMAT, VAULT_VERSION, vaultAad, VaultFormatError, type VaultRecord } from './vault-record.ts';
import type { VaultStorage } from './vault-storage.ts';

export interface WalletAccount {
  readonly paymentPublicKeyHex: PublicKeyHex;
  readonly tronAddress: TronAddress;
  readonly createdAt: string;
  readonly backedUp: boolean;
}

/** What an unlocked wallet holds: a non-extractable signing key and public facts. No secret bytes. */
export interface WalletSession {
  readonly account: WalletAccount;
  readonly paymentKey: PaymentKey;
}

export type VaultState = { readonly state: 'empty' } | { readonly state: 'locked'; readonly account: WalletAccount } | { readonly state: 'damaged'; readonly reason: string };

export type UnlockResult = { readonly ok: true; readonly session: WalletSession } | { readonly ok: false; readonly error: 'wrong_password' | 'no_wallet' };
export type TronSignResult = { readonly ok: true; readonly signature_hex: string } | { readonly ok: false; readonly error: 'wrong_password' | 'no_wallet' };
export type ImportResult = { readonly ok: true; readonly session: WalletSession } | { readonly ok: false; readonly error: 'wrong_password' | 'bad_file'; readonly message: string };

export interface WalletVaultDeps {
  readonly storage: VaultStorage;
  readonly subtle: SubtleCrypto;
  readonly random: RandomBytes;
  readonly now: () => Date;
  /** PBKDF2 iterations for new seals; defaults to PBKDF2_ITERATIONS. */
  readonly iterations?: number;
}

export class WalletInvariantError extends Error {
  override name = 'WalletInvariantError';
}

function accountOf(record: VaultRecord): WalletAccount {
  return {
    paymentPublicKeyHex: record.payment_public_key,
    tronAddress: record.tron_address,
    createdAt: record.created_at,
    backedUp: record.backed_up,
  };
}

export class WalletVault {
  readonly #deps: WalletVaultDeps;

  constructor(deps: WalletVaultDeps) {
    this.#deps = deps;
  }

  async inspect(): Promise<VaultState> {
    const value = await this.#deps.storage.load();
    if (value === undefined) return { state: 'empty' };
    try {
      return { state: 'locked', account: accountOf(parseVaultRecord(value)) };
    } catch (error) {
      return { state: 'damaged', reason: error instanceof Error ? error.message : 'unreadable record' };
    }
  }

  /** A fresh wallet: new entropy, sealed and stored. Returns the phrase once, for the user to write down. */
  async create(password: string): Promise<{ phrase: string; session: WalletSession }> {
    const entropy = this.#deps.random(PHRASE_ENTROPY_BYTES);
    try {
      const phrase = phraseFromEntropy(entropy);
      const session = await this.#store(entropy, password, false);
      return { phrase, session };
    } finally {
      clean(entropy);
    }
  }

  /** The same account from its phrase, sealed under a new password. Replaces any stored wallet. */
  async restore(phrase: string, password: string): Promise<WalletSession> {
    const entropy = entropyFromPhrase(phrase);
    try {
      return await this.#store(entropy, password, true);
    } finally {
      clean(entropy);
    }
  }

  async unlock(password: string): Promise<UnlockResult> {
    const record = await this.#load();
    if (!record) return { ok: false, error: 'no_wallet' };
    const entropy = await this.#open(record, password);
    if (!entropy) return { ok: false, error: 'wrong_password' };
    try {
      return { ok: true, session: await this.#session(entropy, record) };
    } finally {
      clean(entropy);
    }
  }

  /** Re-seals under a new password; the stored record is replaced only after the new seal succeeds. */
  async changePassword(oldPassword: string, newPassword: string): Promise<'ok' | 'wrong_password'> {
    const record = await this.#loadOrThrow();
    const entropy = await this.#open(record, oldPassword);
    if (!entropy) return 'wrong_password';
    try {
      await this.#deps.storage.save(await this.#seal(entropy, newPassword, record));
      return 'ok';
    } finally {
      clean(entropy);
    }
  }

  /**
   * Signs a TRON transaction id with the wallet's TRON key, only against the password: the key is re-derived from
   * the decrypted entropy, checked against the stored address, used once and wiped. It is never kept or returned.
   */
  async signTron(password: string, txID: string): Promise<TronSignResult> {
    const record = await this.#load();
    if (!record) return { ok: false, error: 'no_wallet' };
    const entropy = await this.#open(record, password);
    if (!entropy) return { ok: false, error: 'wrong_password' };
    let secret: Uint8Array | null = null;
    try {
      secret = await deriveTronSecretFromEntropy(entropy);
      if (tronAddressFromSecretKey(secret) !== record.tron_address) throw new WalletInvariantError('the decrypted secret does not derive the stored TRON address');
      return { ok: true, signature_hex: signTronDigest(txID, secret) };
    } finally {
      clean(entropy);
      if (secret) clean(secret);
    }
  }

  /**
   * Runs `use` with paid storage's secret (re-derived from the phrase), only against the password, and wipes it
   * after: storage derives each file's and replica's key from it (src/services/storage/keys.ts). Null: wrong password
   * or no wallet.
   */
  async withStorageSecret<T>(password: string, use: (secret: Uint8Array) => Promise<T>): Promise<{ readonly value: T } | null> {
    const record = await this.#load();
    const entropy = record ? await this.#open(record, password) : null;
    if (!entropy) return null;
    let secret: Uint8Array | null = null;
    try {
      secret = await deriveStorageSecretFromEntropy(entropy);
      return { value: await use(secret) };
    } finally {
      clean(entropy);
      if (secret) clean(secret);
    }
  }

  /** The recovery phrase again (for a backup), only against the password. */
  async revealPhrase(password: string): Promise<string | null> {
    const entropy = await this.#open(await this.#loadOrThrow(), password);
    if (!entropy) return null;
    try {
      return phraseFromEntropy(entropy);
    } finally {
      clean(entropy);
    }
  }

  async markBackedUp(): Promise<void> {
    const record = await this.#loadOrThrow();
    if (!record.backed_up) await this.#deps.storage.save({ ...record, backed_up: true });
  }

  /** The stored record as a file: already ciphertext, so exporting needs no password. */
  async exportKeyFile(): Promise<VaultRecord> {
    return this.#loadOrThrow();
  }

  /** Opens a key file with its password before storing it, so a file that cannot be unlocked never replaces a wallet. */
  async importKeyFile(text: string, password: string): Promise<ImportResult> {
    let record: VaultRecord;
    try {
      record = parseKeyFile(text);
    } catch (error) {
      return { ok: false, error: 'bad_file', message: error instanceof Error ? error.message : 'not a Seedpay wallet file' };
    }
    const entropy = await this.#open(record, password);
    if (!entropy) return { ok: false, error: 'wrong_password', message: 'That password does not open this file.' };
    try {
      const session = await this.#session(entropy, record);
      await this.#deps.storage.save(record);
      return { ok: true, session };
    } finally {
      clean(entropy);
    }
  }

  /** Removes the wallet from this browser. Only the phrase or a key file can bring it back. */
  async forget(): Promise<void> {
    await this.#deps.storage.clear();
  }

  async #store(entropy: Uint8Array, password: string, backedUp: boolean): Promise<WalletSession> {
    assertEntropy(entropy);
    const keys = await deriveKeysFromEntropy(entropy);
    let paymentKey: PaymentKey;
    try {
      paymentKey = await importPaymentKey(this.#deps.subtle, keys.paymentSecretKey, keys.paymentPublicKey);
    } finally {
      clean(keys.paymentSecretKey);
    }
    const fields = {
      format: VAULT_FORMAT,
      version: VAULT_VERSION,
      payment_public_key: keys.paymentPublicKeyHex,
      tron_address: keys.tronAddress,
      created_at: this.#deps.now().toISOString(),
      backed_up: backedUp,
    } as const;
    const record = await this.#seal(entropy, password, fields);
    await this.#deps.storage.save(record);
    return { account: accountOf(record), paymentKey };
  }

  async #seal(entropy: Uint8Array, password: string, fields: Omit<VaultRecord, 'kdf' | 'cipher' | 'ciphertext_hex'>): Promise<VaultRecord> {
    const box = await seal(this.#deps.subtle, this.#deps.random, password, entropy, (header) => vaultAad(fields, header), this.#deps.iterations ?? PBKDF2_ITERATIONS);
    return {
      format: fields.format,
      version: fields.version,
      payment_public_key: fields.payment_public_key,
      tron_address: fields.tron_address,
      created_at: fields.created_at,
      backed_up: fields.backed_up,
      ...box,
    };
  }

  #open(record: VaultRecord, password: string): Promise<Uint8Array | null> {
    return open(this.#deps.subtle, password, record, (header) => vaultAad(record, header));
  }

  /** Derives, checks the derived account against the record (a mismatch is corruption, not a user error), imports. */
  async #session(entropy: Uint8Array, record: VaultRecord): Promise<WalletSession> {
    const keys = await deriveKeysFromEntropy(entropy);
    try {
      if (keys.paymentPublicKeyHex !== record.payment_public_key || keys.tronAddress !== record.tron_address) {
        throw new WalletInvariantError('the decrypted secret does not derive the stored account');
      }
      const paymentKey = await importPaymentKey(this.#deps.subtle, keys.paymentSecretKey, keys.paymentPublicKey);
      return { account: accountOf(record), paymentKey };
    } finally {
      clean(keys.paymentSecretKey);
    }
  }

  async #load(): Promise<VaultRecord | null> {
    const value = await this.#deps.storage.load();
    return value === undefined ? null : parseVaultRecord(value);
  }

  async #loadOrThrow(): Promise<VaultRecord> {
    const record = await this.#load();
    if (!record) throw new VaultFormatError('no wallet in this browser');
    return record;
  }
}

/** The vault the app uses: IndexedDB, the page's WebCrypto and CSPRNG. */
export function browserWalletDeps(storage: VaultStorage): WalletVaultDeps {
  const crypto = globalThis.crypto;
  return {
    storage,
    subtle: crypto.subtle,
    random: (length) => crypto.getRandomValues(new Uint8Array(length)),
    now: () => new Date(),
  };
}

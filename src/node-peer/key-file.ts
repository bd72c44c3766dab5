// The Node peer's wallet: the app's encrypted key file (vault-record.ts, what "Export key file" saves) on disk, opened
// with the password through the same WalletVault the app runs. The secret exists only as AES-GCM ciphertext in the
// file and, once unlocked, as a non-extractable WebCrypto key; it is never printed, logged or written in clear.
import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { keyFileText, MAX_KEY_FILE_BYTES, parseKeyFile, WalletVault, type VaultRecord, type VaultStorage, type WalletSession } from '../wallet/index.ts';

/** A VaultStorage over one key file: replaced atomically (write aside, then rename) so a crash leaves old or new. */
export function fileVaultStorage(path: string): VaultStorage {
  return {
    load() {
      if (!existsSync(path)) return Promise.resolve(undefined);
      const text = readFileSync(path, 'utf8');
      if (text.length > MAX_KEY_FILE_BYTES) return Promise.reject(new Error(`${path} is larger than a key file can be`));
      return Promise.resolve(parseKeyFile(text));
    },
    save(record: VaultRecord) {
      const aside = `${path}.new`;
      writeFileSync(aside, keyFileText(record), { mode: 0o600 });
      renameSync(aside, path);
      return Promise.resolve();
    },
    clear() {
      return Promise.reject(new Error('a Node peer never deletes its key file'));
    },
  };
}

export type OpenedWallet = {
  readonly created: boolean;
  readonly session: WalletSession;
  /** The vault behind the file: for what needs the password again (paid storage's secret, withStorageSecret). */
  readonly vault: WalletVault;
};

/**
 * Unlocks the key file at `path`, or — when there is none and `create` is set — makes a new wallet there sealed under
 * the password (its recovery phrase is not shown: the key file and the password are the backup; import the file in
 * the app to see the account there).
 */
export async function openKeyFile(path: string, password: string, create: boolean): Promise<OpenedWallet> {
  const vault = new WalletVault({
    storage: fileVaultStorage(path),
    subtle: webcrypto.subtle as SubtleCrypto,
    random: (length) => new Uint8Array(randomBytes(length)),
    now: () => new Date(),
  });
  const state = await vault.inspect();
  if (state.state === 'damaged') throw new Error(`${path} is not a Seedpay key file: ${state.reason}`);
  if (state.state === 'empty') {
    if (!create) throw new Error(`no key file at ${path} (export one from the app's Wallet view, or pass --new-wallet)`);
    const { session } = await vault.create(password);
    return { created: true, session, vault };
  }
  const unlocked = await vault.unlock(password);
  if (!unlocked.ok) throw new Error(unlocked.error === 'wrong_password' ? `wrong password for ${path}` : `no wallet in ${path}`);
  return { created: false, session: unlocked.session, vault };
}

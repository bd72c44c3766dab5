// The wallet's public surface for the app, the widget and the lab (docs/architecture.md): open the vault, its
// password and phrase rules, key files, the idle lock, and TRON transfers (built here, signed by the vault). Layers
// above import this, ledger-client.ts or airdrop-solver.ts — never the vault's crypto, record or storage files
// (test/architecture/boundaries.test.ts).
import { factoryVaultStorage, idbVaultStorage } from './vault-storage.ts';
import { browserWalletDeps, WalletVault } from './wallet-vault.ts';

export { DEFAULT_IDLE_LOCK_MS, IdleLock, MAX_IDLE_LOCK_MS, MIN_IDLE_LOCK_MS } from './auto-lock.ts';
export { isValidPhrase, unknownWords } from './derive.ts';
export { checkPassword, MIN_PASSWORD_CHARS, PasswordPolicyError } from './vault-crypto.ts';
export { keyFileText, MAX_KEY_FILE_BYTES, parseKeyFile, type VaultRecord } from './vault-record.ts';
export type { VaultStorage } from './vault-storage.ts';
export type { PaymentKey } from './payment-key.ts';
export { isTronAddress, type TronAddress } from './tron-address.ts';
export { buildTrc10Transfer, TRANSFER_EXPIRATION_MS, tronAddressHex, withSignature, type SignedTransfer, type UnsignedTransfer } from './tron-transfer.ts';
export { WalletVault, type TronSignResult, type VaultState, type WalletAccount, type WalletSession } from './wallet-vault.ts';

/** The browser's wallet: its vault in this origin's IndexedDB, or in the database a storage-access handle gives. */
export function openBrowserWallet(indexedDB?: IDBFactory): WalletVault {
  return new WalletVault(browserWalletDeps(indexedDB ? factoryVaultStorage(indexedDB) : idbVaultStorage()));
}

// Finding the visitor's Seedpay wallet from inside the embed iframe. The iframe is the Seedpay origin, so the
// wallet's IndexedDB is ours to read — and never the host page's (same-origin policy). On a host of another
// *site*, browsers partition an iframe's storage per top-level site, so the wallet the visitor made on the Seedpay
// site is not visible until they grant storage access (Storage Access API, IndexedDB included: Chromium ≥ 125);
// in that case we read the vault through the handle the browser returns.
import { openBrowserWallet, type VaultState, type WalletVault } from '../wallet/index.ts';

export interface FoundWallet {
  readonly vault: WalletVault;
  readonly state: VaultState;
  /** No wallet visible, but the browser may grant access to the first-party one (partitioned storage). */
  readonly can_request_access: boolean;
}

type StorageAccessDocument = Document & {
  hasStorageAccess?: () => Promise<boolean>;
  requestStorageAccess?: (types?: { indexedDB?: boolean }) => Promise<{ indexedDB?: IDBFactory } | undefined>;
};

export async function findWallet(): Promise<FoundWallet> {
  const vault = openBrowserWallet();
  const state = await vault.inspect();
  const doc = document as StorageAccessDocument;
  const partitioned = state.state === 'empty' && typeof doc.requestStorageAccess === 'function' &&
    typeof doc.hasStorageAccess === 'function' && !(await doc.hasStorageAccess().catch(() => true));
  return { vault, state, can_request_access: partitioned };
}

/** What the visitor reads when the vault does not open (the embed and the pay window say it alike). */
export function unlockFailure(error: 'wrong_password' | 'no_wallet'): string {
  return error === 'wrong_password' ? 'That password is not right.' : 'No wallet found.';
}

/** Asks the browser (needs a click) for the first-party IndexedDB and opens the vault there. */
export async function requestWalletAccess(): Promise<FoundWallet> {
  const doc = document as StorageAccessDocument;
  const handle = await doc.requestStorageAccess?.({ indexedDB: true });
  if (!handle?.indexedDB) throw new Error('the browser did not grant access to your Seedpay wallet');
  const vault = openBrowserWallet(handle.indexedDB);
  return { vault, state: await vault.inspect(), can_request_access: false };
}

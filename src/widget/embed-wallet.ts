// Finding the visitor's Seedpay wallet from inside the embed iframe. The iframe is the Seedpay origin, so the
// wallet's IndexedDB is ours to read — and never the host page's (same-origin policy). On a host of another
// *site*, browsers partition an iframe's storage per top-level site, so the wallet the visitor made on the Seedpay
// site is not visible until they grant storage access (Storage Access API, IndexedDB included: Chromium ≥ 125);
// in that case we read the vault through the handle the browser returns.
import { VAULT_DB_NAME, VAULT_STORE_NAME, idbVaultStorage, type VaultStorage } from '../wallet/vault-storage.ts';
import { browserWalletDeps, WalletVault, type VaultState } from '../wallet/wallet-vault.ts';
import type { VaultRecord } from '../wallet/vault-record.ts';

/** Must match the key src/wallet/vault-storage.ts stores the sealed record under. */
const VAULT_RECORD_KEY = 'wallet';

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
  const vault = new WalletVault(browserWalletDeps(idbVaultStorage()));
  const state = await vault.inspect();
  const doc = document as StorageAccessDocument;
  const partitioned = state.state === 'empty' && typeof doc.requestStorageAccess === 'function' &&
    typeof doc.hasStorageAccess === 'function' && !(await doc.hasStorageAccess().catch(() => true));
  return { vault, state, can_request_access: partitioned };
}

/** Asks the browser (needs a click) for the first-party IndexedDB and opens the vault there. */
export async function requestWalletAccess(): Promise<FoundWallet> {
  const doc = document as StorageAccessDocument;
  const handle = await doc.requestStorageAccess?.({ indexedDB: true });
  if (!handle?.indexedDB) throw new Error('the browser did not grant access to your Seedpay wallet');
  const vault = new WalletVault(browserWalletDeps(factoryVaultStorage(handle.indexedDB)));
  return { vault, state: await vault.inspect(), can_request_access: false };
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** The vault's storage over a given IDBFactory (idb-keyval only knows the global one). Same database layout. */
export function factoryVaultStorage(factory: IDBFactory): VaultStorage {
  const open = () => {
    const r = factory.open(VAULT_DB_NAME);
    r.onupgradeneeded = () => r.result.createObjectStore(VAULT_STORE_NAME);
    return request(r);
  };
  const run = async <T>(mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    try {
      return await request(op(db.transaction(VAULT_STORE_NAME, mode).objectStore(VAULT_STORE_NAME)));
    } finally {
      db.close();
    }
  };
  return {
    load: () => run('readonly', (s) => s.get(VAULT_RECORD_KEY)),
    save: async (record: VaultRecord) => {
      await run('readwrite', (s) => s.put({ ...record }, VAULT_RECORD_KEY));
    },
    clear: async () => {
      await run('readwrite', (s) => s.delete(VAULT_RECORD_KEY));
    },
  };
}

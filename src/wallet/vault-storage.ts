// Where the sealed wallet record lives: one key in its own IndexedDB database via idb-keyval. Never localStorage
// (synchronous, readable by every script, no structured values); never the plaintext secret. An in-memory twin
// serves unit tests, which run in Node without IndexedDB.
import { createStore, del, get, set, type UseStore } from 'idb-keyval';
import type { VaultRecord } from './vault-record.ts';

export const VAULT_DB_NAME = 'seedpay-wallet';
export const VAULT_STORE_NAME = 'vault';
const RECORD_KEY = 'wallet';

export interface VaultStorage {
  /** The stored value, unvalidated: the caller parses it. */
  load(): Promise<unknown>;
  /** Replaces the record in one IndexedDB transaction: a crash leaves the old record or the new, never half. */
  save(record: VaultRecord): Promise<void>;
  clear(): Promise<void>;
}

export function idbVaultStorage(): VaultStorage {
  let store: UseStore | null = null;
  const db = () => (store ??= createStore(VAULT_DB_NAME, VAULT_STORE_NAME));
  return {
    load: () => get(RECORD_KEY, db()),
    save: (record) => set(RECORD_KEY, { ...record }, db()),
    clear: () => del(RECORD_KEY, db()),
  };
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** The vault's storage over a given IDBFactory (idb-keyval only knows the global one): the embed's storage-access
 * handle. Same database layout as idbVaultStorage. */
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
    load: () => run('readonly', (s) => s.get(RECORD_KEY)),
    save: async (record: VaultRecord) => {
      await run('readwrite', (s) => s.put({ ...record }, RECORD_KEY));
    },
    clear: async () => {
      await run('readwrite', (s) => s.delete(RECORD_KEY));
    },
  };
}

export function memoryVaultStorage(): VaultStorage & { readonly value: unknown } {
  let value: unknown;
  return {
    get value() {
      return value;
    },
    load: async () => (value === undefined ? undefined : structuredClone(value)),
    save: async (record) => {
      value = structuredClone(record);
    },
    clear: async () => {
      value = undefined;
    },
  };
}

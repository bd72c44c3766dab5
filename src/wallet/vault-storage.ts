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

// The app's own small records (settings, first-run progress, chart history) in IndexedDB via idb-keyval, apart
// from the wallet's database. Nothing here is secret; bigint amounts are kept as decimal strings.
import { createStore, get, set, type UseStore } from 'idb-keyval';

export const PREFS_DB_NAME = 'seedpay-app';
const PREFS_STORE_NAME = 'prefs';

let store: UseStore | null = null;
function db(): UseStore {
  return (store ??= createStore(PREFS_DB_NAME, PREFS_STORE_NAME));
}

export function loadPref(key: string): Promise<unknown> {
  return get(key, db());
}

export function savePref(key: string, value: unknown): Promise<void> {
  return set(key, value, db());
}

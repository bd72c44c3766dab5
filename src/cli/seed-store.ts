// `npm run seed -- --store <dir>`: the seeder also sells storage. Its flags and their checks (pure), and the shell
// that starts the provider (storage-node.ts) on the seed command's server and key, with a status line for the loop.
import { resolve } from 'node:path';
import type { Signer } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import { MAX_STORE_MIB } from '../services/storage/replica-store.ts';
import { serverTracker, type PeerOptions } from './peer-options.ts';
import { startStorageService } from './storage-node.ts';

/** parseArgs' table of the storage flags. */
export const STORE_FLAGS = {
  store: { type: 'string' },
  'store-max-mib': { type: 'string', default: '1024' },
  'store-min-price': { type: 'string', default: '1' },
  'store-max-collateral': { type: 'string', default: '0' },
} as const;

export const STORE_USAGE = `paid storage (docs/storage.md): keep other people's encrypted replicas, paid per epoch by the ledger
  --store <dir>               join the storage swarm as a provider; replicas are kept in <dir>
  --store-max-mib <MiB>       most space the replicas may take (default 1024); also the largest replica taken
  --store-min-price <units>   lowest price accepted, base units per MiB per epoch (default 1)
  --store-max-collateral <units>  most collateral put up for one contract (default 0)`;

export interface StoreSettings {
  readonly dir: string;
  readonly max_mib: number;
  readonly min_price_units_per_mib_epoch: Units;
  readonly max_collateral_units: Units;
}

interface StoreFlagValues {
  store?: string | undefined;
  'store-max-mib': string;
  'store-min-price': string;
  'store-max-collateral': string;
}

/** The storage settings, or null without --store; throws naming the flag on bad input. */
export function storeSettings(values: StoreFlagValues): StoreSettings | null {
  if (values.store === undefined) return null;
  if (values.store.trim() === '') throw new Error('--store needs a folder');
  const max_mib = Number(values['store-max-mib']);
  if (!Number.isSafeInteger(max_mib) || max_mib < 1 || max_mib > MAX_STORE_MIB) throw new Error(`--store-max-mib must be a whole number of MiB from 1 to ${MAX_STORE_MIB}`);
  if (!/^\d{1,19}$/.test(values['store-min-price'])) throw new Error('--store-min-price must be a whole number of base units per MiB per epoch');
  if (!/^\d{1,19}$/.test(values['store-max-collateral'])) throw new Error('--store-max-collateral must be a whole number of base units');
  return {
    dir: resolve(values.store), max_mib,
    min_price_units_per_mib_epoch: BigInt(values['store-min-price']) as Units,
    max_collateral_units: BigInt(values['store-max-collateral']) as Units,
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Starts the storage provider; prints each upload; `lines` is its status for the seed loop. */
export async function startStoreProvider(o: PeerOptions, s: StoreSettings, signer: Signer): Promise<{ lines(): string[]; close(): Promise<void> }> {
  const service = await startStorageService({
    server: o.server, trackers: [serverTracker(o.server), ...o.trackers], signer, dir: s.dir, max_mib: s.max_mib,
    limits: { max_replica_bytes: s.max_mib * 1024 * 1024, min_price_units_per_mib_epoch: s.min_price_units_per_mib_epoch, max_collateral_units: s.max_collateral_units },
    log: (line) => console.log(`storage: ${line}`),
  });
  console.log(`storage provider: ${s.dir}, up to ${s.max_mib} MiB, at least ${s.min_price_units_per_mib_epoch} units per MiB per epoch; in the storage swarm ${service.swarm.info_hash}`);
  return {
    lines: () => {
      const tally = Object.entries(service.provider.tally()).map(([k, n]) => `${k} ${n}`).join(', ');
      return [`storage: ${mib(service.store.used_bytes)} of ${s.max_mib} MiB held, ${service.host.uploads_stored} upload(s) stored, ${service.host.uploads_refused} refused, ${service.swarm.wires} wire(s); epochs: ${tally || 'none yet'}`];
    },
    close: () => service.close(),
  };
}

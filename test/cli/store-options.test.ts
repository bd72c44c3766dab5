// The storage flags of `npm run seed -- --store` and of `npm run store`: defaults, and every bad value refused with
// its flag's name (pure parsing; the flows run in storage-swarm.test.ts).
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/cli/seed.ts';
import { storeSettings } from '../../src/cli/seed-store.ts';
import { parseStoreOptions } from '../../src/cli/store.ts';

const flags = { 'store-max-mib': '1024', 'store-min-price': '1', 'store-max-collateral': '0' };

describe('seed --store flags', () => {
  it('reads the folder, the maximum, the lowest price and the collateral; null without --store', () => {
    expect(storeSettings(flags)).toBeNull();
    const s = storeSettings({ store: 'st', 'store-max-mib': '64', 'store-min-price': '100', 'store-max-collateral': '5000' });
    expect(s).toEqual({ dir: expect.stringMatching(/\/st$/), max_mib: 64, min_price_units_per_mib_epoch: 100n, max_collateral_units: 5000n });
    const o = parseOptions(['--store', 'st', '--store-max-mib', '8']);
    expect(o !== 'help' && o.store?.max_mib).toBe(8);
  });

  it('refuses bad values, naming the flag, and --store without Speed', () => {
    expect(() => storeSettings({ ...flags, store: '' })).toThrow('--store');
    for (const bad of ['0', '-1', '1.5', 'x', String(2 ** 40)]) expect(() => storeSettings({ ...flags, store: 'st', 'store-max-mib': bad })).toThrow('--store-max-mib');
    for (const bad of ['-1', '1.5', 'x', '1'.repeat(20)]) {
      expect(() => storeSettings({ ...flags, store: 'st', 'store-min-price': bad })).toThrow('--store-min-price');
      expect(() => storeSettings({ ...flags, store: 'st', 'store-max-collateral': bad })).toThrow('--store-max-collateral');
    }
    expect(() => parseOptions(['--store', 'st', '--no-speed'])).toThrow('--store needs Speed');
  });
});

describe('npm run store flags', () => {
  it('has defaults: two replicas, 24 epochs, the ledger\'s shortest epoch, 1000 units, no collateral', () => {
    const o = parseStoreOptions(['f.bin']);
    expect(o).toMatchObject({ server: 'http://127.0.0.1:8080', replicas: 2, epochs: 24, epoch_s: null, price_units: 1000n, collateral_units: 0n, find_s: 30 });
    expect(parseStoreOptions(['f.bin', '--replicas', '3', '--epochs', '5', '--epoch-s', '2', '--price', '7'])).toMatchObject({ replicas: 3, epochs: 5, epoch_s: 2, price_units: 7n });
  });

  it('refuses bad values, naming the flag', () => {
    expect(() => parseStoreOptions([])).toThrow('one file');
    expect(() => parseStoreOptions(['a', 'b'])).toThrow('one file');
    expect(() => parseStoreOptions(['f', '--server', 'ftp://x'])).toThrow('--server');
    expect(() => parseStoreOptions(['f', '--tracker', 'http://x'])).toThrow('--tracker');
    for (const bad of ['0', '-1', '1.5', 'x']) expect(() => parseStoreOptions(['f', '--replicas', bad])).toThrow('--replicas');
    for (const bad of ['0', '10001', 'x']) expect(() => parseStoreOptions(['f', '--epochs', bad])).toThrow('--epochs');
    expect(() => parseStoreOptions(['f', '--epoch-s', '0'])).toThrow('--epoch-s');
    for (const bad of ['0', '-1', 'x']) expect(() => parseStoreOptions(['f', '--price', bad])).toThrow('--price');
    expect(() => parseStoreOptions(['f', '--collateral', 'x'])).toThrow('--collateral');
    expect(() => parseStoreOptions(['f', '--find-s', '0'])).toThrow('--find-s');
  });
});

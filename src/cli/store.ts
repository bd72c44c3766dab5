// `npm run store -- <file>`: stores a file on paid storage providers from a terminal. The file is encrypted per replica
// (keys from the wallet's storage secret, derived from its phrase), each replica uploaded to a different provider found in the storage swarm over
// its `sp_storage` wire, and each contract opened on the ledger; the contract ids are printed and kept in a receipt
// (<profile>/stored/<file id>.json) with what retrieval needs: the file id, each replica's provider and root.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBtt, type Units } from '../protocol/money.ts';
import { MAX_EPOCHS } from '../protocol/storage-contract.ts';
import { MAX_REPLICA_INDEX } from '../services/storage/keys.ts';
import { serverTracker } from './peer-options.ts';
import { password, runMain } from './peer-run.ts';
import { ledgerOf } from './storage-node.ts';
import { storeFile } from './store-file.ts';

const USAGE = `usage: npm run store -- [options] <file>

Encrypts the file once per replica and stores each replica with a different provider of the storage swarm (providers
run npm run seed -- --store <dir>), paid per epoch from this wallet's balance through a contract on the ledger.
Needs a running Seedpay server (npm start) and a funded wallet.

options:
  --server <url>        Seedpay server: ledger and tracker (default http://127.0.0.1:8080)
  --tracker <url>       another WebSocket tracker to find providers on (repeatable)
  --profile <dir>       key file and receipts (default ./data/storer)
  --key-file <path>     the wallet's encrypted key file (default <profile>/wallet.json)
  --replicas <n>        replicas, each on its own provider (default 2)
  --epochs <n>          epochs paid for (default 24)
  --epoch-s <s>         epoch length in seconds (default: the ledger's shortest)
  --price <units>       price per replica per epoch, in base units (default 1000)
  --collateral <units>  collateral asked of each provider (default 0)
  --find-s <s>          seconds to look for providers (default 30)

The key file's password is read from SEEDPAY_PASSWORD, or asked for on the terminal.`;

/** Files up to 2 GiB: the replica is built in memory (encrypt.ts takes the whole file). */
export const MAX_STORE_FILE_BYTES = 2 * 1024 ** 3;

export interface StoreOptions {
  server: string;
  trackers: string[];
  profile: string;
  key_file: string;
  file: string;
  replicas: number;
  epochs: number;
  epoch_s: number | null;
  price_units: Units;
  collateral_units: Units;
  find_s: number;
}

const whole = (value: string, flag: string, min: number, max: number): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
};

export function parseStoreOptions(argv: string[]): StoreOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      server: { type: 'string', default: 'http://127.0.0.1:8080' }, tracker: { type: 'string', multiple: true, default: [] as string[] },
      profile: { type: 'string', default: './data/storer' }, 'key-file': { type: 'string' }, replicas: { type: 'string', default: '2' },
      epochs: { type: 'string', default: '24' }, 'epoch-s': { type: 'string' }, price: { type: 'string', default: '1000' },
      collateral: { type: 'string', default: '0' }, 'find-s': { type: 'string', default: '30' }, help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new Error('name one file to store');
  const server = values.server.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(server)) throw new Error(`--server must be an http(s) origin, not ${values.server}`);
  for (const t of values.tracker) if (!/^wss?:\/\/[^/]+/.test(t)) throw new Error(`--tracker must be a ws(s) URL, not ${t}`);
  if (!/^\d{1,19}$/.test(values.price) || BigInt(values.price) < 1n) throw new Error('--price must be a whole number of base units, at least 1');
  if (!/^\d{1,19}$/.test(values.collateral)) throw new Error('--collateral must be a whole number of base units');
  const profile = resolve(values.profile);
  return {
    server, trackers: values.tracker, profile, key_file: resolve(values['key-file'] ?? join(profile, 'wallet.json')), file: resolve(positionals[0] ?? ''),
    replicas: whole(values.replicas, '--replicas', 1, MAX_REPLICA_INDEX + 1), epochs: whole(values.epochs, '--epochs', 1, MAX_EPOCHS),
    epoch_s: values['epoch-s'] === undefined ? null : whole(values['epoch-s'], '--epoch-s', 1, 7 * 24 * 3600),
    price_units: BigInt(values.price) as Units, collateral_units: BigInt(values.collateral) as Units, find_s: whole(values['find-s'], '--find-s', 1, 3600),
  };
}

async function main(): Promise<void> {
  const o = parseStoreOptions(process.argv.slice(2));
  if (o === 'help') return void console.log(USAGE);
  const size = statSync(o.file).size;
  if (size < 1 || size > MAX_STORE_FILE_BYTES) throw new Error(`the file must hold 1 byte to ${MAX_STORE_FILE_BYTES} bytes`);
  mkdirSync(o.profile, { recursive: true });
  const { openKeyFile } = await import('../node-peer/key-file.ts');
  const secret_password = await password();
  const wallet = await openKeyFile(o.key_file, secret_password, false);
  const info = await ledgerOf(o.server).info();
  const epoch_ms = o.epoch_s === null ? info.min_epoch_ms : o.epoch_s * 1000;
  if (epoch_ms < info.min_epoch_ms) throw new Error(`--epoch-s: the ledger's shortest epoch is ${info.min_epoch_ms / 1000} s`);
  const total = o.price_units * BigInt(o.epochs) * BigInt(o.replicas);
  console.log(`storing ${basename(o.file)} (${size} bytes): ${o.replicas} replica(s) × ${o.epochs} epoch(s) of ${epoch_ms / 1000} s at ${o.price_units} units = ${formatBtt(total as Units)} BTT at most`);
  // The storage secret is re-derived from the key file's recovery phrase for this upload and wiped after it, so a
  // restore from the phrase alone gives back every file and replica key; it is never written anywhere.
  const stored = await wallet.vault.withStorageSecret(secret_password, (storage_secret) => storeFile({
    server: o.server, trackers: [serverTracker(o.server), ...o.trackers], signer: wallet.session.paymentKey.signer,
    storage_secret, plaintext: new Uint8Array(readFileSync(o.file)), replicas: o.replicas, epochs: o.epochs,
    epoch_ms, answer_window_ms: Math.max(1, Math.floor(epoch_ms / 2)), price_units_per_epoch: o.price_units, collateral_units: o.collateral_units,
    retrieval_price_units: 1n as Units, find_timeout_ms: o.find_s * 1000, log: (line) => console.log(line),
  }));
  if (!stored) throw new Error(`wrong password for ${o.key_file}`);
  const receipt = stored.value;
  mkdirSync(join(o.profile, 'stored'), { recursive: true });
  const path = join(o.profile, 'stored', `${receipt.file_id}.json`);
  writeFileSync(path, `${JSON.stringify({ name: basename(o.file), ...receipt }, null, 2)}\n`);
  for (const s of receipt.stored) console.log(`contract ${s.contract_id} (replica ${s.replica_index + 1}, provider ${s.provider})`);
  console.log(`receipt: ${path}`);
  if (receipt.stored.length < o.replicas) {
    console.error(`only ${receipt.stored.length} of ${o.replicas} replica(s) stored`);
    process.exitCode = 1;
  }
}

runMain(import.meta.url, main);

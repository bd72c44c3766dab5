// `npm run provide -- [options] <file|folder|magnet|.torrent>…`: a Seedpay provider in Node. It joins each torrent on
// both networks — browsers over WebRTC through the Seedpay tracker, ordinary BitTorrent clients over TCP/uTP through
// the trackers a magnet or .torrent names — and sells upload to Speed requesters through the same auction and
// paid-session core as the app. With --bid it also buys: a Speed requester paying per piece for what it downloads
// (funded, once per key, by the ledger's airdrop: --claim-airdrop). The Node peer's front end for a bridge or a
// buyer; `npm run seed` (seed.ts) is the other front end of the same peer (peer-run.ts).
import { parseArgs } from 'node:util';
import { PEER_ENV_USAGE, PEER_FLAGS, PEER_FLAGS_USAGE, peerOptions, type PeerOptions } from './peer-options.ts';
import { addInput, printTorrent, runMain, runUntilStopped, startPeer } from './peer-run.ts';

/** A new requester's spend cap per torrent when --cap is not given: the app's default (peer/settings.ts), 50 BTT. */
const DEFAULT_CAP_UNITS = 50_000_000n;

const USAGE = `usage: npm run provide -- [options] <file|folder|magnet|file.torrent> […]

Seeds files and folders in place, joins magnets and .torrent files, and serves browsers (WebRTC) and ordinary
BitTorrent clients (TCP/uTP), earning from Speed requesters. Needs a running Seedpay server (npm start).

options:
  --profile <dir>      records, downloaded pieces and the default key file (default ./data/provider)
  --new-wallet         create the key file if it does not exist
${PEER_FLAGS_USAGE}
  --bid                also buy: bid for pieces of the torrents joined and pay per piece (Speed requester)
  --max-price <units>  the highest price bid, in base units per KiB (default: no cap; the bid follows balance)
  --cap <units>        the most spent per torrent, in base units (default ${DEFAULT_CAP_UNITS}: 50 BTT)
  --claim-airdrop      fund the wallet with the ledger's airdrop first (proof of work solved here; once per key)
${PEER_ENV_USAGE}`;

interface Options extends PeerOptions {
  new_wallet: boolean;
  bid: boolean;
  max_price: bigint | null;
  cap: bigint;
  claim_airdrop: boolean;
  inputs: string[];
}

export function parseOptions(argv: string[]): Options | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...PEER_FLAGS,
      profile: { type: 'string', default: './data/provider' },
      'new-wallet': { type: 'boolean', default: false },
      bid: { type: 'boolean', default: false },
      'max-price': { type: 'string' },
      cap: { type: 'string', default: String(DEFAULT_CAP_UNITS) },
      'claim-airdrop': { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const common = peerOptions(values);
  const maxPrice = values['max-price'];
  if (maxPrice !== undefined && !/^\d{1,19}$/.test(maxPrice)) throw new Error('--max-price must be a whole number of base units per KiB');
  if (!/^\d{1,19}$/.test(values.cap)) throw new Error('--cap must be a whole number of base units');
  if (values['no-speed'] && (values.bid || values['claim-airdrop'])) throw new Error('--bid and --claim-airdrop need Speed (drop --no-speed)');
  if (!values.bid && (maxPrice !== undefined || values.cap !== String(DEFAULT_CAP_UNITS))) throw new Error('--max-price and --cap only apply with --bid');
  if (positionals.length === 0) throw new Error('name at least one file, folder, magnet or .torrent (see --help)');
  return {
    ...common,
    new_wallet: values['new-wallet'],
    bid: values.bid,
    max_price: maxPrice === undefined ? null : BigInt(maxPrice),
    cap: BigInt(values.cap),
    claim_airdrop: values['claim-airdrop'],
    inputs: positionals,
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o === 'help') return void console.log(USAGE);
  const run = {
    ...o,
    create_wallet: o.new_wallet,
    speed_settings: { bidding: o.bid, max_price_units_per_kib: o.max_price, torrent_cap_units: o.cap },
  };
  const peer = await startPeer(run);
  for (const input of o.inputs) printTorrent(await addInput(peer, input, run));
  runUntilStopped(peer, run);
}

runMain(import.meta.url, main);

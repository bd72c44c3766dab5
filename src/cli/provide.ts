// `npm run provide -- [options] <file|folder|magnet|.torrent>…`: a Seedpay provider in Node. It joins each torrent on
// both networks — browsers over WebRTC through the Seedpay tracker, ordinary BitTorrent clients over TCP/uTP through
// the trackers a magnet or .torrent names — and sells upload to Speed requesters through the same auction and
// paid-session core as the app. Its key is the app's encrypted key file; it prints a status line until Ctrl-C, then
// closes the channels it was paid through. With --bid it also buys: a Speed requester paying per piece for what it
// downloads (funded, once per key, by the ledger's airdrop: --claim-airdrop).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatBtt } from '../protocol/money.ts';

/** A new requester's spend cap per torrent when --cap is not given: the app's default (peer/settings.ts), 50 BTT. */
const DEFAULT_CAP_UNITS = 50_000_000n;
/** Piece lengths --piece-kib allows: BitTorrent's usual 16 KiB block up to 16 MiB, in KiB. */
const MIN_PIECE_KIB = 16;
const MAX_PIECE_KIB = 16_384;

const USAGE = `usage: npm run provide -- [options] <file|folder|magnet|file.torrent> […]

Seeds files and folders in place, joins magnets and .torrent files, and serves browsers (WebRTC) and ordinary
BitTorrent clients (TCP/uTP), earning from Speed requesters. Needs a running Seedpay server (npm start).

options:
  --server <url>       Seedpay server: ledger and WebSocket tracker (default http://127.0.0.1:8080)
  --tracker <url>      another tracker to announce to (http, udp or ws; repeatable)
  --profile <dir>      records, downloaded pieces and the default key file (default ./data/provider)
  --key-file <path>    the wallet's encrypted key file, exported from the app (default <profile>/wallet.json)
  --new-wallet         create the key file if it does not exist
  --port <n>           TCP/uTP port for ordinary clients (default 0: any free port)
  --reserve <units>    lowest price accepted, in base units per KiB (default 1)
  --piece-kib <n>      piece length of the files and folders seeded, in KiB (16..16384, a power of two; default: by size)
  --no-speed           run as a plain BitTorrent peer (no payments)
  --bid                also buy: bid for pieces of the torrents joined and pay per piece (Speed requester)
  --max-price <units>  the highest price bid, in base units per KiB (default: no cap; the bid follows balance)
  --cap <units>        the most spent per torrent, in base units (default ${DEFAULT_CAP_UNITS}: 50 BTT)
  --claim-airdrop      fund the wallet with the ledger's airdrop first (proof of work solved here; once per key)
  --no-webrtc          TCP/uTP only: no browsers (WebSocket trackers are not used)
  --no-utp             no uTP: ordinary clients over TCP only
  --interval <s>       seconds between status lines (default 5)
The key file's password is read from SEEDPAY_PASSWORD, or asked for on the terminal. SEEDPAY_VERBOSE=1 also prints
the peer's info log and every payment event.`;

interface Options {
  server: string;
  trackers: string[];
  profile: string;
  key_file: string;
  new_wallet: boolean;
  port: number;
  reserve: bigint;
  piece_kib: number | null;
  speed: boolean;
  bid: boolean;
  max_price: bigint | null;
  cap: bigint;
  claim_airdrop: boolean;
  webrtc: boolean;
  utp: boolean;
  interval_s: number;
  inputs: string[];
}

export function parseOptions(argv: string[]): Options | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string', default: 'http://127.0.0.1:8080' },
      tracker: { type: 'string', multiple: true, default: [] },
      profile: { type: 'string', default: './data/provider' },
      'key-file': { type: 'string' },
      'new-wallet': { type: 'boolean', default: false },
      port: { type: 'string', default: '0' },
      reserve: { type: 'string', default: '1' },
      'piece-kib': { type: 'string' },
      'no-speed': { type: 'boolean', default: false },
      bid: { type: 'boolean', default: false },
      'max-price': { type: 'string' },
      cap: { type: 'string', default: String(DEFAULT_CAP_UNITS) },
      'claim-airdrop': { type: 'boolean', default: false },
      'no-webrtc': { type: 'boolean', default: false },
      'no-utp': { type: 'boolean', default: false },
      interval: { type: 'string', default: '5' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const server = values.server.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(server)) throw new Error(`--server must be an http(s) origin, not ${values.server}`);
  for (const t of values.tracker) if (!/^(https?|udp|wss?):\/\/[^/]+/.test(t)) throw new Error(`--tracker must be an http, udp or ws URL, not ${t}`);
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new Error('--port must be 0..65535');
  if (!/^\d{1,19}$/.test(values.reserve)) throw new Error('--reserve must be a whole number of base units per KiB');
  const pieceKib = values['piece-kib'] === undefined ? null : Number(values['piece-kib']);
  if (pieceKib !== null && !(Number.isInteger(pieceKib) && pieceKib >= MIN_PIECE_KIB && pieceKib <= MAX_PIECE_KIB && (pieceKib & (pieceKib - 1)) === 0)) {
    throw new Error(`--piece-kib must be a power of two from ${MIN_PIECE_KIB} to ${MAX_PIECE_KIB}`);
  }
  const maxPrice = values['max-price'];
  if (maxPrice !== undefined && !/^\d{1,19}$/.test(maxPrice)) throw new Error('--max-price must be a whole number of base units per KiB');
  if (!/^\d{1,19}$/.test(values.cap)) throw new Error('--cap must be a whole number of base units');
  if (values['no-speed'] && (values.bid || values['claim-airdrop'])) throw new Error('--bid and --claim-airdrop need Speed (drop --no-speed)');
  if (!values.bid && (maxPrice !== undefined || values.cap !== String(DEFAULT_CAP_UNITS))) throw new Error('--max-price and --cap only apply with --bid');
  const interval_s = Number(values.interval);
  if (!Number.isFinite(interval_s) || interval_s < 1) throw new Error('--interval must be at least 1 second');
  if (positionals.length === 0) throw new Error('name at least one file, folder, magnet or .torrent (see --help)');
  const profile = resolve(values.profile);
  return {
    server,
    trackers: values.tracker,
    profile,
    key_file: resolve(values['key-file'] ?? `${profile}/wallet.json`),
    new_wallet: values['new-wallet'],
    port: Number(values.port),
    reserve: BigInt(values.reserve),
    piece_kib: pieceKib,
    speed: !values['no-speed'],
    bid: values.bid,
    max_price: maxPrice === undefined ? null : BigInt(maxPrice),
    cap: BigInt(values.cap),
    claim_airdrop: values['claim-airdrop'],
    webrtc: !values['no-webrtc'],
    utp: !values['no-utp'],
    interval_s,
    inputs: positionals,
  };
}

/** The WebSocket tracker of a Seedpay server: ws(s)://host/announce. */
export function serverTracker(server: string): string {
  return `${server.replace(/^http/, 'ws')}/announce`;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const rate = (bytes_per_s: number) => `${(bytes_per_s / 1024 / 1024).toFixed(2)} MiB/s`;
const btt = (units: bigint) => `${formatBtt(units)} BTT`;

async function password(): Promise<string> {
  const fromEnv = process.env.SEEDPAY_PASSWORD;
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new Error('set SEEDPAY_PASSWORD (no terminal to ask for the key file password on)');
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  // Do not echo the password: readline writes what is typed through _writeToOutput.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  process.stdout.write('key file password: ');
  try {
    return await rl.question('');
  } finally {
    rl.close();
    process.stdout.write('\n');
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o === 'help') return void console.log(USAGE);
  // The module hooks must be in place before anything imports webtorrent (see src/node-peer/runtime/hooks.mjs).
  await import('../node-peer/runtime/register.mjs');
  const { mkdirSync } = await import('node:fs');
  const { openKeyFile } = await import('../node-peer/key-file.ts');
  const { NodePeer } = await import('../node-peer/node-peer.ts');
  mkdirSync(o.profile, { recursive: true });

  const wallet = o.speed ? await openKeyFile(o.key_file, await password(), o.new_wallet) : null;
  if (wallet?.created) console.log(`created a new wallet in ${o.key_file} (encrypted; keep it and its password: they are the backup)`);
  if (wallet && o.claim_airdrop) {
    const [{ claimAirdrop }, { LedgerClient }] = await Promise.all([import('../node-peer/airdrop.ts'), import('../wallet/ledger-client.ts')]);
    console.log('claiming the airdrop (solving its proof of work)…');
    const claim = await claimAirdrop(new LedgerClient({ baseUrl: `${o.server}/ledger` }), wallet.session.paymentKey.signer);
    console.log(claim.kind === 'claimed' ? `airdrop claimed: ${btt(claim.amount_units)}, balance ${btt(claim.balance_units)}` : `airdrop already claimed by this key; balance ${btt(claim.balance_units)}`);
  }
  const peer = await NodePeer.start({
    profile: o.profile,
    ledger_url: o.speed ? `${o.server}/ledger` : null,
    tracker_urls: [serverTracker(o.server), ...o.trackers],
    torrent_port: o.port,
    webrtc: o.webrtc,
    utp: o.utp,
    key: wallet?.session.paymentKey ?? null,
    speed: { reserve_units_per_kib: o.reserve, bidding: o.bid, max_price_units_per_kib: o.max_price, torrent_cap_units: o.cap },
    onEvent: (event) => {
      if (event.type === 'log' && (event.level !== 'info' || process.env.SEEDPAY_VERBOSE)) console.error(`${event.level}: ${event.message}`);
      if (event.type === 'torrent.error') console.error(`torrent ${event.info_hash}: ${event.message}`);
      if (process.env.SEEDPAY_VERBOSE && event.type === 'wallet') console.error(JSON.stringify(event.event, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    },
  });
  console.log(`peer ${peer.peer_id}, TCP/uTP port ${peer.torrent_port}${wallet ? `, payment key ${wallet.session.account.paymentPublicKeyHex} (earnings go to this ledger account)` : ', Speed off'}`);

  for (const input of o.inputs) {
    const info = /^magnet:/i.test(input)
      ? await peer.add({ kind: 'magnet', uri: input }, o.speed)
      : input.endsWith('.torrent')
        ? await peer.add({ kind: 'torrent_file', bytes: new Uint8Array(readFileSync(input)) }, o.speed)
        : await (async () => {
          const path = resolve(input);
          console.log(`hashing ${path} (${mib(statSync(path).isDirectory() ? 0 : statSync(path).size)})…`);
          return peer.seed(path, o.speed, null, o.piece_kib === null ? null : o.piece_kib * 1024);
        })();
    console.log(`${info.name}\n  info hash ${info.info_hash}, ${info.piece_count} pieces of ${info.piece_length / 1024} KiB\n  ${info.magnet_uri}`);
  }

  const timer = setInterval(() => {
    const stamp = new Date().toISOString().slice(11, 19);
    for (const t of peer.list()) {
      const { status } = peer.status(t.info_hash);
      const n = peer.networks(t.info_hash);
      console.log(
        `[${stamp}] ${t.name}: ${(status.progress * 100).toFixed(1)} %, peers ${n.webrtc} WebRTC + ${n.tcp} TCP + ${n.utp} uTP, ` +
        `down ${rate(status.download_speed)} up ${rate(status.upload_speed)}, uploaded ${mib(status.uploaded)}, ` +
        `downloaded ${mib(status.paid_bytes)} paid + ${mib(status.free_bytes)} free, paid ${btt(status.paid_units)}, earned ${btt(status.earned_units)}`,
      );
    }
  }, o.interval_s * 1000);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    console.log('stopping: closing paid channels on the ledger…');
    peer.stop().then(
      (left) => {
        console.log(left === 0 ? 'stopped; every paid channel is closed' : `stopped; ${left} channel(s) not closed yet: the next start closes them`);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}

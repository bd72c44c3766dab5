// The imperative shell `npm run seed` and `npm run provide` share: the key file's password, the wallet, the Node
// peer started on the Seedpay server, torrents added and printed, a status line per torrent, a clean stop on Ctrl-C.
// The Node peer is imported only after its module hooks are registered (see src/node-peer/runtime/hooks.mjs).
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NodePeer, NodePeerOptions } from '../node-peer/node-peer.ts';
import { formatBtt } from '../protocol/money.ts';
import { serverTracker, type PeerOptions } from './peer-options.ts';

/** While hashing, a line this often: hashing reports no progress of its own, and a large file must not look hung. */
const HASHING_TICK_MS = 5000;

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const rate = (bytes_per_s: number) => `${(bytes_per_s / 1024 / 1024).toFixed(2)} MiB/s`;
export const btt = (units: bigint) => `${formatBtt(units)} BTT`;

/** A torrent as the Node peer lists it (the peer's own type; the cli layer reaches the peer through node-peer only). */
type TorrentInfo = ReturnType<NodePeer['list']>[number];

export interface RunOptions extends PeerOptions {
  /** Create the key file when there is none (seed always; provide with --new-wallet). */
  readonly create_wallet: boolean;
  readonly claim_airdrop: boolean;
  /** Speed settings beside the reserve: bidding, price and spend caps, upload limit. */
  readonly speed_settings: NonNullable<NodePeerOptions['speed']>;
  /** Told the wallet's payment key once it is open (seed's storage provider signs with it). */
  readonly onPaymentKey?: (key: NonNullable<NodePeerOptions['key']>) => void;
}

export async function password(): Promise<string> {
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

/** Opens (or creates) the wallet, claims the airdrop if asked, starts the Node peer and prints who it is. */
export async function startPeer(o: RunOptions): Promise<NodePeer> {
  await import('../node-peer/runtime/register.mjs');
  const { mkdirSync } = await import('node:fs');
  const { openKeyFile } = await import('../node-peer/key-file.ts');
  const { NodePeer: Peer } = await import('../node-peer/node-peer.ts');
  mkdirSync(o.profile, { recursive: true });

  const wallet = o.speed ? await openKeyFile(o.key_file, await password(), o.create_wallet) : null;
  if (wallet) o.onPaymentKey?.(wallet.session.paymentKey);
  if (wallet?.created) console.log(`created a new wallet in ${o.key_file} (encrypted; keep it and its password: they are the backup)`);
  if (wallet && o.claim_airdrop) {
    const [{ claimAirdrop }, { LedgerClient }] = await Promise.all([import('../node-peer/airdrop.ts'), import('../wallet/ledger-client.ts')]);
    console.log('claiming the airdrop (solving its proof of work)…');
    const claim = await claimAirdrop(new LedgerClient({ baseUrl: `${o.server}/ledger` }), wallet.session.paymentKey.signer);
    console.log(claim.kind === 'claimed' ? `airdrop claimed: ${btt(claim.amount_units)}, balance ${btt(claim.balance_units)}` : `airdrop already claimed by this key; balance ${btt(claim.balance_units)}`);
  }
  const peer = await Peer.start({
    profile: o.profile,
    ledger_url: o.speed ? `${o.server}/ledger` : null,
    tracker_urls: [serverTracker(o.server), ...o.trackers],
    torrent_port: o.port,
    webrtc: o.webrtc,
    utp: o.utp,
    key: wallet?.session.paymentKey ?? null,
    speed: { ...o.speed_settings, reserve_units_per_kib: o.reserve },
    onEvent: (event) => {
      if (event.type === 'log' && (event.level !== 'info' || process.env.SEEDPAY_VERBOSE)) console.error(`${event.level}: ${event.message}`);
      if (event.type === 'torrent.error') console.error(`torrent ${event.info_hash}: ${event.message}`);
      if (process.env.SEEDPAY_VERBOSE && event.type === 'wallet') console.error(JSON.stringify(event.event, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    },
  });
  console.log(`peer ${peer.peer_id}, TCP/uTP port ${peer.torrent_port}${wallet ? `, payment key ${wallet.session.account.paymentPublicKeyHex} (earnings go to this ledger account)` : ', Speed off'}`);
  return peer;
}

export function printTorrent(info: TorrentInfo): void {
  console.log(`${info.name}\n  info hash ${info.info_hash}, ${info.piece_count} pieces of ${info.piece_length / 1024} KiB\n  ${info.magnet_uri}`);
}

/** Seeds a file or folder in place, saying how long hashing took (and that it is still going, on large files). */
export async function seedPath(peer: NodePeer, path: string, o: RunOptions, what = describe(path)): Promise<TorrentInfo> {
  console.log(`hashing ${what}…`);
  const started = Date.now();
  const ticker = setInterval(() => console.log(`  still hashing, ${Math.round((Date.now() - started) / 1000)} s`), HASHING_TICK_MS);
  try {
    const info = await peer.seed(path, o.speed, null, o.piece_kib === null ? null : o.piece_kib * 1024);
    console.log(`seeding ${info.name} (${mib(info.length)}, ${info.piece_count} pieces, hashed in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return info;
  } finally {
    clearInterval(ticker);
  }
}

function describe(path: string): string {
  const stat = statSync(path);
  return stat.isDirectory() ? path : `${path} (${mib(stat.size)})`;
}

/** A magnet, a .torrent file, or a file or folder to seed in place. */
export function addInput(peer: NodePeer, input: string, o: RunOptions): Promise<TorrentInfo> {
  if (/^magnet:/i.test(input)) return peer.add({ kind: 'magnet', uri: input }, o.speed);
  if (input.endsWith('.torrent')) return peer.add({ kind: 'torrent_file', bytes: new Uint8Array(readFileSync(input)) }, o.speed);
  return seedPath(peer, resolve(input), o);
}

/** One torrent's status line: progress, peers per network, rates, paid and free bytes, spending and earnings. */
export function statusLine(peer: NodePeer, t: TorrentInfo): string {
  const { status } = peer.status(t.info_hash);
  const n = peer.networks(t.info_hash);
  return `${t.name}: ${(status.progress * 100).toFixed(1)} %, peers ${n.webrtc} WebRTC + ${n.tcp} TCP + ${n.utp} uTP, ` +
    `down ${rate(status.download_speed)} up ${rate(status.upload_speed)}, uploaded ${mib(status.uploaded)}, ` +
    `downloaded ${mib(status.paid_bytes)} paid + ${mib(status.free_bytes)} free, paid ${btt(status.paid_units)}, earned ${btt(status.earned_units)}`;
}

export interface RunHooks {
  /** Torrents that print their own lines (earn mode's) and are left out of the general ones. */
  readonly owns?: (info_hash: string) => boolean;
  /** More lines each tick (earn mode's). */
  readonly lines?: () => string[];
  /** Called first on stop (timers of the front end). */
  readonly onStop?: () => void;
}

/** Prints the status every interval until SIGINT/SIGTERM, then stops cleanly: channels paid into are closed first. */
export function runUntilStopped(peer: NodePeer, o: RunOptions, hooks: RunHooks = {}): void {
  const timer = setInterval(() => {
    const stamp = `[${new Date().toISOString().slice(11, 19)}]`;
    for (const t of peer.list()) if (!hooks.owns?.(t.info_hash)) console.log(`${stamp} ${statusLine(peer, t)}`);
    for (const line of hooks.lines?.() ?? []) console.log(`${stamp} ${line}`);
  }, o.interval_s * 1000);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    hooks.onStop?.();
    console.log('stopping: closing paid channels on the ledger…');
    peer.stop().then(
      (left) => {
        const closed = left === 0 ? 'every paid channel is closed' : `${left} channel(s) not closed yet: the next start closes them`;
        console.log(`stopped; ${closed}; run again with the same --profile to resume`);
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

/** Runs a front end's main when its file is the process's entry (not when a test imports its option parser). */
export function runMain(moduleUrl: string, main: () => Promise<void>): void {
  if (!process.argv[1] || resolve(process.argv[1]) !== resolve(new URL(moduleUrl).pathname)) return;
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}

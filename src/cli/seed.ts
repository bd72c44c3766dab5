// `npm run seed -- <file…>`: seeds files from a terminal, as a Seedpay provider that earns for what it uploads. It is
// the Node peer (src/node-peer, shared with `npm run provide` through peer-run.ts): WebRTC to browsers, TCP/uTP to
// ordinary clients, the key from an encrypted key file in the profile, records and downloads in the profile, so a
// restart resumes without re-hashing. With --earn it also follows the demand board (earn.ts): it joins the CDN
// torrents that pay best per byte of its storage budget and drops them when demand fades.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { NodePeer } from '../node-peer/node-peer.ts';
import type { AcceptPolicy } from '../protocol/earn-plan.ts';
import { UNLIMITED_UPLOAD_BYTES_PER_S } from '../services/earn/earn-loop.ts';
import { EarnLoop, type EarnPeer } from './earn.ts';
import { PEER_ENV_USAGE, PEER_FLAGS, PEER_FLAGS_USAGE, peerOptions, type PeerOptions } from './peer-options.ts';
import { mib, printTorrent, runMain, runUntilStopped, seedPath, startPeer, type RunOptions } from './peer-run.ts';
import { badName, seedSource } from './seed-links.ts';
import { STORE_FLAGS, STORE_USAGE, storeSettings, startStoreProvider, type StoreSettings } from './seed-store.ts';

const USAGE = `usage: npm run seed -- [options] <file> [file…]

Seeds the files as one torrent (or resumes what this profile seeded before, with no files) and sells upload to
Speed requesters: browsers over WebRTC, ordinary BitTorrent clients over TCP/uTP. Needs a running Seedpay server
(npm start). Files are seeded in place (several, or one under another --name, through links in <profile>/seeded/).
The profile is a folder: wallet.json (the encrypted key file: made on the first run, or the app's exported one),
peer-node.sqlite (torrents, channels), pieces/ (downloads) and earn.json. A profile of the former Chromium seeder
(a browser profile) is refused: its key cannot leave that browser.

options:
  --profile <dir>      key file, records and downloads (default ./data/seeder)
  --name <name>        torrent name (default: the file's name, or the first file's folder)
${PEER_FLAGS_USAGE}

earn mode (docs/cdn-links.md): serve what the demand board shows is wanted, within a storage budget
  --earn              poll the board, join the CDN torrents that pay best per byte stored, drop faded ones
  --budget <MiB>      storage lent to other people's content (default 1024); your own torrents are never dropped
  --upload-limit <KiB/s>  upload cap over every torrent (default: none)
  --accept-origin <origin>   only content whose web seed is on this origin (repeatable; default: any content)
  --accept-info-hash <hex>   and/or only these torrents (repeatable)
  --poll <s>          seconds between board reads (default 10)

${STORE_USAGE}
${PEER_ENV_USAGE}`;

export interface SeedOptions extends PeerOptions {
  name: string | null;
  files: string[];
  earn: EarnSettings | null;
  store: StoreSettings | null;
}

export interface EarnSettings {
  budget_bytes: number;
  /** The planner's figure (UNLIMITED_UPLOAD_BYTES_PER_S without a limit) and the peer's throttle (null: none). */
  upload_limit_bytes_per_s: number;
  speed_upload_limit_bytes_per_s: number | null;
  accept: AcceptPolicy;
  poll_s: number;
}

export function parseOptions(argv: string[]): SeedOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...PEER_FLAGS,
      profile: { type: 'string', default: './data/seeder' },
      name: { type: 'string' },
      earn: { type: 'boolean', default: false },
      budget: { type: 'string', default: '1024' },
      'upload-limit': { type: 'string' },
      'accept-origin': { type: 'string', multiple: true, default: [] as string[] },
      'accept-info-hash': { type: 'string', multiple: true, default: [] as string[] },
      poll: { type: 'string', default: '10' },
      ...STORE_FLAGS,
    },
  });
  if (values.help) return 'help';
  const common = peerOptions(values);
  const problem = values.name === undefined ? null : badName(values.name);
  if (problem) throw new Error(problem);
  if (values.earn && !common.speed) throw new Error('--earn needs Speed (drop --no-speed): earn mode is paid');
  if (values.name !== undefined && positionals.length === 0) throw new Error('--name names the files seeded: name files too');
  const store = storeSettings(values);
  if (store && !common.speed) throw new Error('--store needs Speed (drop --no-speed): storage is paid');
  return { ...common, name: values.name ?? null, files: positionals.map((file) => resolve(file)), earn: values.earn ? earnSettings(values) : null, store };
}

function earnSettings(values: { budget: string; 'upload-limit'?: string | undefined; 'accept-origin': string[]; 'accept-info-hash': string[]; poll: string }): EarnSettings {
  const budget_mib = Number(values.budget);
  if (!Number.isFinite(budget_mib) || budget_mib <= 0) throw new Error('--budget must be a positive number of MiB');
  const limit_kib = values['upload-limit'] === undefined ? null : Number(values['upload-limit']);
  if (limit_kib !== null && (!Number.isFinite(limit_kib) || limit_kib <= 0)) throw new Error('--upload-limit must be a positive number of KiB/s');
  const poll_s = Number(values.poll);
  if (!Number.isFinite(poll_s) || poll_s < 1) throw new Error('--poll must be at least 1 second');
  const origins = values['accept-origin'].map((o) => {
    const url = URL.canParse(o) ? new URL(o) : null;
    if (url?.protocol !== 'http:' && url?.protocol !== 'https:') throw new Error(`--accept-origin must be an http(s) origin: ${o}`);
    return url.origin;
  });
  const info_hashes = values['accept-info-hash'].map((h) => h.toLowerCase());
  if (info_hashes.some((h) => !/^[0-9a-f]{40}$/.test(h))) throw new Error('--accept-info-hash takes 40 hex digits');
  const accept: AcceptPolicy = origins.length + info_hashes.length === 0 ? { kind: 'any' } : { kind: 'listed', origins, info_hashes };
  const limit_bytes_per_s = limit_kib === null ? null : Math.floor(limit_kib * 1024);
  return {
    budget_bytes: Math.floor(budget_mib * 1024 * 1024),
    upload_limit_bytes_per_s: limit_bytes_per_s ?? UNLIMITED_UPLOAD_BYTES_PER_S,
    speed_upload_limit_bytes_per_s: limit_bytes_per_s,
    accept,
    poll_s,
  };
}

/** Earn mode's four calls on the Node peer: joins are paid and rarest first, drops delete what was downloaded. */
function earnPeer(peer: NodePeer): EarnPeer {
  return {
    list: () => peer.list(),
    join: async (magnet, timeout_ms) => void (await peer.add({ kind: 'magnet', uri: magnet }, true, 'rarest_first', timeout_ms)),
    status: (info_hash) => (peer.list().some((t) => t.info_hash === info_hash) ? peer.status(info_hash).status : null),
    remove: (info_hash) => peer.remove(info_hash, true),
  };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  if (o === 'help') return void console.log(USAGE);
  // A browser profile (Chromium's "Local State" file) holds a key that cannot be exported: refuse rather than start
  // a second account beside it.
  if (existsSync(join(o.profile, 'Local State'))) {
    throw new Error(`${o.profile} is a browser profile of the former Chromium seeder; its key cannot leave that browser. Use another --profile.`);
  }
  // In earn mode the peer only sells: it fetches what it serves from the web seed and peers without bidding, so its
  // own downloads put no demand on the board. A seeder never bids.
  const opened: { key: Parameters<NonNullable<RunOptions['onPaymentKey']>>[0] | null } = { key: null };
  const run: RunOptions = {
    ...o,
    onPaymentKey: (key) => (opened.key = key),
    create_wallet: true,
    claim_airdrop: false,
    speed_settings: { bidding: false, upload_limit_bytes_per_s: o.earn?.speed_upload_limit_bytes_per_s ?? null },
  };
  const peer = await startPeer(run);
  if (o.files.length > 0) {
    const total = o.files.reduce((sum, file) => sum + statSync(file).size, 0);
    const source = seedSource(o.profile, o.files, o.name);
    await seedPath(peer, source.path, run, `${o.files.length} file(s), ${mib(total)}`).catch((error: unknown) => {
      source.cleanup();
      throw error;
    });
  }
  const storage = o.store && opened.key ? await startStoreProvider(o, o.store, opened.key.signer) : null;
  const torrents = peer.list();
  if (torrents.length === 0 && !o.earn && !storage) throw new Error('nothing to seed: name files, or use a profile that seeded before');
  for (const t of torrents) printTorrent(t);
  if (!o.earn) return runUntilStopped(peer, run, storage ? { lines: storage.lines, onStop: () => void storage.close() } : {});

  const e = o.earn;
  const loop = new EarnLoop(earnPeer(peer), { ...e, server: o.server, profile: o.profile }, (line) => console.log(line));
  const policy = e.accept.kind === 'any' ? 'any content' : `only ${[...e.accept.origins, ...e.accept.info_hashes].join(', ')}`;
  console.log(`earn mode: budget ${mib(e.budget_bytes)}, ${policy}, board read every ${e.poll_s} s`);
  void loop.tick();
  const poll = setInterval(() => void loop.tick(), e.poll_s * 1000);
  runUntilStopped(peer, run, {
    owns: (h) => loop.has(h),
    lines: () => [...loop.status(), ...(storage?.lines() ?? [])],
    onStop: () => {
      clearInterval(poll);
      void storage?.close();
    },
  });
}

runMain(import.meta.url, main);

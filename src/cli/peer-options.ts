// The options `npm run seed` and `npm run provide` share: one Node peer with two front ends (seed.ts, provide.ts),
// so the server, key file, networks, price and status flags are parsed and checked once, here. No I/O.
import { resolve } from 'node:path';

/** Piece lengths --piece-kib allows: BitTorrent's usual 16 KiB block up to 16 MiB, in KiB. */
const MIN_PIECE_KIB = 16;
const MAX_PIECE_KIB = 16_384;

/** parseArgs' table of the shared flags (each front end adds its own and --profile with its default). */
export const PEER_FLAGS = {
  server: { type: 'string', default: 'http://127.0.0.1:8080' },
  tracker: { type: 'string', multiple: true, default: [] as string[] },
  'key-file': { type: 'string' },
  port: { type: 'string', default: '0' },
  reserve: { type: 'string', default: '1' },
  'piece-kib': { type: 'string' },
  'no-speed': { type: 'boolean', default: false },
  'no-webrtc': { type: 'boolean', default: false },
  'no-utp': { type: 'boolean', default: false },
  interval: { type: 'string', default: '5' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** The shared flags' lines of both usage texts. */
export const PEER_FLAGS_USAGE = `  --server <url>       Seedpay server: ledger and WebSocket tracker (default http://127.0.0.1:8080)
  --tracker <url>      another tracker to announce to (http, udp or ws; repeatable)
  --key-file <path>    the wallet's encrypted key file, exported from the app (default <profile>/wallet.json)
  --port <n>           TCP/uTP port for ordinary clients (default 0: any free port)
  --reserve <units>    lowest price accepted, in base units per KiB (default 1)
  --piece-kib <n>      piece length of the files and folders seeded, in KiB (16..16384, a power of two; default: by size)
  --no-speed           run as a plain BitTorrent peer (no payments, no key file)
  --no-webrtc          TCP/uTP only: no browsers (WebSocket trackers are not used)
  --no-utp             no uTP: ordinary clients over TCP only
  --interval <s>       seconds between status lines (default 5)`;

/** What the key file's password and the verbose switch come from (both front ends). */
export const PEER_ENV_USAGE = `The key file's password is read from SEEDPAY_PASSWORD, or asked for on the terminal. SEEDPAY_VERBOSE=1 also prints
the peer's info log and every payment event.`;

export interface PeerFlagValues {
  server: string;
  tracker: string[];
  profile: string;
  'key-file'?: string | undefined;
  port: string;
  reserve: string;
  'piece-kib'?: string | undefined;
  'no-speed': boolean;
  'no-webrtc': boolean;
  'no-utp': boolean;
  interval: string;
}

export interface PeerOptions {
  server: string;
  trackers: string[];
  /** Folder of the peer's records (SQLite), downloaded pieces and, by default, its key file. */
  profile: string;
  key_file: string;
  port: number;
  reserve: bigint;
  piece_kib: number | null;
  speed: boolean;
  webrtc: boolean;
  utp: boolean;
  interval_s: number;
}

/** Checks the shared flags; throws with the flag's name on bad input. */
export function peerOptions(values: PeerFlagValues): PeerOptions {
  const server = values.server.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(server)) throw new Error(`--server must be an http(s) origin, not ${values.server}`);
  for (const t of values.tracker) if (!/^(https?|udp|wss?):\/\/[^/]+/.test(t)) throw new Error(`--tracker must be an http, udp or ws URL, not ${t}`);
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new Error('--port must be 0..65535');
  if (!/^\d{1,19}$/.test(values.reserve)) throw new Error('--reserve must be a whole number of base units per KiB');
  const pieceKib = values['piece-kib'] === undefined ? null : Number(values['piece-kib']);
  if (pieceKib !== null && !(Number.isInteger(pieceKib) && pieceKib >= MIN_PIECE_KIB && pieceKib <= MAX_PIECE_KIB && (pieceKib & (pieceKib - 1)) === 0)) {
    throw new Error(`--piece-kib must be a power of two from ${MIN_PIECE_KIB} to ${MAX_PIECE_KIB}`);
  }
  const interval_s = Number(values.interval);
  if (!Number.isFinite(interval_s) || interval_s < 1) throw new Error('--interval must be at least 1 second');
  const profile = resolve(values.profile);
  return {
    server,
    trackers: values.tracker,
    profile,
    key_file: resolve(values['key-file'] ?? `${profile}/wallet.json`),
    port: Number(values.port),
    reserve: BigInt(values.reserve),
    piece_kib: pieceKib,
    speed: !values['no-speed'],
    webrtc: !values['no-webrtc'],
    utp: !values['no-utp'],
    interval_s,
  };
}

/** The WebSocket tracker of a Seedpay server: ws(s)://host/announce. */
export function serverTracker(server: string): string {
  return `${server.replace(/^http/, 'ws')}/announce`;
}

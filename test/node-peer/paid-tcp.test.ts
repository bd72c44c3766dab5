// Two Node providers with Speed on exchange a paid download over TCP (issue 19), as a terminal user runs them: two
// `npm run provide` processes against `npm start`'s own server (real ledger) on loopback. A seeds with a reserve price;
// B funds itself with the airdrop, bids with a price cap and a spend cap, and downloads from A over TCP alone (WebRTC
// and uTP off on both; B finds A through the magnet's x.pe peer address), paying per piece.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAirdrop } from '../../src/node-peer/airdrop.ts';
import { createNobleSigner } from '../../src/protocol/ed25519.ts';
import { formatBtt } from '../../src/protocol/money.ts';
import { startServer, type RunningServer } from '../../src/server/main.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import { Children, providerKeyOf, spawnProvider, type Spawned } from '../e2e/process-helpers.ts';

const FILE_BYTES = 2 * 1024 * 1024;
const RESERVE_UNITS_PER_KIB = 50n;
const MAX_PRICE_UNITS_PER_KIB = 80n;
/** B's spend cap for the torrent: above the file's price at the reserve (2,048 KiB × 50 = 102,400) and at its bid cap
 * (2,048 × 80 = 163,840), so the download completes paid; the test checks B's total against it all the same. */
const CAP_UNITS = 200_000n;
const AIRDROP_UNITS = 100_000_000n;

let server: RunningServer;
let dir: string;
const children = new Children();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seedpay-node-tcp-'));
  mkdirSync(join(dir, 'static'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), staticDir: join(dir, 'static') });
});

afterAll(async () => {
  children.stopAll();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, read: () => T | null | undefined, timeout_ms: number, out: () => string): Promise<T> {
  const end = Date.now() + timeout_ms;
  for (;;) {
    const value = read();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output:\n${out().slice(-4000)}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** The wallet events a provider prints with SEEDPAY_VERBOSE=1 (one JSON object a line). */
function walletEvents(p: Spawned, kind: string): Record<string, string>[] {
  return p
    .out()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, string>)
    .filter((e) => e.kind === kind);
}

async function account(key: string): Promise<{ balance_units: bigint; escrow_units: bigint }> {
  const json = (await (await fetch(`${server.url}/ledger/accounts/${key}`)).json()) as { balance_units: string; escrow_units: string };
  return { balance_units: BigInt(json.balance_units), escrow_units: BigInt(json.escrow_units) };
}

const tcpOnly = ['--no-webrtc', '--no-utp'];
const verbose = { ...process.env, SEEDPAY_VERBOSE: '1' };

/** A seeds `bytes` random bytes as `name` with a reserve; B joins from the magnet plus A's address, with `bArgs`. */
async function pair(name: string, bytes: number, bArgs: string[]) {
  const content = randomBytes(bytes);
  const file = join(dir, name);
  writeFileSync(file, content);
  const a = spawnProvider(children, server.url, join(dir, `a-${name}`), 'provider a', ['--reserve', String(RESERVE_UNITS_PER_KIB), ...tcpOnly, file], verbose);
  const magnet = await until('A to seed', () => /magnet:\?\S+/.exec(a.out())?.[0], 60_000, a.out);
  const port = Number(/TCP\/uTP port (\d+)/.exec(a.out())?.[1]);
  const pieceKib = BigInt(/pieces of (\d+) KiB/.exec(a.out())?.[1] ?? 'NaN');
  const b = spawnProvider(children, server.url, join(dir, `b-${name}`), 'provider b', [...bArgs, '--claim-airdrop', ...tcpOnly, `${magnet}&x.pe=127.0.0.1:${port}`], verbose);
  return { content, a, b, pieceKib, aKey: providerKeyOf(a) };
}

/** What B signed: per channel its highest state, summed. */
function signedTotal(b: Spawned): bigint {
  const highest = new Map<string, bigint>();
  for (const e of walletEvents(b, 'payment_sent')) {
    const amount = BigInt(e.amount_units!);
    if (amount > (highest.get(e.channel_id!) ?? 0n)) highest.set(e.channel_id!, amount);
  }
  return [...highest.values()].reduce((x, y) => x + y, 0n);
}

/**
 * A's Ctrl-C closes the channels: A's balance is exactly what B signed, and B was charged exactly that, no escrow
 * left. Returns that sum (read again once A has stopped: B can sign nothing more then).
 */
async function expectSettled(a: Spawned, aKey: string, b: Spawned): Promise<bigint> {
  await until('A to count every payment', () => ([...a.out().matchAll(/earned ([\d.,]+) BTT/g)].at(-1)?.[1] === formatBtt(signedTotal(b)) ? true : null), 30_000, a.out);
  a.child.kill('SIGINT');
  expect(await a.exited).toBe(0);
  expect(a.out()).toContain('every paid channel is closed');
  const signed = signedTotal(b);
  expect((await account(aKey)).balance_units).toBe(signed);
  expect(await account(providerKeyOf(b))).toEqual({ balance_units: AIRDROP_UNITS - signed, escrow_units: 0n });
  b.child.kill('SIGINT');
  expect(await b.exited).toBe(0);
  return signed;
}

describe('two Node providers with Speed, over TCP', () => {
  it('B buys a file from A per piece over TCP: intact, A earns exactly what B signed, B pays within its bid and cap', async () => {
    const { content, a, b, pieceKib, aKey } = await pair('tcp-paid.bin', FILE_BYTES, ['--bid', '--max-price', String(MAX_PRICE_UNITS_PER_KIB), '--cap', String(CAP_UNITS)]);
    await until('B to finish', () => (/100\.0 %/.test(b.out()) ? true : null), 90_000, b.out);
    expect(b.out()).toContain(`airdrop claimed: 100 BTT`);
    expect(providerKeyOf(b)).toMatch(/^[0-9a-f]{64}$/);
    const got = readFileSync(join(dir, 'b-tcp-paid.bin', 'pieces', 'node', 'tcp-paid.bin'));
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));

    // Over TCP only: B's status line counts its one peer (A) on TCP, none on WebRTC or uTP.
    expect(b.out()).toMatch(/peers 0 WebRTC \+ 1 TCP \+ 0 uTP/);
    expect(b.out()).not.toMatch(/peers [1-9]\d* WebRTC|\+ [1-9]\d* uTP/);

    // What B signed (its own payment_sent states); every channel to A.
    const sent = walletEvents(b, 'payment_sent');
    expect(sent.length).toBeGreaterThan(0);
    expect(b.out()).toMatch(/downloaded [1-9][\d.]* MiB paid/);
    expect(walletEvents(b, 'channel_opened').every((e) => e.payee === aKey)).toBe(true);
    const signed = signedTotal(b);
    // Within its bid: each piece's payment is at most the price cap × the piece's KiB (A's reserve is below the cap,
    // so the uniform price of a lone bidder is the reserve); within its cap: the whole is at most --cap.
    for (const e of sent) expect(BigInt(e.delta_units!)).toBeLessThanOrEqual(MAX_PRICE_UNITS_PER_KIB * pieceKib);
    expect(sent.every((e) => BigInt(e.delta_units!) <= RESERVE_UNITS_PER_KIB * pieceKib)).toBe(true);
    expect(signed).toBeLessThanOrEqual(CAP_UNITS);
    expect(await expectSettled(a, aKey, b)).toBe(signed);
  }, 150_000);

  it('a cap that binds: B stops paying at its cap, and the ledger charges it what it signed, which is within the cap', async () => {
    // 1 MiB at the reserve is 1,024 KiB × 50 = 51,200 units; the cap covers under half of it.
    const cap = 20_000n;
    const { a, b, aKey } = await pair('tcp-capped.bin', 1024 * 1024, ['--bid', '--cap', String(cap)]);
    await until('B to stop at its cap', () => (/stopped paying \S+: torrent_cap/.test(b.out()) ? true : null), 90_000, b.out);
    expect(signedTotal(b)).toBeGreaterThan(0n);
    // Whatever B signed by the time A stops (a later session may add to it) is what it was charged, and within the cap.
    expect(await expectSettled(a, aKey, b)).toBeLessThanOrEqual(cap);
  }, 150_000);

  it('the airdrop a terminal wallet claims: credited once; a second claim says so and changes nothing', async () => {
    const ledger = new LedgerClient({ baseUrl: `${server.url}/ledger` });
    const signer = createNobleSigner(new Uint8Array(32).fill(7));
    const first = await claimAirdrop(ledger, signer);
    expect(first).toMatchObject({ kind: 'claimed', amount_units: AIRDROP_UNITS, balance_units: AIRDROP_UNITS });
    expect(await claimAirdrop(ledger, signer)).toEqual({ kind: 'already_claimed', balance_units: AIRDROP_UNITS });
  });
});

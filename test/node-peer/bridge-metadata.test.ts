// The bridge's magnet race: a peer that reaches the bridge (`npm run provide -- <magnet>`) while the bridge is still
// fetching the metadata from its TCP source must still get the torrent from it. A plain WebTorrent client D connects
// to the bridge B before B's source A is even up; then A starts, B gets the metadata from A over TCP, offers it to D
// again (a repeated BEP 10 handshake, now with metadata_size), and D downloads the file from B, intact. Without the
// repeat D's ut_metadata never asks again and it waits forever (the browser in the bridge bench did).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeWebTorrentClient } from '../../src/node-peer/webtorrent-node.ts';
import { Children, freePort, spawnProvider } from '../e2e/process-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'seedpay-bridge-metadata-'));
const children = new Children();
const clients: NodeWebTorrentClient[] = [];
let NodeWebTorrent: typeof import('../../src/node-peer/webtorrent-node.ts').NodeWebTorrent;

beforeAll(async () => {
  await import('../../src/node-peer/runtime/register.mjs');
  ({ NodeWebTorrent } = await import('../../src/node-peer/webtorrent-node.ts'));
});

afterAll(async () => {
  children.stopAll();
  await Promise.all(clients.map((c) => new Promise<void>((done) => c.destroy(() => done()))));
  rmSync(dir, { recursive: true, force: true });
});

/** A plain TCP-only client: no trackers, DHT, LSD, PEX or uTP; peers come from a magnet's x.pe only. */
function plainClient(torrentPort = 0): NodeWebTorrentClient {
  const client = new NodeWebTorrent({ tracker: false, dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, utp: false, torrentPort });
  clients.push(client);
  return client;
}

async function until(what: string, test: () => boolean, timeout_ms: number, out = () => ''): Promise<void> {
  const end = Date.now() + timeout_ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${out().slice(-3000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('the bridge and a magnet it has no metadata for yet', () => {
  it('a peer that connected before the bridge had the metadata gets it, and the file, once the bridge has it', async () => {
    const content = randomBytes(1024 * 1024);
    const file = join(dir, 'late-metadata.bin');
    writeFileSync(file, content);
    const seedOptions = { pieceLength: 64 * 1024, announce: [] as string[] };
    // The magnet first (a throwaway seeding of the same file: same name, pieces and so info hash as A's later).
    const probe = plainClient();
    const magnet = await new Promise<string>((done) => probe.seed(file, seedOptions, (t) => done(`magnet:?xt=urn:btih:${t.infoHash}&dn=late-metadata.bin`)));
    const [portA, portB] = [await freePort(), await freePort()];

    // B, the bridge: Speed off (no ledger needed), TCP only, told where A will be.
    const b = spawnProvider(children, 'http://127.0.0.1:9', join(dir, 'b'), 'bridge metadata 1', ['--no-speed', '--no-webrtc', '--no-utp', '--port', String(portB), `${magnet}&x.pe=127.0.0.1:${portA}`]);
    await until('B to listen', () => /TCP\/uTP port \d+/.test(b.out()), 60_000, b.out);

    // D reaches B while neither has the metadata.
    const d = plainClient();
    const dTorrent = d.add(`${magnet}&x.pe=127.0.0.1:${portB}`, { path: join(dir, 'd') });
    await until('D to handshake with B', () => dTorrent.wires.some((w) => w.peerExtendedHandshake && Object.keys(w.peerExtendedHandshake).length > 0), 20_000, b.out);
    expect(dTorrent.wires.every((w) => w.peerExtendedHandshake.metadata_size === undefined)).toBe(true);

    // Now A comes up; B's retry reaches it over TCP.
    const a = plainClient(portA);
    await new Promise<void>((done) => a.seed(file, seedOptions, () => done()));
    await until('B to have the metadata', () => /info hash [0-9a-f]{40}/.test(b.out()), 30_000, b.out);
    await until('D to finish', () => dTorrent.done, 30_000, b.out);
    expect(createHash('sha256').update(readFileSync(join(dir, 'd', 'late-metadata.bin'))).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    // Everything D has came from B: D knows no other peer.
    expect(dTorrent.wires.map((w) => `${w.remotePort}`)).toEqual([`${portB}`]);
  }, 120_000);
});

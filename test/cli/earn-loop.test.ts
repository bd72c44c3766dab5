// Earn mode's loop (src/cli/earn.ts) against a board and a catalogue served over loopback HTTP, driving a recording
// EarnPeer (the interface the Node peer implements in seed.ts; the real peer is covered by test/e2e/cdn-earn.spec.ts):
// it joins what the board shows is wanted, prints its lines, keeps the user's own torrents, retries a failed join
// with nothing left behind, drops a torrent whose demand faded past the grace period, and survives a broken board.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EarnLoop, type EarnPeer, type EarnStatus } from '../../src/cli/earn.ts';
import type { TorrentDemand } from '../../src/protocol/demand-summary.ts';
import { FADE_GRACE_MS } from '../../src/protocol/earn-plan.ts';

const MiB = 1024 * 1024;
const WANTED = 'a'.repeat(40);
const OWN = 'b'.repeat(40);
const NOW = 1_800_000_000_000;

const demand = (info_hash: string, units: bigint): TorrentDemand => ({
  info_hash, bidders: 1, funded_bidders: 1, seeders: 0, leechers: 1, wanted_bytes: String(4 * MiB),
  price_units_per_kib: { min: '100', p25: '100', p50: '100', p75: '100', max: '100' },
  demand_units: String(units), expected_units_per_provider: String(units), weighed_by_balance: true,
});

/** What the loopback server answers: the board's torrents, or a status code for a broken board. */
const served: { board: TorrentDemand[] | number } = { board: [] };
let server: Server;
let base = '';
const dir = mkdtempSync(join(tmpdir(), 'seedpay-earn-loop-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/board') return typeof served.board === 'number' ? send(served.board, {}) : send(200, { torrents: served.board });
    if (req.url === `/cdn/${WANTED}`) {
      return send(200, { info_hash: WANTED, name: 'show.bin', length_bytes: 4 * MiB, web_seeds: ['http://127.0.0.1:9/show.bin'], magnet: `magnet:?xt=urn:btih:${WANTED}` });
    }
    send(404, { error: 'unknown' });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

/** A peer holding `OWN`, recording what the loop asks of it; joins fail while `failJoins` is set. */
class RecordingPeer implements EarnPeer {
  readonly held = new Map<string, EarnStatus & { length: number }>([[OWN, { length: MiB, progress: 1, num_peers: 0, uploaded: 0, earned_units: 0n }]]);
  readonly calls: string[] = [];
  failJoins = false;

  list() {
    return [...this.held].map(([info_hash, t]) => ({ info_hash, length: t.length }));
  }

  join(magnet: string, timeout_ms: number): Promise<void> {
    this.calls.push(`join ${magnet} ${timeout_ms}`);
    if (this.failJoins) return Promise.reject(new Error('no metadata in time'));
    this.held.set(WANTED, { length: 4 * MiB, progress: 0.5, num_peers: 2, uploaded: 3 * MiB, earned_units: 1_500_000n });
    return Promise.resolve();
  }

  status(info_hash: string): EarnStatus | null {
    return this.held.get(info_hash) ?? null;
  }

  remove(info_hash: string): Promise<void> {
    this.calls.push(`remove ${info_hash}`);
    this.held.delete(info_hash);
    return Promise.resolve();
  }
}

function loop(peer: EarnPeer, profile: string, server_url = base) {
  const lines: string[] = [];
  const earn = new EarnLoop(peer, { server: server_url, profile, budget_bytes: 64 * MiB, upload_limit_bytes_per_s: 100 * MiB, accept: { kind: 'any' }, poll_s: 1 },
    (line) => lines.push(line));
  return { earn, lines };
}

describe('earn loop', () => {
  it('joins what the board wants, keeps the user\'s own torrent, drops a faded one after the grace period', async () => {
    const profile = mkdtempSync(join(dir, 'p-'));
    const peer = new RecordingPeer();
    const { earn, lines } = loop(peer, profile);
    served.board = [demand(WANTED, 5_000_000n), demand(OWN, 5_000_000n)];
    await earn.tick(NOW);
    expect(peer.calls).toEqual([`join magnet:?xt=urn:btih:${WANTED} 60000`]);
    expect(lines).toEqual([expect.stringMatching(/^earn: join show\.bin \(aaaaaaaaaaaa\): median bid 100 units\/KiB/)]);
    expect(earn.has(WANTED)).toBe(true);
    expect(earn.has(OWN)).toBe(false);
    expect(earn.status()).toEqual(['earn show.bin: 50 %, 2 peer(s), uploaded 3.0 MiB, earned 1.5 BTT (estimated 5 BTT)']);
    expect(Object.keys(JSON.parse(readFileSync(join(profile, 'earn.json'), 'utf8')) as object)).toEqual([WANTED]);
    // A restart knows from the profile which torrents earn mode joined.
    expect(loop(new RecordingPeer(), profile).earn.has(WANTED)).toBe(true);

    // The demand goes away: kept through the grace period, then dropped with what it earned. The own torrent stays.
    served.board = [];
    await earn.tick(NOW + FADE_GRACE_MS - 1);
    expect(peer.calls).toHaveLength(1);
    await earn.tick(NOW + FADE_GRACE_MS + 1);
    expect(peer.calls.slice(1)).toEqual([`remove ${WANTED}`]);
    expect(lines.at(-1)).toBe('earn: drop show.bin (aaaaaaaaaaaa): demand_faded; it earned 1.5 BTT, uploaded 3.0 MiB');
    expect(earn.has(WANTED)).toBe(false);
    expect(peer.list().map((t) => t.info_hash)).toEqual([OWN]);
    expect(earn.status()).toEqual([]);
    expect(loop(new RecordingPeer(), profile).earn.has(WANTED)).toBe(false);
  });

  it('a failed join leaves nothing behind and is tried again on the next poll', async () => {
    const peer = new RecordingPeer();
    peer.failJoins = true;
    const { earn, lines } = loop(peer, mkdtempSync(join(dir, 'p-')));
    served.board = [demand(WANTED, 5_000_000n)];
    await earn.tick(NOW);
    expect(lines.at(-1)).toBe('earn: could not join show.bin: no metadata in time');
    expect(peer.calls.slice(1)).toEqual([`remove ${WANTED}`]);
    expect(earn.has(WANTED)).toBe(false);
    peer.failJoins = false;
    await earn.tick(NOW + 1000);
    expect(earn.has(WANTED)).toBe(true);
  });

  it('a broken or unreachable board changes nothing', async () => {
    const peer = new RecordingPeer();
    const broken = loop(peer, mkdtempSync(join(dir, 'p-')));
    served.board = 500;
    await broken.earn.tick(NOW);
    const gone = loop(peer, mkdtempSync(join(dir, 'p-')), 'http://127.0.0.1:9');
    await gone.earn.tick(NOW);
    expect(gone.lines).toEqual([expect.stringMatching(/^earn: poll failed: /)]);
    expect(peer.calls).toEqual([]);
    expect(peer.list().map((t) => t.info_hash)).toEqual([OWN]);
  });
});

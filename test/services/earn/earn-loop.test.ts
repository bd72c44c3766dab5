// Earn mode's shared loop (src/services/earn/earn-loop.ts) against `npm start`'s real server on loopback: real signed
// bids announced over the real tracker reach the real /board, CDN torrents are registered in the real catalogue. A
// recording EarnPeer stands for the peer (the app's and the Node peer's are covered by cdn-app-earn and cdn-earn
// specs). It says why it joined nothing (empty board, unknown content, unfunded, not accepted, over budget, all
// held, board unreachable), joins what pays with the catalogue's magnet and says why, saves what it joined through
// its port, and after a restart drops only what it joined, never the user's own torrent.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCdnTorrent, cdnPieceLength, pieceHashes } from '../../../src/protocol/cdn-torrent.ts';
import { DEMAND_BID_FIELD, demandBidToField, signDemandBid } from '../../../src/protocol/demand-bid.ts';
import { createNobleSigner, type Signer } from '../../../src/protocol/ed25519.ts';
import type { AcceptPolicy } from '../../../src/protocol/earn-plan.ts';
import { claimAirdrop } from '../../../src/node-peer/airdrop.ts';
import { EarnLoop, type EarnPeer, type EarnStatus, type JoinedRecord } from '../../../src/services/earn/earn-loop.ts';
import { startServer, type RunningServer } from '../../../src/server/main.ts';
import { hexToBinary } from '../../../src/tracker/wire.ts';
import { LedgerClient } from '../../../src/wallet/ledger-client.ts';
import { WsPeer, randomHex20 } from '../../tracker/helpers/ws-peer.ts';

const MiB = 1024 * 1024;
const WEB_SEED_ORIGIN = 'http://127.0.0.1:9';

let server: RunningServer;
let dir: string;
let rich: Signer;
const peers: WsPeer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seedpay-earn-loop-'));
  mkdirSync(join(dir, 'static'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), staticDir: join(dir, 'static') });
  // One bidder with ledger funds (the real airdrop, proof of work solved here).
  rich = createNobleSigner(new Uint8Array(32).fill(77));
  await claimAirdrop(new LedgerClient({ baseUrl: `${server.url}/ledger` }), rich);
}, 60_000);

afterAll(async () => {
  for (const p of peers) p.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A CDN torrent of `length` random bytes registered in the server's catalogue; returns its info hash and magnet. */
async function register(name: string, length: number): Promise<{ info_hash: string; magnet: string }> {
  const piece_length = cdnPieceLength(length);
  const t = buildCdnTorrent({
    name, length_bytes: length, piece_length, pieces: pieceHashes(randomBytes(length), piece_length),
    web_seed: `${WEB_SEED_ORIGIN}/${name}`, announce: `${server.url.replace('http', 'ws')}/announce`,
  });
  const r = await fetch(`${server.url}/cdn`, { method: 'POST', body: Buffer.from(t.torrent_file), headers: { 'Content-Type': 'application/x-bittorrent' } });
  expect(r.status).toBe(201);
  return (await r.json()) as { info_hash: string; magnet: string };
}

/** Announces a signed demand bid over the real tracker and waits until the board shows it. */
async function bid(signer: Signer, info_hash: string, funded: boolean): Promise<void> {
  const peer = await WsPeer.open(`${server.url.replace('http', 'ws')}/announce`);
  peers.push(peer);
  const issued_at_ms = Date.now();
  const field = demandBidToField(await signDemandBid(signer, {
    info_hash: info_hash as never, price_units_per_kib: 10n, wanted_bytes: 4n * BigInt(MiB), issued_at_ms, expires_at_ms: issued_at_ms + 600_000,
  }));
  peer.send({
    action: 'announce', event: 'started', info_hash: hexToBinary(info_hash), peer_id: hexToBinary(peer.peer_id),
    uploaded: 0, downloaded: 0, left: 1000, numwant: 0, [DEMAND_BID_FIELD]: field,
  });
  for (const until = Date.now() + 5_000; ;) {
    const board = (await (await fetch(`${server.url}/board`)).json()) as { torrents: { info_hash: string; funded_bidders: number }[] };
    const row = board.torrents.find((t) => t.info_hash === info_hash);
    if (row && row.funded_bidders === (funded ? 1 : 0)) return;
    if (Date.now() > until) throw new Error(`bid on ${info_hash} not on the board`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A peer holding the user's own torrents, recording what the loop asks of it. */
class RecordingPeer implements EarnPeer {
  readonly held = new Map<string, EarnStatus & { length: number }>();
  readonly calls: string[] = [];

  constructor(own: Record<string, number> = {}) {
    for (const [h, length] of Object.entries(own)) this.held.set(h, { length, progress: 1, num_peers: 0, uploaded: 0, earned_units: 0n });
  }

  list() {
    return [...this.held].map(([info_hash, t]) => ({ info_hash, length: t.length }));
  }

  join(magnet: string): Promise<void> {
    this.calls.push(`join ${magnet}`);
    const h = /btih:([0-9a-f]{40})/.exec(magnet)?.[1] ?? '';
    this.held.set(h, { length: 4 * MiB, progress: 0.25, num_peers: 1, uploaded: MiB, earned_units: 7n });
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

function loop(peer: EarnPeer, o: { budget_mib?: number; accept?: AcceptPolicy; joined?: JoinedRecord; server?: string } = {}) {
  const saved: JoinedRecord[] = [];
  const lines: string[] = [];
  const earn = new EarnLoop(
    { server: o.server ?? server.url, budget_bytes: (o.budget_mib ?? 64) * MiB, upload_limit_bytes_per_s: 100 * MiB, accept: o.accept ?? { kind: 'any' } },
    { peer, joined: o.joined ?? {}, save: (j) => void saved.push(structuredClone(j)), log: (l) => lines.push(l) },
  );
  return { earn, saved, lines };
}

describe('earn loop on the real board and catalogue', () => {
  it('says why it joins nothing, joins what pays and says why, and drops only what it joined', async () => {
    const idle = async (l: ReturnType<typeof loop>) => (await l.earn.tick(), l.earn.report().idle);
    expect(await idle(loop(new RecordingPeer()))).toBe('board_empty');

    // A funded bid for content the catalogue does not know: nothing to fetch it from.
    await bid(rich, randomHex20(), true);
    expect(await idle(loop(new RecordingPeer()))).toBe('not_in_catalogue');

    // CDN content whose only bidder has no balance.
    const unfunded = await register('unfunded.bin', MiB);
    await bid(createNobleSigner(new Uint8Array(32).fill(78)), unfunded.info_hash, false);
    expect(await idle(loop(new RecordingPeer()))).toBe('no_funded_demand');

    // Funded CDN content, 4 MiB: not from an accepted site, over a 1 MiB budget, or already the user's own.
    const show = await register('show.bin', 4 * MiB);
    await bid(rich, show.info_hash, true);
    expect(await idle(loop(new RecordingPeer(), { accept: { kind: 'listed', origins: ['http://127.0.0.1:7'], info_hashes: [] } }))).toBe('not_accepted');
    expect(await idle(loop(new RecordingPeer(), { budget_mib: 1 }))).toBe('over_budget');
    const owner = new RecordingPeer({ [show.info_hash]: 4 * MiB });
    expect(await idle(loop(owner))).toBe('all_held');
    expect(owner.calls).toEqual([]);
    expect(await idle(loop(new RecordingPeer(), { server: 'http://127.0.0.1:9' }))).toBe('board_unreachable');

    // Accepted by origin and within budget: joined with the catalogue's magnet (web seed and .torrent URL in it).
    const own = randomHex20();
    const peer = new RecordingPeer({ [own]: 2 * MiB });
    const first = loop(peer, { accept: { kind: 'listed', origins: [WEB_SEED_ORIGIN], info_hashes: [] } });
    await first.earn.tick();
    expect(peer.calls).toEqual([`join ${show.magnet}`]);
    expect(show.magnet).toContain(`ws=${encodeURIComponent(`${WEB_SEED_ORIGIN}/show.bin`)}`);
    const report = first.earn.report();
    expect(report.idle).toBeNull();
    expect(report.torrents).toEqual([expect.objectContaining({
      info_hash: show.info_hash, name: 'show.bin', length_bytes: 4 * MiB, status: { length: 4 * MiB, progress: 0.25, num_peers: 1, uploaded: MiB, earned_units: 7n },
    })]);
    expect(report.torrents[0]?.why).toMatch(/^median bid 10 units\/KiB × 4\.0 MiB wanted ÷ 1 provider\(s\) ≈ \d+ units for 4\.0 MiB stored$/);
    expect(first.lines).toEqual([`earn: join show.bin (${show.info_hash.slice(0, 12)}): ${report.torrents[0]?.why}`]);
    expect(Object.keys(first.saved.at(-1) ?? {})).toEqual([show.info_hash]);
    expect(first.earn.has(own)).toBe(false);

    // Restarted from what was saved, with a list that no longer accepts the content: it drops what it joined
    // (and says what it earned) and leaves the user's own torrent alone.
    const restarted = loop(peer, { joined: first.saved.at(-1) ?? {}, accept: { kind: 'listed', origins: ['http://127.0.0.1:7'], info_hashes: [] } });
    expect(restarted.earn.has(show.info_hash)).toBe(true);
    await restarted.earn.tick();
    expect(peer.calls.slice(1)).toEqual([`remove ${show.info_hash}`]);
    expect(restarted.lines).toEqual([`earn: drop show.bin (${show.info_hash.slice(0, 12)}): not_accepted; it earned 0.000007 BTT, uploaded 1.0 MiB`]);
    expect(peer.list().map((t) => t.info_hash)).toEqual([own]);
    expect(restarted.saved.at(-1)).toEqual({});
    expect(restarted.earn.report().idle).toBe('not_accepted');
  }, 30_000);
});

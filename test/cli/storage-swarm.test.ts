// Paid storage over real wires (issue 15): `npm start`'s server (real ledger and WebSocket tracker, 1 s epochs
// allowed) on loopback; two providers join the storage service swarm as `npm run seed -- --store` does and a requester
// stores a 1 MiB file on both through `sp_storage` over WebRTC, as `npm run store` does. Both contracts open and both
// providers are paid by the ledger for an epoch. A malformed frame on the extension is refused `bad_frame`, the wire
// is dropped and nothing is stored.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAirdrop } from '../../src/node-peer/airdrop.ts';
import { joinServiceSwarm } from '../../src/node-peer/service-swarm.ts';
import { createNobleSigner, toPublicKeyHex, type Signer } from '../../src/protocol/ed25519.ts';
import { startServer, type RunningServer } from '../../src/server/main.ts';
import { storageExtension, STORAGE_SWARM_NAME, type StorageExtension } from '../../src/services/storage/storage-extension.ts';
import type { UploadEnd } from '../../src/services/storage/storage-host.ts';
import { decodeFrame, type StorageFrame } from '../../src/services/storage/storage-frames.ts';
import { startStorageService, type StorageService } from '../../src/cli/storage-node.ts';
import { storeFile } from '../../src/cli/store-file.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import { StorageLedgerClient } from '../../src/wallet/storage-client.ts';

const FILE_BYTES = 1024 * 1024;
const PRICE_UNITS = 3_000n;
const EPOCH_MS = 2_000;

let server: RunningServer;
let dir: string;
let tracker: string;
/**
 * Each in-process client its own tracker URL: bittorrent-tracker's client shares one WebSocket per URL within a
 * process, and clients of the same swarm on one socket each take the others' offers (separate processes never do).
 */
let clients = 0;
const trackers = () => [`${tracker}?client=${++clients}`];
let ledger: StorageLedgerClient;
const services: StorageService[] = [];
const uploads: UploadEnd[][] = [[], []];

const signer = (): Signer => createNobleSigner(new Uint8Array(randomBytes(32)));

async function until<T>(what: string, read: () => Promise<T | null> | T | null, timeout_ms: number): Promise<T> {
  const end = Date.now() + timeout_ms;
  for (;;) {
    const value = await read();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seedpay-storage-swarm-'));
  mkdirSync(join(dir, 'static'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: join(dir, 'data'), staticDir: join(dir, 'static'), storageMinEpochMs: 1_000 });
  tracker = `${server.url.replace(/^http/, 'ws')}/announce`;
  ledger = new StorageLedgerClient({ baseUrl: `${server.url}/ledger` });
  for (const i of [0, 1]) {
    const key = signer();
    await claimAirdrop(new LedgerClient({ baseUrl: `${server.url}/ledger` }), key);
    services.push(await startStorageService({
      server: server.url, trackers: trackers(), signer: key, dir: join(dir, `provider-${i}`), max_mib: 8,
      limits: { max_replica_bytes: 4 * 1024 * 1024, min_price_units_per_mib_epoch: 1_000n, max_collateral_units: 10_000n },
      onUpload: (end) => uploads[i]?.push(end), log: () => {},
    }));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.close()));
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('paid storage over the storage swarm (real wires, real ledger)', () => {
  it('a requester stores a file on two providers; both contracts open; both providers are paid an epoch', async () => {
    const requester = signer();
    await claimAirdrop(new LedgerClient({ baseUrl: `${server.url}/ledger` }), requester);
    const lines: string[] = [];
    const receipt = await storeFile({
      server: server.url, trackers: trackers(), signer: requester, storage_secret: new Uint8Array(randomBytes(32)), plaintext: new Uint8Array(randomBytes(FILE_BYTES)),
      replicas: 2, epochs: 3, epoch_ms: EPOCH_MS, answer_window_ms: 1_000, price_units_per_epoch: PRICE_UNITS, collateral_units: 1_000n,
      retrieval_price_units: 1n, find_timeout_ms: 20_000, log: (line) => lines.push(line),
    });
    expect(receipt.refused, lines.join('\n')).toEqual([]);
    expect(receipt.stored).toHaveLength(2);
    expect(lines.filter((l) => l.endsWith('100 % sent (1024 KiB)') || / open$/.test(l))).toHaveLength(4);
    const keys = services.map((s) => s.provider.key).sort();
    expect(receipt.stored.map((s) => s.provider).sort()).toEqual(keys);
    // Replicas differ (each under its own key): two roots.
    expect(new Set(receipt.stored.map((s) => s.root)).size).toBe(2);
    for (const s of receipt.stored) {
      const c = await ledger.contract(s.contract_id);
      expect(c.requester).toBe(toPublicKeyHex(requester.publicKey));
      expect(c.provider).toBe(s.provider);
    }
    expect(uploads.map((u) => u.filter((e) => e.ok).length)).toEqual([1, 1]);
    for (const svc of services) expect(svc.store.used_bytes).toBeGreaterThan(FILE_BYTES);
    // Each provider's challenge loop answers the ledger's first challenge and is paid for it.
    for (const s of receipt.stored) {
      await until(`contract ${s.contract_id} paid`, async () => ((await ledger.contract(s.contract_id)).paid_units >= PRICE_UNITS ? true : null), 20_000);
    }
  }, 50_000);

  it('a malformed frame on sp_storage: refused bad_frame, the wire dropped, nothing stored', async () => {
    // The first test's contracts may end meanwhile (their replicas are freed): what counts is that nothing is added.
    const before = services.map((s) => new Set(s.store.roots()));
    const stored = services.map((s) => s.host.uploads_stored);
    const ends = uploads.map((u) => u.length);
    const replies: StorageFrame[] = [];
    let ext: StorageExtension | null = null;
    const Ext = storageExtension({ role: 'requester', pk: toPublicKeyHex(signer().publicKey) }, (e) => {
      e.handler = {
        ready: (remote) => {
          if (remote && !ext) ext = e;
        },
        frame: (bytes) => {
          const d = decodeFrame(bytes);
          if (d.ok) replies.push(d.frame);
        },
        rejected: () => {},
      };
    });
    const swarm = await joinServiceSwarm(STORAGE_SWARM_NAME, trackers(), (wire) => {
      wire.use(Ext);
      return () => {};
    });
    try {
      const wire = await until('a provider wire', () => ext, 20_000);
      // A data frame cut short: type byte 3 with half an offset.
      wire.send(Uint8Array.of(3, 0, 0, 0));
      await until('the refusal and the drop', () => (replies.length > 0 && wire.wire.destroyed ? true : null), 10_000);
      expect(replies).toEqual([{ type: 'refuse', code: 'bad_frame' }]);
      await until('the provider to report it', () => (uploads.some((u, i) => u.slice(ends[i]).some((e) => !e.ok && e.code === 'bad_frame')) ? true : null), 5_000);
    } finally {
      await swarm.close();
    }
    expect(services.map((s, i) => s.store.roots().filter((r) => !before[i]?.has(r)))).toEqual([[], []]);
    expect(services.map((s) => s.host.uploads_stored)).toEqual(stored);
  }, 40_000);
});

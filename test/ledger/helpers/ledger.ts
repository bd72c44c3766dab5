// Test fixtures for the ledger: a service on either store with a movable clock, signers, funded accounts, and a
// typed client talking to it in-process (app.request) or over a real HTTP socket.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createWebCryptoSigner, toPublicKeyHex, type PublicKeyHex, type Signer } from '../../../src/protocol/ed25519.ts';
import { checkPow, solvePowChunk } from '../../../src/protocol/pow.ts';
import { createLedgerService, type LedgerService, type LedgerServiceOptions } from '../../../src/ledger/service.ts';
import { LedgerClient } from '../../../src/wallet/ledger-client.ts';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { PgServer } from './pg.ts';

export type StoreKind = 'sqlite' | 'postgres';
export const T0_MS = 1_700_000_000_000;
/** Airdrop terms for tests: cheap proof of work, a generous amount, a limiter that does not get in the way. */
export const TEST_AIRDROP_UNITS = 1_000_000_000n; // 1,000 BTT

export interface Fixture {
  service: LedgerService;
  client: LedgerClient;
  readonly clock: { now_ms: number };
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** A second service on the same data (same key, same database), as a second process would be. */
  openAnother(): Promise<LedgerService>;
  /** Raw in-process HTTP: for bad-input tests that send what no client would. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** A new key holding TEST_AIRDROP_UNITS from one airdrop claim made with nonce 1. */
  funded(): Promise<{ signer: Signer; key: PublicKeyHex }>;
  /** Closes the service and opens a new one on the same data (same database, same clock). */
  restart(extra?: Partial<LedgerServiceOptions>): Promise<void>;
  /** Serves the app on 127.0.0.1 and returns its base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function newSigner(): Promise<{ signer: Signer; key: PublicKeyHex }> {
  const signer = await createWebCryptoSigner(globalThis.crypto.subtle, globalThis.crypto.getRandomValues(new Uint8Array(32)));
  return { signer, key: toPublicKeyHex(signer.publicKey) };
}

/** A pow nonce that does NOT meet the difficulty, to test refusal. */
export function unsolved(challenge: Uint8Array, public_key: PublicKeyHex, difficulty_bits: number): number {
  for (let nonce = 0; ; nonce++) {
    if (!checkPow({ challenge, public_key: hexToBytes(public_key), nonce, difficulty_bits })) return nonce;
  }
}

export function solve(challenge: Uint8Array, public_key: PublicKeyHex, difficulty_bits: number): number {
  for (let start = 0; ; start += 100_000) {
    const r = solvePowChunk({ challenge, public_key: hexToBytes(public_key), difficulty_bits, start_nonce: start, max_tries: 100_000 });
    if (r.found) return r.nonce;
  }
}

export async function createFixture(kind: StoreKind, pg: PgServer | null, extra: Partial<LedgerServiceOptions> = {}): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'seedpay-ledger-'));
  const clock = { now_ms: T0_MS };
  if (kind === 'postgres' && !pg) throw new Error('postgres fixture without a server');
  const databaseUrl = kind === 'postgres' && pg ? await pg.createDatabase() : undefined;
  const open = (more: Partial<LedgerServiceOptions> = {}) =>
    createLedgerService({
      dataDir,
      ...(databaseUrl ? { databaseUrl } : {}),
      now: () => clock.now_ms,
      airdrop: { amount_units: TEST_AIRDROP_UNITS, difficulty_bits: 4, max_requests_per_window: 1_000_000 },
      sweepIntervalMs: 0,
      storage: { tickIntervalMs: 0 },
      log: () => {},
      ...extra,
      ...more,
    });
  const app = new Hono();
  let service = await open();
  app.mount('/ledger', (request, env) => service.app.fetch(request, env));
  const fetchApp = (input: string, init?: RequestInit) => Promise.resolve(app.request(input, init));
  const clientFor = (s: LedgerService) => new LedgerClient({ baseUrl: 'http://ledger.test/ledger', fetch: fetchApp, ledgerId: s.ledgerId });
  const servers: Array<{ close(cb: () => void): void }> = [];
  const fixture: Fixture = {
    service,
    client: clientFor(service),
    clock,
    dataDir,
    databaseUrl,
    openAnother: () => open(),
    async request(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      const response = await fetchApp(`http://ledger.test/ledger${path}`, init);
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    },
    async funded() {
      const who = await newSigner();
      const challenge = await fixture.client.airdropChallenge(who.key);
      const bytes = hexToBytes(challenge.challenge);
      await fixture.client.claimAirdrop(who.signer, { challenge: bytes, pow_nonce: solve(bytes, who.key, challenge.difficulty_bits), nonce: 1n });
      return who;
    },
    async restart(more) {
      await service.close();
      service = await open(more);
      fixture.service = service;
      fixture.client = clientFor(service);
    },
    async listen() {
      const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
        const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      });
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ledger`;
    },
    async close() {
      for (const server of servers) await new Promise<void>((done) => server.close(() => done()));
      await service.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Serves one ledger service on 127.0.0.1 at /ledger, as src/ledger/main.ts does. */
export async function serveLedger(service: LedgerService): Promise<{ url: string; close(): Promise<void> }> {
  const root = new Hono();
  root.route('/ledger', service.app);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: root.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ledger`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

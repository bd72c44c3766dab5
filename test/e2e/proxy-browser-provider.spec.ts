// The proxy provider in a browser (Settings: "Serve proxy requests from this browser"), in real Chromium: a requester
// (its protocol in this test process, a funded key on the real ledger) fetches a URL whose origin answers CORS through
// the app's provider and pays it; the same origin without CORS is refused with cors_not_allowed, as is a loopback
// origin the test did not allowlist (never contacted); the ledger settles exactly what was signed to the provider.
import { sha256 } from '@noble/hashes/sha2.js';
import { expect, test } from '@playwright/test';
import type { PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { MAX_CHUNKS } from '../../src/services/proxy/chunk-plan.ts';
import type { ProxyJobStore, StoredJob } from '../../src/services/proxy/requester-client.ts';
import type { RequesterEffect } from '../../src/services/proxy/requester-session.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import { startOrigin } from '../services/proxy/origin.ts';
import { CHUNK, content, fundedSigner, swarmRequester } from './proxy-parties.ts';
import { createWallet, finishFirstRun, walletAddresses } from './wallet-helpers.ts';

test('the browser provider serves a CORS URL and is paid for it; no CORS, or an address not allowlisted, is refused', async ({ browser }) => {
  test.setTimeout(120_000);
  const server = process.env.SEEDPAY_URL ?? '';
  const file = content(5 * CHUNK + 123, 6);
  const origin = await startOrigin(file, '"b1"');
  const other = await startOrigin(file, '"b2"');
  const ledger = new LedgerClient({ baseUrl: `${server}/ledger` });

  // The app, with the guard's test-only allowlist for `origin` set before any of its scripts run.
  const appContext = await browser.newContext();
  await appContext.addInitScript((allow) => void ((globalThis as { seedpayProxyTestAllow?: string[] }).seedpayProxyTestAllow = allow), [origin.allow_entry]);
  const app = await appContext.newPage();
  await createWallet(app);
  await finishFirstRun(app);
  const { payment } = await walletAddresses(app);
  const provider_key = payment as PublicKeyHex;
  await app.getByRole('link', { name: 'Settings' }).click();
  await app.getByRole('switch', { name: 'Serve proxy requests from this browser' }).click();
  await expect(app.getByTestId('proxy-serve-status')).toContainText('0 fetches done');

  const { signer } = await fundedSigner(ledger);
  const context = await browser.newContext();
  const page = await context.newPage();
  const out = new Uint8Array(file.length);
  const saved = new Map<string, StoredJob>();
  const store: ProxyJobStore = {
    load: async (u) => saved.get(u) ?? null, save: async (u, j) => void saved.set(u, j), writeChunk: async (_u, _i, offset, bytes) => void out.set(bytes, offset),
  };
  const { client, payees } = await swarmRequester(page, server, ledger, signer, store);
  await expect.poll(() => client.providers().includes(provider_key), { timeout: 30_000 }).toBe(true);
  const terms = { chunk_size: CHUNK, max_price_units_per_kib: 2n, cap_units: 10n ** 9n, max_bytes: CHUNK * MAX_CHUNKS, day_cap_units: 10n ** 9n, day_spent_units: 0n };

  // A URL whose origin answers CORS: fetched, checked and paid chunk by chunk.
  const effects: RequesterEffect[] = [];
  const served = await client.run(`${origin.base}/cors-file`, provider_key, terms, (fx) => void effects.push(fx));
  expect((await served.settled).phase).toBe('Done');
  expect(Buffer.from(sha256(out)).toString('hex')).toBe(Buffer.from(sha256(file)).toString('hex'));
  const pays = effects.filter((fx) => fx.type === 'pay');
  expect(pays.length).toBe(6);
  const signed = pays.reduce((sum, fx) => sum + (fx.type === 'pay' ? fx.delta_units : 0n), 0n);
  await expect.poll(async () => {
    const all = await Promise.all([...payees.keys()].map((id) => ledger.channel(id)));
    return all.every((ch) => ch.state === 'closed') ? all.reduce((sum, ch) => sum + ch.paid_units, 0n).toString() : 'open';
  }, { timeout: 30_000 }).toBe(signed.toString());

  // The same file without CORS: the browser cannot read it, and the requester is told why.
  const noCors = await client.run(`${origin.base}/file`, provider_key, terms);
  expect((await noCors.settled).stop).toEqual({ kind: 'refused', code: 'cors_not_allowed' });
  // A loopback origin not allowlisted: refused by the guard before any request reaches it.
  const privateUrl = await client.run(`${other.base}/cors-file`, provider_key, terms);
  expect((await privateUrl.settled).stop).toEqual({ kind: 'refused', code: 'fetch_failed' });
  expect(other.connections).toBe(0);
  await expect(app.getByTestId('proxy-serve-status')).toContainText('1 fetch done', { timeout: 10_000 });

  await context.close();
  await appContext.close();
  await origin.close();
  await other.close();
});

// The paid proxy end to end in real Chromium: the terminal provider (src/cli/proxy.ts: a relay page in the service
// swarm, fetching in Node from a loopback origin it is allowlisted for) serves a requester whose relay page reaches it
// over WebRTC through the server's tracker. The requester's side of the protocol runs in this test process, with a
// funded key on the real ledger. The test cuts the link once, reloads the requester's page once, then changes the
// origin's ETag: the job resumes each time, restarts on the new version and says so; the SHA-256 matches; every chunk
// received was paid once, and the ledger settled exactly what the requester signed. A provider that corrupts its chunks
// is banned on the first one, unpaid, and a second provider serves the file.
import { sha256 } from '@noble/hashes/sha2.js';
import { expect, test, type Page } from '@playwright/test';
import { startProxyProvider } from '../../src/cli/proxy.ts';
import { attachRelay, joinServiceSwarm } from '../../src/cli/proxy-relay-node.ts';
import { createNobleSigner, toPublicKeyHex, type PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { signPaymentState, type ChannelId, type SignedPaymentState } from '../../src/protocol/payment-state.ts';
import { solvePowChunk } from '../../src/protocol/pow.ts';
import { MAX_CHUNKS, type ProxyJob } from '../../src/services/proxy/chunk-plan.ts';
import { fromJSON, toJSON } from '../../src/services/proxy/chunk-record.ts';
import type { JobId, ProviderLimits } from '../../src/services/proxy/job-request.ts';
import { proxyExtension, type ProxyExtension } from '../../src/services/proxy/proxy-extension.ts';
import type { ProxyTransport } from '../../src/services/proxy/provider-host.ts';
import { RequesterShell } from '../../src/services/proxy/requester-shell.ts';
import type { RequesterEffect, RequesterState } from '../../src/services/proxy/requester-session.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import { startOrigin } from '../services/proxy/origin.ts';

const CHUNK = 64 * 1024;
const LIMITS: ProviderLimits = { price_units_per_kib: 1n, max_job_bytes: 64 * 1024 * 1024, max_day_bytes: 1 << 30, allowed_hosts: null, allowed_content_types: null };

function content(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 2654435761 + seed * 97) >>> 24;
  return out;
}

function randomJobId(): JobId {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex') as JobId;
}

async function fundedSigner(ledger: LedgerClient) {
  const signer = createNobleSigner(crypto.getRandomValues(new Uint8Array(32)));
  const key = toPublicKeyHex(signer.publicKey);
  const challenge = await ledger.airdropChallenge(key);
  const puzzle = { challenge: Buffer.from(challenge.challenge, 'hex'), public_key: signer.publicKey, difficulty_bits: challenge.difficulty_bits };
  let start_nonce = 0;
  for (;;) {
    const r = solvePowChunk({ ...puzzle, start_nonce, max_tries: 1_000_000 });
    if (r.found) {
      await ledger.claimAirdrop(signer, { challenge: puzzle.challenge, pow_nonce: r.nonce });
      return { signer, key };
    }
    start_nonce = r.next_nonce;
  }
}

test('a file fetched through the terminal provider survives a cut link, a reload and an ETag change; paid = received', async ({ browser }) => {
  test.setTimeout(90_000);
  const server = process.env.SEEDPAY_URL ?? '';
  const v1 = content(12 * CHUNK + 1000, 1);
  const v2 = content(10 * CHUNK + 77, 2);
  const origin = await startOrigin(v1, '"v1"');
  const ledger = new LedgerClient({ baseUrl: `${server}/ledger` });
  const provider = await startProxyProvider({
    server, signer: createNobleSigner(crypto.getRandomValues(new Uint8Array(32))), limits: LIMITS, test_allow: [origin.allow_entry], browser,
  });
  const { signer, key } = await fundedSigner(ledger);
  const context = await browser.newContext();
  const page: Page = await context.newPage();

  // The requester's stored state (what IndexedDB holds in the app), and everything the test reads afterwards.
  let record: string | null = null;
  let spent = 0n;
  let resend: { job_id: JobId; payment: SignedPaymentState } | null = null;
  const out = new Uint8Array(Math.max(v1.length, v2.length));
  const effects: RequesterEffect[] = [];
  const channels: ChannelId[] = [];
  let chunks_this_session = 0;
  let release: () => void = () => {};
  let hold: { at: number; released: Promise<void> } | null = null;
  let cut_after: number | null = null;
  let onSession: ((end: RequesterState) => void) | null = null;
  let transport: ProxyTransport | null = null;
  const exts = new Map<string, ProxyExtension>();
  const Ext = proxyExtension({ role: 'requester', payment_pk: key });

  const startSession = (wire_id: string, ext: ProxyExtension): void => {
    const job: ProxyJob | null = record === null ? null : (() => {
      const back = fromJSON(record);
      if (!back.ok) throw new Error(back.reason);
      return back.job;
    })();
    chunks_this_session = 0;
    const job_id = randomJobId();
    const shell = new RequesterShell({
      send: (f) => void ext.send(f),
      openChannel: async (payee, escrow_units, timeout_ms, ctx) => {
        const ch = await ledger.openChannel(signer, { payee, escrow_units, timeout_ms, context: ctx });
        channels.push(ch.channel_id);
        return { channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms };
      },
      sign: (s, ctx) => signPaymentState(signer, s, ctx),
      store: async (_i, offset, bytes) => {
        out.set(bytes, offset);
        if (cut_after !== null && ++chunks_this_session === cut_after) transport?.drop(wire_id);
        // Holds the session on this chunk (its payment not yet signed) until the test has reloaded the page.
        if (hold !== null && effects.filter((fx) => fx.type === 'store_chunk').length + 1 === hold.at) await hold.released;
      },
      persist: async (j, s) => {
        record = j === null ? null : toJSON(j);
        spent = s;
      },
      now: () => Date.now(),
      observe: (fx) => effects.push(fx),
    }, {
      request: {
        job_id, url: `${origin.base}/file`, chunk_size: CHUNK, max_price_units_per_kib: 2n, cap_units: 10n ** 9n, max_bytes: CHUNK * MAX_CHUNKS,
        if_range: job?.validator.etag ?? null,
      },
      payer_key: key, job, job_spent_units: spent, day_cap_units: 10n ** 9n, day_spent_units: 0n, resend,
    });
    ext.handler = { ...ext.handler!, frame: (f) => void shell.frame(f) };
    void shell.settled.then((end) => {
      resend = shell.last_payment ? { job_id, payment: shell.last_payment } : null;
      onSession?.(end);
    });
    wireShells.set(wire_id, shell);
  };
  const wireShells = new Map<string, RequesterShell>();

  transport = await attachRelay(page, {
    hello: (id, handshake) => {
      const ext = new Ext({ destroyed: false, extendedHandshake: {}, extended: (_n, bytes) => transport?.send(id, bytes), destroy: () => transport?.drop(id) });
      exts.set(id, ext);
      ext.handler = {
        ready: (remote) => {
          if (remote?.payment_pk === provider.public_key && ![...wireShells.values()].some((s) => s.state.phase !== 'Done' && s.state.phase !== 'Stopped' && s.state.phase !== 'Banned')) {
            startSession(id, ext);
          }
        },
        frame: () => {},
        warning: () => {},
      };
      ext.onExtendedHandshake(handshake);
    },
    message: (id, bytes) => exts.get(id)?.onMessage(bytes),
    closed: (id) => void wireShells.get(id)?.dropped(),
  });

  const nextSession = () => new Promise<RequesterState>((resolve) => (onSession = resolve));

  // Session 1: cut after 4 chunks; the page leaves and rejoins the swarm (a new connection).
  cut_after = 4;
  let ended = nextSession();
  await joinServiceSwarm(page, server, 'requester', key);
  expect((await ended).stop).toEqual({ kind: 'dropped' });
  ended = nextSession();
  await page.evaluate(() => (window as unknown as { seedpayProxyRelay: { leave(): void } }).seedpayProxyRelay.leave());
  await page.evaluate((k) => (window as unknown as { seedpayProxyRelay: { join(r: string, k: string): Promise<string> } }).seedpayProxyRelay.join('requester', k), key);
  // Session 2 stops on its 4th chunk, before paying it; the page is reloaded there, so that payment is lost with the
  // link, and session 3 re-sends it to the provider's lingering session.
  cut_after = null;
  hold = { at: 8, released: new Promise<void>((resolve) => (release = resolve)) };
  await expect.poll(() => effects.filter((fx) => fx.type === 'store_chunk').length, { timeout: 30_000 }).toBe(7);
  await page.waitForTimeout(200);
  await page.reload();
  // The reloaded page never reports the old wire's close: its session ends here, as the app's would on unload.
  for (const shell of wireShells.values()) void shell.dropped();
  hold = null;
  release();
  expect((await ended).stop).toEqual({ kind: 'dropped' });
  // The resource changes while the requester is away; session 3 is offered the new version and restarts.
  origin.replace(v2, '"v2"');
  ended = nextSession();
  await joinServiceSwarm(page, server, 'requester', key);
  const last = await ended;
  expect(last.phase).toBe('Done');
  expect(effects.find((fx) => fx.type === 'restarted')).toMatchObject({ reason: 'the resource changed (validator "v1" → "v2")' });
  expect(Buffer.from(sha256(out.subarray(0, v2.length))).toString('hex')).toBe(Buffer.from(sha256(v2)).toString('hex'));

  // Paid = received: one signed payment per stored chunk, each index once per version; the ledger settled all of it.
  const stores = effects.filter((fx) => fx.type === 'store_chunk').length;
  const pays = effects.filter((fx) => fx.type === 'pay');
  expect(pays.length).toBe(stores);
  const signed = pays.reduce((sum, fx) => sum + (fx.type === 'pay' ? fx.delta_units : 0n), 0n);
  expect(signed).toBe(spent);
  await expect.poll(async () => {
    const all = await Promise.all(channels.map((id) => ledger.channel(id)));
    return all.every((ch) => ch.state === 'closed') ? all.reduce((sum, ch) => sum + ch.paid_units, 0n).toString() : all.map((ch) => `${ch.state}:${ch.paid_units}/${ch.escrow_units}`).join(' ');
  }, { timeout: 30_000 }).toBe(signed.toString());

  await context.close();
  await provider.close();
  await origin.close();
});

test('a provider whose chunk does not match its signed hash is banned unpaid; a second provider fetches the file', async ({ browser }) => {
  test.setTimeout(90_000);
  const server = process.env.SEEDPAY_URL ?? '';
  const file = content(6 * CHUNK + 5, 3);
  const origin = await startOrigin(file, '"c1"');
  const ledger = new LedgerClient({ baseUrl: `${server}/ledger` });
  const common = { server, limits: LIMITS, test_allow: [origin.allow_entry], browser };
  const liar = await startProxyProvider({ ...common, signer: createNobleSigner(crypto.getRandomValues(new Uint8Array(32))), misbehave: 'corrupt_chunks' });
  const honest = await startProxyProvider({ ...common, signer: createNobleSigner(crypto.getRandomValues(new Uint8Array(32))) });
  const { signer, key } = await fundedSigner(ledger);
  const context = await browser.newContext();
  const page = await context.newPage();
  const out = new Uint8Array(file.length);
  const effects: RequesterEffect[] = [];
  const channels: ChannelId[] = [];
  let record: string | null = null;
  let spent = 0n;
  const byProvider = new Map<string, ProxyExtension>();
  const Ext = proxyExtension({ role: 'requester', payment_pk: key });
  let transport: ProxyTransport | null = null;
  const exts = new Map<string, ProxyExtension>();
  transport = await attachRelay(page, {
    hello: (id, handshake) => {
      const ext = new Ext({ destroyed: false, extendedHandshake: {}, extended: (_n, bytes) => transport?.send(id, bytes), destroy: () => transport?.drop(id) });
      exts.set(id, ext);
      ext.handler = { ready: (remote) => remote && byProvider.set(remote.payment_pk, ext), frame: () => {}, warning: () => {} };
      ext.onExtendedHandshake(handshake);
    },
    message: (id, bytes) => exts.get(id)?.onMessage(bytes),
    closed: () => {},
  });
  const fetchFrom = async (provider_key: PublicKeyHex): Promise<RequesterState> => {
    await expect.poll(() => byProvider.has(provider_key), { timeout: 30_000 }).toBe(true);
    const ext = byProvider.get(provider_key) as ProxyExtension;
    const job: ProxyJob | null = record === null ? null : (() => {
      const back = fromJSON(record);
      if (!back.ok) throw new Error(back.reason);
      return back.job;
    })();
    const shell = new RequesterShell({
      send: (f) => void ext.send(f),
      openChannel: async (payee, escrow_units, timeout_ms, ctx) => {
        const ch = await ledger.openChannel(signer, { payee, escrow_units, timeout_ms, context: ctx });
        channels.push(ch.channel_id);
        return { channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms };
      },
      sign: (s, ctx) => signPaymentState(signer, s, ctx),
      store: async (_i, offset, bytes) => void out.set(bytes, offset),
      persist: async (j, s) => {
        record = j === null ? null : toJSON(j);
        spent = s;
      },
      now: () => Date.now(),
      observe: (fx) => effects.push(fx),
    }, {
      request: {
        job_id: randomJobId(), url: `${origin.base}/file`, chunk_size: CHUNK, max_price_units_per_kib: 2n, cap_units: 10n ** 9n, max_bytes: CHUNK * MAX_CHUNKS,
        if_range: job?.validator.etag ?? null,
      },
      payer_key: key, job, job_spent_units: spent, day_cap_units: 10n ** 9n, day_spent_units: 0n,
    });
    ext.handler = { ...(ext.handler as NonNullable<ProxyExtension['handler']>), frame: (f) => void shell.frame(f) };
    return shell.settled;
  };

  await joinServiceSwarm(page, server, 'requester', key);
  const lied = await fetchFrom(liar.public_key);
  expect(lied.phase).toBe('Banned');
  expect(lied.stop).toEqual({ kind: 'lied', verdict: 'hash_mismatch', index: 0 });
  expect(effects.find((fx) => fx.type === 'ban')).toMatchObject({ provider_key: liar.public_key, verdict: 'hash_mismatch' });
  expect(effects.filter((fx) => fx.type === 'pay')).toEqual([]);
  const done = await fetchFrom(honest.public_key);
  expect(done.phase).toBe('Done');
  expect(Buffer.from(sha256(out)).toString('hex')).toBe(Buffer.from(sha256(file)).toString('hex'));
  expect(effects.filter((fx) => fx.type === 'pay').length).toBe(7);
  // The liar was paid nothing: its channel is never closed with a payment (its escrow returns at the timeout).
  const [liarChannel, honestChannel] = channels;
  expect((await ledger.channel(liarChannel as ChannelId)).paid_units).toBe(0n);
  await expect.poll(async () => {
    const ch = await ledger.channel(honestChannel as ChannelId);
    return `${ch.state}:${ch.paid_units}`;
  }, { timeout: 30_000 }).toBe(`closed:${spent}`);

  await context.close();
  await liar.close();
  await honest.close();
  await origin.close();
});

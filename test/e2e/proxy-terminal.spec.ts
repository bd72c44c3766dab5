// The paid proxy end to end in real Chromium: the terminal provider (src/cli/proxy.ts: a relay page in the service
// swarm, fetching in Node from a loopback origin it is allowlisted for) serves a requester whose relay page reaches it
// over WebRTC through the server's tracker. The requester's side of the protocol runs in this test process, with a
// funded key on the real ledger. The test cuts the link once, reloads the requester's page once, then changes the
// origin's ETag: the job resumes each time, restarts on the new version and says so; the SHA-256 matches; every chunk
// received was paid once, and the ledger settled exactly what the requester signed. A provider that corrupts its chunks
// is banned on the first one, unpaid, and a second provider serves the file. Two providers split one file (the
// requester client's runParallel): both deliver disjoint chunks, each paid and settled exactly for its own.
import { sha256 } from '@noble/hashes/sha2.js';
import { expect, test, type Page } from '@playwright/test';
import { startProxyProvider } from '../../src/cli/proxy.ts';
import { joinServiceSwarm } from '../../src/cli/proxy-relay-node.ts';
import type { PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { signPaymentState, type ChannelId, type SignedPaymentState } from '../../src/protocol/payment-state.ts';
import { MAX_CHUNKS, type ProxyJob } from '../../src/services/proxy/chunk-plan.ts';
import { fromJSON, toJSON } from '../../src/services/proxy/chunk-record.ts';
import type { JobId } from '../../src/services/proxy/job-request.ts';
import type { ProxyExtension } from '../../src/services/proxy/proxy-extension.ts';
import type { ProxyTransport } from '../../src/services/proxy/provider-host.ts';
import type { ProxyJobStore, StoredJob } from '../../src/services/proxy/requester-client.ts';
import { RequesterShell } from '../../src/services/proxy/requester-shell.ts';
import type { RequesterEffect, RequesterState } from '../../src/services/proxy/requester-session.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import { startOrigin } from '../services/proxy/origin.ts';
import { CHUNK, content, fundedSigner, LIMITS, newSigner, randomJobId, requesterRelay, swarmRequester } from './proxy-parties.ts';

test('a file fetched through the terminal provider survives a cut link, a reload and an ETag change; paid = received', async ({ browser }) => {
  test.setTimeout(90_000);
  const server = process.env.SEEDPAY_URL ?? '';
  const v1 = content(12 * CHUNK + 1000, 1);
  const v2 = content(10 * CHUNK + 77, 2);
  const origin = await startOrigin(v1, '"v1"');
  const ledger = new LedgerClient({ baseUrl: `${server}/ledger` });
  const provider = await startProxyProvider({
    server, signer: newSigner(), limits: LIMITS, test_allow: [origin.allow_entry], browser,
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

  transport = await requesterRelay(page, key, {
    ready: (id, ext, remote) => {
      if (remote?.payment_pk === provider.public_key && ![...wireShells.values()].some((s) => s.state.phase !== 'Done' && s.state.phase !== 'Stopped' && s.state.phase !== 'Banned')) {
        startSession(id, ext);
      }
    },
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
  const liar = await startProxyProvider({ ...common, signer: newSigner(), misbehave: 'corrupt_chunks' });
  const honest = await startProxyProvider({ ...common, signer: newSigner() });
  const { signer, key } = await fundedSigner(ledger);
  const context = await browser.newContext();
  const page = await context.newPage();
  const out = new Uint8Array(file.length);
  const effects: RequesterEffect[] = [];
  const channels: ChannelId[] = [];
  let record: string | null = null;
  let spent = 0n;
  const byProvider = new Map<string, ProxyExtension>();
  await requesterRelay(page, key, { ready: (_id, ext, remote) => void (remote && byProvider.set(remote.payment_pk, ext)), closed: () => {} });
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

test('two terminal providers serve disjoint chunks of one file at once; each is paid exactly for what it delivered', async ({ browser }) => {
  test.setTimeout(90_000);
  const server = process.env.SEEDPAY_URL ?? '';
  const file = content(12 * CHUNK - 500, 4);
  const origin = await startOrigin(file, '"d1"');
  const ledger = new LedgerClient({ baseUrl: `${server}/ledger` });
  const common = { server, limits: LIMITS, test_allow: [origin.allow_entry], browser };
  const providers = await Promise.all([0, 1].map(() => startProxyProvider({ ...common, signer: newSigner() })));
  const { signer } = await fundedSigner(ledger);
  const context = await browser.newContext();
  const page = await context.newPage();
  const out = new Uint8Array(file.length);
  let saved: StoredJob | null = null;
  const store: ProxyJobStore = { load: async () => saved, save: async (_u, j) => void (saved = j), writeChunk: async (_u, _i, offset, bytes) => void out.set(bytes, offset) };
  const { client, payees } = await swarmRequester(page, server, ledger, signer, store);
  const keys = providers.map((p) => p.public_key);
  await expect.poll(() => keys.every((k) => client.providers().includes(k)), { timeout: 30_000 }).toBe(true);
  const seen: Array<{ p: PublicKeyHex; fx: RequesterEffect }> = [];
  const terms = { chunk_size: CHUNK, max_price_units_per_kib: 2n, cap_units: 10n ** 9n, max_bytes: CHUNK * MAX_CHUNKS, day_cap_units: 10n ** 9n, day_spent_units: 0n };
  const run = await client.runParallel(`${origin.base}/file`, terms, keys, (p, fx) => void seen.push({ p, fx }));
  expect((await run.settled).finished).toBe(true);
  expect(Buffer.from(sha256(out)).toString('hex')).toBe(Buffer.from(sha256(file)).toString('hex'));

  // Both delivered, disjoint chunks; each was paid once per chunk it delivered, and its channels settled exactly that.
  const per = keys.map((k) => {
    const mine = seen.filter((s) => s.p === k).map((s) => s.fx);
    const stored = mine.flatMap((fx) => (fx.type === 'store_chunk' ? [fx.index] : []));
    const paid = mine.flatMap((fx) => (fx.type === 'pay' ? [fx.index] : []));
    const units = mine.reduce((sum, fx) => sum + (fx.type === 'pay' ? fx.delta_units : 0n), 0n);
    return { k, stored, paid, units };
  });
  console.log(`parallel proxy: ${per.map((p) => `${p.k.slice(0, 8)} delivered chunks ${p.stored.join(',')} for ${p.units} units`).join('; ')}`);
  for (const p of per) {
    expect(p.stored.length).toBeGreaterThan(0);
    expect(p.paid).toEqual(p.stored);
  }
  expect([...per[0]!.stored, ...per[1]!.stored].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  expect(BigInt((saved as StoredJob | null)?.spent_units ?? '-1')).toBe(per[0]!.units + per[1]!.units);
  for (const p of per) {
    const ids = [...payees].filter(([, payee]) => payee === p.k).map(([id]) => id);
    await expect.poll(async () => {
      const all = await Promise.all(ids.map((id) => ledger.channel(id)));
      return all.every((ch) => ch.state === 'closed') ? all.reduce((sum, ch) => sum + ch.paid_units, 0n).toString() : 'open';
    }, { timeout: 30_000 }).toBe(p.units.toString());
  }

  await context.close();
  await Promise.all(providers.map((p) => p.close()));
  await origin.close();
});

// `npm run proxy -- [options]`: the paid proxy's terminal provider. It fetches URLs for requesters in Node
// with safeFetch (never loopback, private or metadata addresses; no credentials; size and time capped), serves them
// in signed 64 KiB chunks, each paid through the paid-session core, and closes its channels on the ledger. The wire
// is WebRTC, which does not run in Node here: a headless Chromium page (/proxy-relay.html) joins the service swarm
// and relays the `sp_proxy` frames to this process (docs/proxy.md).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from '@playwright/test';
import { createNobleSigner, toPublicKeyHex, type PublicKeyHex, type Signer } from '../protocol/ed25519.ts';
import type { ProviderLimits } from '../services/proxy/job-request.ts';
import { ProviderHost, type ProxyTransport } from '../services/proxy/provider-host.ts';
import { providerLedgerPorts } from '../services/proxy/provider-ledger.ts';
import { decodeFrame, encodeFrame } from '../services/proxy/proxy-frames.ts';
import { safeFetch } from '../services/proxy/safe-fetch.ts';
import { LedgerClient } from '../wallet/ledger-client.ts';
import { chromiumArgs, chromiumExecutable } from './chromium.ts';
import { attachRelay, joinServiceSwarm } from './proxy-relay-node.ts';

const USAGE = `usage: npm run proxy -- [options]

Serves the paid proxy: fetches URLs for requesters, in chunks paid one by one. Needs a running server (npm start).

options:
  --server <url>          Seedpay server (default http://127.0.0.1:8080)
  --profile <dir>         keeps the provider's payment key (default ./data/proxy-provider)
  --price <units>         price and lowest bid accepted, base units per KiB (default 1)
  --max-job-mib <MiB>     largest resource served per job (default 256)
  --max-day-mib <MiB>     bytes served per day over all jobs (default 4096)
  --allow-host <host>     serve only these hosts (repeatable; default any public host)
  --allow-type <type>     serve only these content types, e.g. image/* (repeatable; default any)
  --test-allow <host:port>  FOR TESTS ONLY: a loopback origin the address guard lets through`;

const MIB = 1024 * 1024;

export interface ProxyProviderOptions {
  readonly server: string;
  readonly signer: Signer;
  readonly limits: ProviderLimits;
  /** Address-guard allowlist (host:port): only ever set by tests, so they can use a loopback origin. */
  readonly test_allow?: readonly string[];
  readonly browser?: Browser;
  /**
   * FOR TESTS ONLY (fault injection, as src/peer/misbehave.ts for Speed): 'corrupt_chunks' flips a byte of every chunk
   * after it was signed, so requesters see a provider whose bytes do not match its signed hash.
   */
  readonly misbehave?: 'corrupt_chunks';
  log?(line: string): void;
}

export interface ProxyProvider {
  readonly host: ProviderHost;
  readonly public_key: PublicKeyHex;
  /** Cuts every wire the relay page holds (a flaky link, for tests); returns how many were cut. */
  dropWires(): Promise<number>;
  close(): Promise<void>;
}

export async function startProxyProvider(o: ProxyProviderOptions): Promise<ProxyProvider> {
  const ledger = new LedgerClient({ baseUrl: `${o.server}/ledger` });
  const public_key = toPublicKeyHex(o.signer.publicKey);
  const browser = o.browser ?? (await chromium.launch({ executablePath: chromiumExecutable(), args: chromiumArgs }));
  const context = await browser.newContext();
  const page = await context.newPage();
  let host: ProviderHost | null = null;
  const transport = await attachRelay(page, {
    hello: (id, h) => host?.hello(id, h),
    message: (id, bytes) => host?.message(id, bytes),
    closed: (id) => host?.closed(id),
  });
  host = new ProviderHost({
    signer: o.signer,
    limits: o.limits,
    transport: o.misbehave === 'corrupt_chunks' ? corrupting(transport) : transport,
    fetch: (url, opts) => safeFetch(url, { ...opts, ...(o.test_allow ? { allow: o.test_allow } : {}) }),
    ...providerLedgerPorts(ledger, o.signer),
    ...(o.log ? { log: o.log } : {}),
  });
  host.start();
  await joinServiceSwarm(page, o.server, 'provider', public_key);
  const h = host;
  return {
    host: h,
    public_key,
    async dropWires() {
      const ids = await page.evaluate(() => (window as unknown as { seedpayProxyRelay: { wires(): string[] } }).seedpayProxyRelay.wires());
      for (const id of ids) transport.drop(id);
      return ids.length;
    },
    async close() {
      h.stop();
      await context.close();
      if (!o.browser) await browser.close();
    },
  };
}

/** Flips the last byte of every chunk frame on its way out (the signature still names the true hash). */
function corrupting(transport: ProxyTransport): ProxyTransport {
  return {
    send(wire_id, bytes) {
      const decoded = decodeFrame(bytes);
      if (!decoded.ok || decoded.frame.type !== 'chunk' || decoded.frame.bytes.length === 0) return transport.send(wire_id, bytes);
      const bad = Uint8Array.from(decoded.frame.bytes);
      bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
      transport.send(wire_id, encodeFrame({ ...decoded.frame, bytes: bad }));
    },
    drop: (wire_id) => transport.drop(wire_id),
  };
}

function loadSigner(profile: string): Signer {
  mkdirSync(profile, { recursive: true });
  const file = join(profile, 'payment.key');
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return createNobleSigner(new Uint8Array(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex')));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      server: { type: 'string', default: 'http://127.0.0.1:8080' },
      profile: { type: 'string', default: './data/proxy-provider' },
      price: { type: 'string', default: '1' },
      'max-job-mib': { type: 'string', default: '256' },
      'max-day-mib': { type: 'string', default: '4096' },
      'allow-host': { type: 'string', multiple: true },
      'allow-type': { type: 'string', multiple: true },
      'test-allow': { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  const price = /^\d{1,20}$/.test(values.price) ? BigInt(values.price) : 0n;
  const job = Number(values['max-job-mib']);
  const day = Number(values['max-day-mib']);
  if (price <= 0n || !(job > 0) || !(day > 0)) throw new Error(`bad options\n${USAGE}`);
  const limits: ProviderLimits = {
    price_units_per_kib: price, max_job_bytes: Math.floor(job * MIB), max_day_bytes: Math.floor(day * MIB),
    allowed_hosts: values['allow-host']?.map((h) => h.toLowerCase()) ?? null, allowed_content_types: values['allow-type'] ?? null,
  };
  const provider = await startProxyProvider({
    server: values.server.replace(/\/+$/, ''), signer: loadSigner(resolve(values.profile)), limits,
    ...(values['test-allow'] ? { test_allow: values['test-allow'] } : {}),
    log: (line) => console.log(line),
  });
  console.log(`proxy provider ${provider.public_key} serving at ${limits.price_units_per_kib} units/KiB`);
  const status = setInterval(() => {
    const h = provider.host;
    console.log(`${h.sessions} wires, ${h.jobs_served} jobs, ${(h.day_served_bytes / MIB).toFixed(1)} MiB served today`);
  }, 10_000);
  const stop = () => {
    clearInterval(status);
    void provider.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

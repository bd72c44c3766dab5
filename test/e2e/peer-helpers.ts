// Shared steps for the peer's end-to-end specs: open the lab page in its own browser context (its own OPFS,
// IndexedDB and Web Locks, like a separate browser), boot the worker peer there, and read what it reported.
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { LabStartOptions, LabTorrent } from '../../src/lab/handle.ts';
import { formatBtt } from '../../src/protocol/money.ts';

export interface LabTab {
  context: BrowserContext;
  page: Page;
  peerId: string;
  errors: string[];
}

/** Provider price used by the paid specs: 100 units (0.0001 BTT) per KiB, so a 20 MB file costs 2.048 BTT. */
export const RESERVE_UNITS_PER_KIB = '100';

export function baseUrl(): string {
  const url = process.env.SEEDPAY_URL;
  if (!url) throw new Error('SEEDPAY_URL is not set (global-setup starts the server)');
  return url;
}

export async function openLab(browser: Browser, options: LabStartOptions = {}, context?: BrowserContext): Promise<LabTab> {
  const ctx = context ?? (await browser.newContext());
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${baseUrl()}/lab.html`);
  await page.waitForFunction(() => 'seedpayLab' in window);
  const start = { ...options, ...forcedDatachannel() };
  const peerId = await page.evaluate((o) => window.seedpayLab.start(o), start);
  // Chromium here transfers datachannels to the worker (the default): the run says which mode it tests, and gets it.
  expect(await page.evaluate(() => window.seedpayLab.datachannelMode())).toBe(start.datachannel === 'relay' ? 'relay' : 'worker');
  return { context: ctx, page, peerId, errors };
}

/**
 * The Playwright project "relay" (playwright.config.ts) or SEEDPAY_DATACHANNEL=relay runs the lab specs with the
 * datachannels' bytes relayed through the page — the fallback where a browser cannot transfer a datachannel to a
 * worker — instead of transferred to the peer worker (the default).
 */
export function forcedDatachannel(): Pick<LabStartOptions, 'datachannel'> {
  return process.env.SEEDPAY_DATACHANNEL === 'relay' || test.info().project.name === RELAY_PROJECT ? { datachannel: 'relay' } : {};
}

/** Name of the Playwright project that reruns core peer specs with the datachannels relayed through the page. */
export const RELAY_PROJECT = 'relay';

/** A provider: wallet key (no funds needed), a reserve price, quick choke rounds. */
export function providerOptions(namespace: string, extra: LabStartOptions['speed'] = {}): LabStartOptions {
  return { namespace, wallet: 'key', speed: { reserve_units_per_kib: RESERVE_UNITS_PER_KIB, choke_round_ms: 2000, ...extra } };
}

/** A requester: funded by the airdrop, bidding. */
export function requesterOptions(namespace: string, extra: LabStartOptions['speed'] = {}): LabStartOptions {
  return { namespace, wallet: 'airdrop', speed: { choke_round_ms: 2000, ...extra } };
}

export async function seed(tab: LabTab, size_bytes: number, seedValue: number, speed = true, piece_length = 256 * 1024) {
  return tab.page.evaluate(
    (o) => window.seedpayLab.seedGenerated({ size_bytes: o.size_bytes, seed: o.seedValue, name: `file-${o.seedValue}.bin`, speed: o.speed, piece_length: o.piece_length }),
    { size_bytes, seedValue, speed, piece_length },
  );
}

export async function add(tab: LabTab, torrent: LabTorrent, speed = true): Promise<LabTorrent> {
  return tab.page.evaluate((o) => window.seedpayLab.addTorrentFile(o.b64, o.speed), { b64: torrent.torrent_file_b64, speed });
}

export interface WalletEventJson {
  kind: string;
  [key: string]: unknown;
}

export async function walletEvents(tab: LabTab, kind?: string): Promise<WalletEventJson[]> {
  const events = await tab.page.evaluate(() => window.seedpayLab.events());
  return events
    .filter((e) => e.type === 'wallet')
    .map((e) => e.event as WalletEventJson)
    .filter((e) => kind === undefined || e.kind === kind);
}

export async function waitForWallet(tab: LabTab, kind: string, timeout_ms: number, match: (e: WalletEventJson) => boolean = () => true): Promise<WalletEventJson> {
  let found: WalletEventJson | undefined;
  await expect
    .poll(async () => {
      found = (await walletEvents(tab, kind)).find(match);
      return found !== undefined;
    }, { timeout: timeout_ms, intervals: [250, 500, 1000] })
    .toBe(true);
  return found as WalletEventJson;
}

export async function balance(tab: LabTab): Promise<bigint> {
  try {
    return BigInt((await tab.page.evaluate(() => window.seedpayLab.account())).balance_units);
  } catch {
    return 0n; // no account yet: nothing was ever paid to it
  }
}

export function sum(events: WalletEventJson[], field: string): bigint {
  return events.reduce((total, e) => total + BigInt(String(e[field])), 0n);
}

export async function auditHolds(tab: LabTab): Promise<void> {
  const report = await tab.page.evaluate(() => window.seedpayLab.audit());
  expect(report.ok, JSON.stringify(report).slice(0, 500)).toBe(true);
}

/** The highest cumulative amount per channel among payment events (`payment_sent` or `payment_received`). */
export function highestPerChannel(events: WalletEventJson[]): Map<string, bigint> {
  const highest = new Map<string, bigint>();
  for (const e of events) {
    const amount = BigInt(String(e.amount_units));
    if (amount > (highest.get(String(e.channel_id)) ?? 0n)) highest.set(String(e.channel_id), amount);
  }
  return highest;
}

/** What a requester signed in all: the sum over its channels of the highest state it sent. */
export async function signedTotal(tab: LabTab): Promise<bigint> {
  return [...highestPerChannel(await walletEvents(tab, 'payment_sent')).values()].reduce((a, b) => a + b, 0n);
}

/**
 * A Node provider (`npm run provide`) accepted every state the requester signed — its status line shows them all
 * earned — and Ctrl-C settles exactly those: it exits 0 and its ledger balance equals `total_signed`.
 */
export async function expectSettledOnStop(provider: { child: { kill(signal: NodeJS.Signals): boolean }; out(): string; exited: Promise<number | null> }, provider_key: string, total_signed: bigint): Promise<void> {
  await expect.poll(() => [...provider.out().matchAll(/earned ([\d.,]+) BTT/g)].at(-1)?.[1] ?? '', { timeout: 30_000 }).toBe(formatBtt(total_signed));
  provider.child.kill('SIGINT');
  expect(await provider.exited).toBe(0);
  const account = (await (await fetch(`${baseUrl()}/ledger/accounts/${provider_key}`)).json()) as { balance_units: string };
  expect(BigInt(account.balance_units)).toBe(total_signed);
}

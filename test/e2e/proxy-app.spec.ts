// The paid proxy through the app: a person with a funded wallet fetches a 20 MiB file from a loopback origin (ETag,
// ranges) in the "Fetch through a peer" view, through the terminal provider (allowlisted for that origin). A small cap
// stops the fetch first (and says so); with a larger cap it resumes; the provider cuts the link twice, the page is
// reloaded once mid-way, and the person pauses and resumes; the saved file's SHA-256 matches, the job's bitmaps say
// every chunk received was paid once, and the ledger's closed channels add up to exactly what the browser signed.
// A second file changes while paused: the fetch restarts and says so. Bad input gets plain words; axe passes at 1280
// and 390 px.
import { createHash } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { startProxyProvider } from '../../src/cli/proxy.ts';
import { createNobleSigner } from '../../src/protocol/ed25519.ts';
import type { ChannelId } from '../../src/protocol/payment-state.ts';
import { fromJSON } from '../../src/services/proxy/chunk-record.ts';
import type { ProviderLimits } from '../../src/services/proxy/job-request.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import { startOrigin } from '../services/proxy/origin.ts';
import { axeViolations } from './a11y-helpers.ts';
import { readDownload } from './app-helpers.ts';
import { APP_URL, createWallet, PASSWORD, walletAddresses } from './wallet-helpers.ts';

const MIB = 1024 * 1024;
const FILE_BYTES = 20 * MIB;
/** The view's chunk (FETCH_CHUNK_BYTES): 160 chunks of 128 KiB. */
const CHUNKS = 160;
/** 16 chunks: enough to pause mid-way. */
const SMALL_BYTES = 2 * MIB;
const LIMITS: ProviderLimits = { price_units_per_kib: 1n, max_job_bytes: 64 * MIB, max_day_bytes: 1 << 30, allowed_hosts: null, allowed_content_types: null };

function content(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 2654435761 + 7) >>> 24;
  return out;
}

async function received(page: Page): Promise<number> {
  const text = (await page.getByTestId('fetch-counts').textContent({ timeout: 1000 }).catch(() => null)) ?? '';
  return Number(/^(\d+) of/.exec(text)?.[1] ?? 0);
}

/** Polls the chunk count every 25 ms (the fetch is fast: expect.poll's back-off would overshoot a mid-way point). */
async function untilReceived(page: Page, at_least: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const n = await received(page);
    if (n >= at_least) return n;
    if (Date.now() > deadline) throw new Error(`only ${n} chunks arrived: ${await page.locator('main').innerText()}`);
    await page.waitForTimeout(25);
  }
}

async function storedJob(page: Page, url: string): Promise<{ record: string; spent_units: string }> {
  return page.evaluate((key) => new Promise((resolve, reject) => {
    const open = indexedDB.open('seedpay-proxy-jobs');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('jobs', 'readonly').objectStore('jobs').get(key);
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    };
  }), url);
}

test('a 20 MiB file fetched through a peer in the app survives a cap, a cut link and a reload; paid = received = signed', async ({ browser }) => {
  test.setTimeout(180_000);
  const server = process.env.SEEDPAY_URL ?? '';
  const file = content(FILE_BYTES);
  const origin = await startOrigin(file, '"big-1"');
  // A second, small resource that changes while its fetch is paused.
  const small_v1 = content(SMALL_BYTES);
  const small_v2 = content(SMALL_BYTES).map((b) => b ^ 0x5a);
  const small = await startOrigin(small_v1, '"small-1"');
  const provider = await startProxyProvider({
    server, signer: createNobleSigner(crypto.getRandomValues(new Uint8Array(32))), limits: LIMITS, test_allow: [origin.allow_entry, small.allow_entry], browser,
  });
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await createWallet(page);
  await page.getByRole('button', { name: 'Get free BTT' }).click();
  await expect(page.getByText(/added to your balance/)).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Skip for now' }).click();
  const { payment: payer } = await walletAddresses(page);

  await page.getByRole('link', { name: 'Fetch', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Fetch through a peer' })).toBeVisible();
  const url = page.getByLabel('Web address');
  const fetchButton = page.getByRole('button', { name: 'Fetch', exact: true });
  // Bad input, in words, before anything is sent.
  await url.fill('not a url');
  await fetchButton.click();
  await expect(page.getByRole('alert')).toHaveText(/That is not a web address/);
  await url.fill('file:///etc/passwd');
  await fetchButton.click();
  await expect(page.getByRole('alert')).toHaveText(/Only http:\/\/ and https:\/\//);
  await page.getByLabel('Spending cap for this file').fill('lots');
  await url.fill(`${origin.base}/file`);
  await fetchButton.click();
  await expect(page.getByRole('alert')).toHaveText(/Enter the spending cap as a BTT amount/);
  await expect(page.getByTestId('fetch-provider')).toHaveCount(1, { timeout: 30_000 });
  expect(await axeViolations(page, 'fetch 1280')).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await axeViolations(page, 'fetch 390')).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 800 });

  // A cap of 0.01 BTT (10,000 units at 1 unit/KiB) covers 78 of the 160 chunks: the fetch stops there and says so.
  await page.getByLabel('Spending cap for this file').fill('0.01');
  const started_ms = Date.now();
  await fetchButton.click();
  await expect(page.getByRole('alert')).toHaveText(/Your spending cap is reached/, { timeout: 60_000 });
  const capped = await received(page);
  const capped_ms = Date.now() - started_ms;
  expect(capped).toBeGreaterThan(0);
  expect(capped).toBeLessThan(CHUNKS);

  // A larger cap, and the job resumes; the provider cuts the link once; the page is reloaded once before the end.
  await page.getByLabel('Spending cap for this file').fill('1');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  const resumed_ms = Date.now();
  // The link is cut twice, 8 chunks apart; the page rejoins the swarm by itself each time.
  await untilReceived(page, capped + 8);
  expect(await provider.dropWires()).toBeGreaterThan(0);
  await untilReceived(page, capped + 16);
  expect(await provider.dropWires()).toBeGreaterThan(0);
  const before_reload = await untilReceived(page, capped + 24);
  expect(before_reload).toBeLessThan(CHUNKS);
  await page.reload();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Fetch through a peer' })).toBeVisible();
  await page.getByRole('button', { name: `Resume ${origin.base}/file` }).click();
  // Pause and resume from the view.
  await untilReceived(page, before_reload + 5);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('fetch-phase')).toHaveText('Paused.');
  const paused = await received(page);
  expect(paused).toBeLessThan(CHUNKS);
  await page.waitForTimeout(300);
  expect(await received(page)).toBe(paused);
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  const save = page.getByTestId('fetch-save');
  await expect(save).toBeVisible({ timeout: 60_000 });
  // Figures for the report (not asserted: speed belongs to benches): time from the resume to the saved file.
  console.log(`proxy-app: ${capped} chunks to the cap in ${capped_ms} ms (no interruption); ${CHUNKS - capped} chunks after the cap in ${Date.now() - resumed_ms} ms (two cuts, one reload); reload at ${before_reload}`);
  const [download] = await Promise.all([page.waitForEvent('download'), save.click()]);
  const bytes = await readDownload(download);
  expect(bytes.length).toBe(FILE_BYTES);
  // Its bytes left IndexedDB once the file was handed over (the job record stays, read below).
  expect(await page.evaluate(() => new Promise<number>((resolve, reject) => {
    const open = indexedDB.open('seedpay-proxy-chunks');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const count = open.result.transaction('chunks', 'readonly').objectStore('chunks').count();
      count.onsuccess = () => resolve(count.result);
      count.onerror = () => reject(count.error);
    };
  }))).toBe(0);
  // The finished job (chunk map, counts, Save and Open) passes axe too, at both widths.
  expect(await axeViolations(page, 'fetch done 1280')).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await axeViolations(page, 'fetch done 390')).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 800 });
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(file).digest('hex'));

  // Paid = received, from the job record the browser keeps; what it signed is its spend; the ledger settled exactly that.
  const stored = await storedJob(page, `${origin.base}/file`);
  const job = fromJSON(stored.record);
  if (!job.ok) throw new Error(job.reason);
  const count = (get: (i: number) => boolean) => Array.from({ length: CHUNKS }, (_, i) => get(i)).filter(Boolean).length;
  expect(count((i) => job.job.received.get(i))).toBe(CHUNKS);
  expect(count((i) => job.job.paid.get(i))).toBe(CHUNKS);
  const signed = BigInt(stored.spent_units);
  expect(signed).toBe(BigInt(FILE_BYTES / 1024) * LIMITS.price_units_per_kib);
  const ledger = new LedgerClient({ baseUrl: `${server}/ledger` });
  await expect.poll(async () => {
    const opened = (await ledger.history(payer, { limit: 1000 })).filter((e) => e.kind === 'channel_open' && e.fields.payer === payer);
    const channels = await Promise.all(opened.map((e) => ledger.channel(String(e.fields.channel_id) as ChannelId)));
    const open = channels.filter((ch) => ch.state !== 'closed').length;
    return `${open} open, ${channels.reduce((sum, ch) => sum + ch.paid_units, 0n)} paid`;
  }, { timeout: 70_000 }).toBe(`0 open, ${signed} paid`);

  // A file that changes while its fetch is paused: the resume is offered the new version, restarts and says so.
  await page.getByLabel('Web address').fill(`${small.base}/file`);
  await fetchButton.click();
  await expect(page.getByTestId('fetch-job')).toContainText(`${small.base}/file`);
  await untilReceived(page, 2);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('fetch-phase')).toHaveText('Paused.');
  expect(await received(page)).toBeLessThan(SMALL_BYTES / (128 * 1024));
  small.replace(small_v2, '"small-2"');
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect(page.getByTestId('fetch-save')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Fetched' })).toHaveText(/The file changed on the site during the fetch: this is its new version/);
  const [again] = await Promise.all([page.waitForEvent('download'), page.getByTestId('fetch-save').click()]);
  const small_bytes = await readDownload(again);
  expect(createHash('sha256').update(small_bytes).digest('hex')).toBe(createHash('sha256').update(small_v2).digest('hex'));

  await context.close();
  await provider.close();
  await origin.close();
  await small.close();
});

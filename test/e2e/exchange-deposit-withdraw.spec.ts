// The exchange in real Chromium against `npm start`'s server (its own, with a fast block clock and a low daily
// limit): a new wallet's TRON address is funded by the local chain's faucet, deposits 50 BTT signed by the wallet's
// TRON key, watches the confirmations and sees exactly 50 BTT credited (ledger API and node agree); withdraws 20 BTT
// to another TRON address, which then holds 20 BTT more; a second 20 BTT is queued under the limit and paid in the
// next window; both audits hold.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { TronWeb } from 'tronweb';
import { startServer, type RunningServer } from '../../src/server/main.ts';
import { axeViolations } from './a11y-helpers.ts';
import { createWallet, finishFirstRun } from './wallet-helpers.ts';

const BTT = 1_000_000n;
/** 19 confirmations take 19 blocks: at 200 ms a deposit is final in about 4 s instead of a minute. */
const BLOCK_MS = 200;
/** Two withdrawals of 20 BTT do not fit one window: the second waits for the next. */
const DAILY_LIMIT_UNITS = 30n * BTT;
const LIMIT_WINDOW_MS = 12_000;
/** Both withdrawals are sent with at least this much of their window left, so they share it. */
const WINDOW_MARGIN_MS = 7_000;

let server: RunningServer;
let dir: string;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seedpay-e2e-exchange-'));
  mkdirSync(join(dir, 'data'));
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir: join(dir, 'data'),
    staticDir: resolve(process.env.SEEDPAY_STATIC_DIR ?? 'dist'),
    tronBlockMs: BLOCK_MS,
    exchangeDailyLimitUnits: DAILY_LIMIT_UNITS,
    exchangeLimitWindowMs: LIMIT_WINDOW_MS,
  });
});

test.afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function json(path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${server.url}${path}`)).json()) as Record<string, unknown>;
}

async function chainBtt(address: string): Promise<bigint> {
  const account = (await json(`/tron/wallet/getaccount?address=${address}&visible=true`)) as { assetV2?: Array<{ key: string; value: number }> };
  return BigInt(account.assetV2?.find((a) => a.key === '1002000')?.value ?? 0);
}

async function withdraw(page: Page, to: string, amount: string): Promise<void> {
  await page.getByLabel('TRON address to pay').fill(to);
  await page.getByLabel('Amount to withdraw').fill(amount);
  await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
  await expect(page.getByLabel('Amount to withdraw')).toHaveValue('');
}

test('deposit 50 BTT from the wallet\'s TRON address, withdraw 20 BTT, a second 20 BTT queued then paid', async ({ page }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await createWallet(page, undefined, `${server.url}/`);
  await finishFirstRun(page);
  await page.goto(`${server.url}/#/wallet`);
  const [payment = '', tron = ''] = (await page.locator('.copy .value').allTextContents()).map((v) => v.trim());
  expect(payment).toMatch(/^[0-9a-f]{64}$/);

  // The exchange view says it is a local test chain; the faucet has funded the new address (it was created above).
  await page.getByRole('link', { name: 'Exchange' }).click();
  await expect(page.getByTestId('local-chain-notice')).toContainText('Local test chain');
  await expect(page.getByTestId('chain-btt')).toHaveText('1,000 BTT');
  await expect(page.getByTestId('chain-trx')).toContainText('100 TRX');
  expect(await axeViolations(page, 'exchange')).toEqual([]);
  const hot = String((await json('/ledger/exchange/info')).hot_wallet);
  const hotBefore = await chainBtt(hot);

  // Deposit 50 BTT: a wrong password signs nothing; the right one signs with the wallet's TRON key.
  await page.getByLabel('Amount to deposit').fill('50');
  await page.getByLabel('Wallet password (to sign on TRON)').fill('not my password');
  await page.getByRole('button', { name: 'Deposit 50 BTT' }).click();
  await expect(page.getByRole('alert')).toContainText('That password is not right');
  await expect(page.getByTestId('transfer')).toHaveCount(0);
  await page.getByLabel('Wallet password (to sign on TRON)').fill('correct horse battery');
  await page.getByRole('button', { name: 'Deposit 50 BTT' }).click();
  const deposit = page.locator('[data-testid="transfer"][data-kind="deposit"]');
  await expect(deposit).toHaveCount(1);
  // The confirmations are shown as they come; nothing says credited before the ledger does.
  await expect(deposit.getByText(/^([1-9]|1[0-8]) of 19 confirmations$/)).toBeVisible({ timeout: 20_000 });
  await expect(deposit.getByTestId('transfer-outcome')).toHaveText('In progress');
  await expect(deposit.getByTestId('transfer-outcome')).toHaveText('Credited', { timeout: 20_000 });
  await expect(deposit.getByText('19 of 19 confirmations')).toBeVisible();
  expect((await json(`/ledger/accounts/${payment}`)).balance_units).toBe(String(50n * BTT));
  expect(await chainBtt(tron)).toBe(950n * BTT);
  expect(await chainBtt(hot)).toBe(hotBefore + 50n * BTT);
  await expect(page.getByTestId('header-balance')).toHaveText('50 BTT');

  // A mistyped address is caught by its checksum before anything is signed.
  const to = TronWeb.address.fromPrivateKey(randomBytes(32).toString('hex')) as string;
  const typo = `${to.slice(0, 10)}${to[10] === 'a' ? 'b' : 'a'}${to.slice(11)}`;
  await page.getByLabel('TRON address to pay').fill(typo);
  await page.getByLabel('Amount to withdraw').fill('20');
  await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('checksum');
  await expect(page.locator('[data-testid="transfer"][data-kind="withdrawal"]')).toHaveCount(0);

  // Two withdrawals of 20 BTT in one limit window of 30 BTT: the first is paid, the second waits for the next window.
  const left = LIMIT_WINDOW_MS - (Date.now() % LIMIT_WINDOW_MS);
  if (left < WINDOW_MARGIN_MS) await page.waitForTimeout(left + 50);
  const windowEnd = (Math.floor(Date.now() / LIMIT_WINDOW_MS) + 1) * LIMIT_WINDOW_MS;
  await withdraw(page, to, '20');
  await withdraw(page, to, '20');
  const withdrawals = page.locator('[data-testid="transfer"][data-kind="withdrawal"]');
  await expect(withdrawals).toHaveCount(2);
  const [second, first] = [withdrawals.nth(0), withdrawals.nth(1)];
  await expect(second.getByTestId('transfer-outcome')).toHaveText('Queued');
  await expect(second.getByText(/^position 1 under the exchange's daily limit, paid from /)).toBeVisible();
  expect(Date.now()).toBeLessThan(windowEnd);
  expect((await json(`/ledger/accounts/${payment}`)).balance_units).toBe(String(10n * BTT)); // both held at once
  expect(await axeViolations(page, 'exchange with transfers')).toEqual([]);
  await expect(first.getByTestId('transfer-outcome')).toHaveText('Paid', { timeout: 20_000 });
  expect(await chainBtt(to)).toBeGreaterThanOrEqual(20n * BTT);

  // The queued one is paid only once its window has come.
  await expect(second.getByTestId('transfer-outcome')).toHaveText('Paid', { timeout: LIMIT_WINDOW_MS + 20_000 });
  expect(Date.now()).toBeGreaterThanOrEqual(windowEnd);
  expect(await chainBtt(to)).toBe(40n * BTT);
  const account = await json(`/ledger/accounts/${payment}`);
  expect(account).toMatchObject({ balance_units: String(10n * BTT), escrow_units: '0' });
  expect(await json('/ledger/exchange/audit')).toMatchObject({ ok: true, liabilities_units: String(10n * BTT) });
  expect((await json('/ledger/audit')).ok).toBe(true);

  // The wallet's history reads the same journal: one deposit, two holds, both paid.
  await page.getByRole('link', { name: 'Wallet', exact: true }).click();
  const history = page.getByTestId('history-amount').locator('xpath=..');
  await expect(history.filter({ hasText: 'Deposited from TRON' })).toHaveCount(1);
  await expect(history.filter({ hasText: 'Held for a withdrawal to TRON' })).toHaveCount(2);
  await expect(history.filter({ hasText: 'Withdrawal of 20 BTT paid on TRON' })).toHaveCount(2);

  // On a phone the exchange view, timelines included, fits the width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: 'Exchange' }).click();
  await expect(page.locator('[data-testid="transfer"]')).toHaveCount(3);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  expect(await axeViolations(page, 'exchange on a phone')).toEqual([]);
  expect(errors).toEqual([]);
});

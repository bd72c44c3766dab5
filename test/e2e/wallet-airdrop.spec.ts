// The airdrop through the app: the ledger's proof of work is solved in a worker with a progress bar, the claim is
// signed by the wallet's non-extractable key, and the balance appears. Needs the ledger at /ledger on the server.
import { expect, test } from '@playwright/test';
import { APP_URL, createWallet, PASSWORD } from './wallet-helpers.ts';

test('airdrop with progress ends with a balance', async ({ page, request }) => {
  // The ledger is part of `npm start`: if it is not mounted, this test fails rather than skipping.
  const info = await request.get(`${APP_URL()}ledger/info`);
  expect(info.ok()).toBe(true);
  expect(info.headers()['content-type'] ?? '').toContain('json');

  await createWallet(page);
  await page.getByRole('button', { name: 'Get free BTT' }).click();
  // The bar shows while the worker hashes (difficulty 18 takes a second or two).
  await page.waitForSelector('[role=progressbar][aria-label="Airdrop puzzle progress"]', { state: 'attached', timeout: 30_000 });
  await expect(page.getByText(/added to your balance/)).toBeVisible({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Skip for now' }).click();
  await expect(page.getByTestId('header-balance')).toHaveText(/^[1-9][\d,]*(\.\d+)? BTT$/);
  await page.goto(`${APP_URL()}#/wallet`);
  await expect(page.getByTestId('total-balance')).toContainText('BTT');
  await expect(page.getByRole('table')).toContainText('Airdrop');
  await page.screenshot({ path: 'test-results/screenshots/10-wallet-funded-desktop.png', fullPage: true });

  // Once granted, the wallet no longer offers the airdrop (one per key, and the ledger says this one had it).
  await page.reload();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByTestId('total-balance')).toContainText(/[1-9][\d,.]* BTT/);
  await expect(page.getByRole('heading', { name: 'Starter BTT' })).toHaveCount(0);
});

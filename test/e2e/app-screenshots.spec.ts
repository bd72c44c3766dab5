// Screenshots of each view at desktop and phone width, into test-results/screenshots/, for a person to look at.
// Each view is also checked for page errors, for overflowing the phone's width, and by axe-core (no serious or
// critical accessibility violation).
import { expect, test, type Page } from '@playwright/test';
import { axeViolations } from './a11y-helpers.ts';
import { APP_URL, createWallet, PASSWORD } from './wallet-helpers.ts';

const SIZES = [
  { name: 'desktop', width: 1280, height: 860 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** Serious/critical axe findings of every view visited so far in the running test (checked at its end). */
let violations: string[] = [];

async function shot(page: Page, size: string, view: string): Promise<void> {
  await page.waitForTimeout(250); // let transitions settle
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${view} at ${size} overflows horizontally`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `test-results/screenshots/${view}-${size}.png`, fullPage: true });
  violations.push(...(await axeViolations(page, `${view}-${size}`)));
}

for (const size of SIZES) {
  test(`main views at ${size.name} width`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
    const page = await context.newPage();
    const errors: string[] = [];
    violations = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(APP_URL());
    await expect(page.getByRole('heading', { name: 'Welcome to Seedpay' })).toBeVisible();
    await shot(page, size.name, '01-welcome');

    await page.getByRole('button', { name: 'Set up Speed' }).click();
    await shot(page, size.name, '02-create-wallet');
    await page.getByRole('tab', { name: 'Restore' }).click();
    await shot(page, size.name, '02b-restore-wallet');
    await page.getByRole('tab', { name: 'Import file' }).click();
    await shot(page, size.name, '02c-import-key-file');
    await page.goto(APP_URL());
    await page.evaluate(() => indexedDB.deleteDatabase('seedpay-wallet'));

    // Backup step: stop on it for its picture, then finish.
    await page.goto(APP_URL());
    await page.getByRole('button', { name: 'Set up Speed' }).click();
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create wallet' }).click();
    await expect(page.getByRole('list', { name: /Recovery phrase/ })).toBeVisible();
    await shot(page, size.name, '03-backup-phrase');
    await page.getByLabel('I have written down my recovery phrase.').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByRole('heading', { name: 'Get starter BTT' })).toBeVisible();
    await shot(page, size.name, '04-airdrop');
    await page.getByRole('button', { name: 'Skip for now' }).click();
    await expect(page.getByRole('heading', { name: 'Try it' })).toBeVisible();
    await shot(page, size.name, '04b-try-it');
    await page.getByRole('button', { name: 'Skip for now' }).click();
    await expect(page.getByRole('heading', { name: 'Torrents' })).toBeVisible();
    await shot(page, size.name, '05-torrents');

    // A shared file, so the list and the detail have something to show.
    await page.getByTestId('share-files-input').setInputFiles({ name: 'holiday-photos.zip', mimeType: 'application/zip', buffer: Buffer.alloc(600 * 1024, 7) });
    const torrent = page.getByTestId('torrent-row').filter({ hasText: 'holiday-photos.zip' });
    await expect(torrent.getByText('Seeding')).toBeVisible({ timeout: 60_000 });
    await shot(page, size.name, '05b-torrents-list');
    await torrent.getByRole('button', { name: 'Details' }).click();
    await expect(page.getByRole('heading', { name: 'Peers' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Save holiday-photos.zip' })).toBeEnabled();
    await shot(page, size.name, '05c-torrent-detail');

    await page.goto(`${APP_URL()}#/wallet`);
    await expect(page.getByRole('heading', { name: 'Wallet', exact: true })).toBeVisible();
    await shot(page, size.name, '06-wallet');

    await page.goto(`${APP_URL()}#/settings`);
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    await shot(page, size.name, '07-settings');

    await page.goto(`${APP_URL()}#/charts`);
    await expect(page.getByRole('heading', { name: 'Charts' })).toBeVisible();
    await shot(page, size.name, '08-charts');

    await page.getByRole('button', { name: 'Lock wallet' }).click();
    await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
    await shot(page, size.name, '09-unlock');

    expect(errors).toEqual([]);
    expect(violations).toEqual([]);
    await context.close();
  });
}

test('the first-run flow can be left without Speed, and Speed stays off', async ({ page }) => {
  await page.goto(APP_URL());
  await page.getByRole('button', { name: 'Use Seedpay without Speed' }).click();
  await expect(page.getByRole('heading', { name: 'Torrents' })).toBeVisible();
  await expect(page.getByText('Speed off')).toBeVisible();
  await page.goto(`${APP_URL()}#/wallet`);
  await expect(page.getByRole('heading', { name: 'No wallet yet' })).toBeVisible();
});

test('a created wallet survives the first-run flow being reloaded midway', async ({ page }) => {
  await createWallet(page);
  await page.reload();
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: 'Get starter BTT' })).toBeVisible();
});

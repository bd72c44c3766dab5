// The wallet in real Chromium: create → reload → unlock (wrong password refused, nothing lost); restore from the
// phrase in a fresh profile gives the same account; the stored record is ciphertext only.
import { bytesToHex } from '@noble/hashes/utils.js';
import { expect, test } from '@playwright/test';
import { deriveKeysFromEntropy, entropyFromPhrase } from '../../src/wallet/derive.ts';
import { APP_URL, createWallet, dumpBrowserStorage, finishFirstRun, PASSWORD, walletAddresses } from './wallet-helpers.ts';

test('create a wallet, reload, refuse a wrong password, unlock with the right one; restore elsewhere gives the same account', async ({ page, browser }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  const phrase = await createWallet(page);
  await finishFirstRun(page);
  const created = await walletAddresses(page);
  expect(created.tron).toMatch(/^T[1-9A-HJ-NP-Za-km-z]{33}$/);
  expect(created.payment).toMatch(/^[0-9a-f]{64}$/);

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill('not my password');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toContainText('That password is not right');
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();

  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('button', { name: 'Lock wallet' })).toBeVisible();
  expect(await walletAddresses(page)).toEqual(created);

  // Lock from the header: the lock screen comes back.
  await page.getByRole('button', { name: 'Lock wallet' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();

  // A fresh profile: restore from the phrase (typed sloppily) under another password.
  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  await other.goto(APP_URL());
  await other.getByRole('button', { name: 'Set up Speed' }).click();
  await other.getByRole('tab', { name: 'Restore' }).click();
  await other.getByRole('textbox', { name: 'Recovery phrase' }).fill(`  ${phrase.toUpperCase().replaceAll(' ', '  ')} `);
  await other.getByLabel('New password for this browser').fill('another password');
  await other.getByRole('button', { name: 'Restore wallet' }).click();
  await expect(other.getByRole('heading', { name: 'Get starter BTT' })).toBeVisible();
  await finishFirstRun(other);
  expect(await walletAddresses(other)).toEqual(created);
  await fresh.close();

  expect(errors.filter((e) => !/ledger|Failed to load resource/i.test(e))).toEqual([]);
});

test('a mistyped phrase is explained, not just refused', async ({ page }) => {
  await page.goto(APP_URL());
  await page.getByRole('button', { name: 'Set up Speed' }).click();
  await page.getByRole('tab', { name: 'Restore' }).click();
  await page.getByRole('textbox', { name: 'Recovery phrase' }).fill('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abuot');
  await page.getByLabel('New password for this browser').fill(PASSWORD);
  await page.getByRole('button', { name: 'Restore wallet' }).click();
  await expect(page.getByRole('alert')).toContainText('Not in the word list: abuot');
});

test('IndexedDB and localStorage hold no private key, entropy or phrase — ciphertext only', async ({ page }) => {
  const phrase = await createWallet(page);
  await finishFirstRun(page);
  const entropy = entropyFromPhrase(phrase);
  const keys = await deriveKeysFromEntropy(entropy);
  const secretHex = bytesToHex(keys.paymentSecretKey);
  const secretB64 = Buffer.from(keys.paymentSecretKey).toString('base64url');

  const storage = await dumpBrowserStorage(page);
  expect(storage).toContain('seedpay-wallet/vault');
  expect(storage).toContain('ciphertext_hex');
  expect(storage).toContain(keys.paymentPublicKeyHex);
  for (const secret of [secretHex, secretB64, bytesToHex(entropy), phrase, PASSWORD]) expect(storage).not.toContain(secret);
  // No run of three consecutive phrase words anywhere either.
  const words = phrase.split(' ');
  for (let i = 0; i + 3 <= words.length; i++) expect(storage).not.toContain(words.slice(i, i + 3).join(' '));
  expect(storage).not.toContain('localStorage/');
});

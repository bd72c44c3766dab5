// Shared steps for the wallet and app end-to-end specs: walk the first-run flow, read IndexedDB and localStorage.
import { expect, type Page } from '@playwright/test';

export const APP_URL = () => `${process.env.SEEDPAY_URL}/`;
export const PASSWORD = 'correct horse battery';

/** Welcome → Set up Speed → new wallet with PASSWORD → returns the 12 words shown, confirmed as written down. */
export async function createWallet(page: Page, password = PASSWORD, appUrl = APP_URL()): Promise<string> {
  await page.goto(appUrl);
  await page.getByRole('button', { name: 'Set up Speed' }).click();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Repeat password').fill(password);
  await page.getByRole('button', { name: 'Create wallet' }).click();
  const words = page.getByRole('list', { name: /Recovery phrase/ }).locator('.w');
  await expect(words).toHaveCount(12);
  const phrase = (await words.allTextContents()).join(' ');
  await page.getByLabel('I have written down my recovery phrase.').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: 'Get starter BTT' })).toBeVisible();
  return phrase;
}

/** Leaves the first-run flow from the airdrop step without claiming. */
export async function finishFirstRun(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Skip for now|Continue/ }).click();
  await page.getByRole('button', { name: 'Skip for now' }).click();
  await expect(page.getByRole('heading', { name: 'Torrents' })).toBeVisible();
}

export async function walletAddresses(page: Page): Promise<{ payment: string; tron: string }> {
  await page.goto(`${APP_URL()}#/wallet`);
  const values = page.locator('.copy .value');
  await expect(values).toHaveCount(2);
  const [payment = '', tron = ''] = await values.allTextContents();
  return { payment: payment.trim(), tron: tron.trim() };
}

/** Every value in every IndexedDB object store of the origin, and all of localStorage, as one string (bytes as hex). */
export async function dumpBrowserStorage(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    const replacer = (_key: string, value: unknown) => {
      if (value instanceof Uint8Array) return `hex:${hex(value)}`;
      if (value instanceof ArrayBuffer) return `hex:${hex(new Uint8Array(value))}`;
      if (typeof value === 'bigint') return value.toString();
      return value;
    };
    const out: string[] = [];
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open(info.name as string);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const values = await new Promise<unknown[]>((resolve, reject) => {
          const request = db.transaction(name, 'readonly').objectStore(name).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        out.push(`${info.name}/${name}: ${JSON.stringify(values, replacer)}`);
      }
      db.close();
    }
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i) ?? '';
      out.push(`localStorage/${key}: ${localStorage.getItem(key)}`);
    }
    return out.join('\n');
  });
}

// Keyboard-only use of the app: the first-run flow (create a wallet, confirm the backup, skip the airdrop and the
// sample), adding a torrent (magnet link, and a .torrent file through the file picker) and Settings (a switch, the
// auto-lock period), with Tab, Shift+Tab, Enter, Space, arrows and typing only — no clicks, no fill().
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { makeTorrentFile } from './torrent-file-helpers.ts';
import { APP_URL, PASSWORD } from './wallet-helpers.ts';

/** More Tab presses than any screen has controls before the one a test looks for. */
const MAX_TABS = 40;

/** What the focused element is called: its label, aria-label or text. */
async function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return '';
    const labelledBy = el.getAttribute('aria-labelledby');
    if (labelledBy) return labelledBy.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
    const aria = el.getAttribute('aria-label');
    if (aria) return aria.trim();
    const label = 'labels' in el ? (el as HTMLInputElement).labels?.[0] : null;
    if (label) return (label.textContent ?? '').trim();
    return (el.textContent ?? '').trim();
  });
}

/** Presses Tab until the focused control's name matches, as a keyboard user would; fails if it never comes. */
async function tabTo(page: Page, name: string | RegExp): Promise<void> {
  const matches = (text: string) => (typeof name === 'string' ? text === name : name.test(text));
  for (let i = 0; i < MAX_TABS; i++) {
    if (matches(await focusedName(page))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached "${String(name)}" (last: "${await focusedName(page)}")`);
}

test('first run, adding torrents and Settings work from the keyboard alone', async ({ page }) => {
  await page.goto(APP_URL());
  await expect(page.getByRole('heading', { name: 'Welcome to Seedpay' })).toBeVisible();

  // First run: Set up Speed → the password field has focus → type twice → Enter submits.
  await tabTo(page, 'Set up Speed');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Your wallet' })).toBeVisible();
  await tabTo(page, 'Password');
  await page.keyboard.type(PASSWORD);
  await tabTo(page, 'Repeat password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('list', { name: /Recovery phrase/ })).toBeVisible();
  await tabTo(page, 'I have written down my recovery phrase.');
  await page.keyboard.press('Space');
  await expect(page.getByLabel('I have written down my recovery phrase.')).toBeChecked();
  await tabTo(page, 'Continue');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Get starter BTT' })).toBeVisible();
  await tabTo(page, 'Skip for now');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Try it' })).toBeVisible();
  await tabTo(page, 'Skip for now');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Torrents' })).toBeVisible();

  // Adding a torrent: a magnet link typed and sent with Enter…
  const infoHash = randomBytes(20).toString('hex');
  await tabTo(page, 'Magnet link');
  await page.keyboard.type(`magnet:?xt=urn:btih:${infoHash}&dn=typed-magnet`);
  await page.keyboard.press('Enter');
  await expect(page.locator(`[data-testid=torrent-row][data-info-hash="${infoHash}"]`)).toBeVisible({ timeout: 30_000 });
  // …and a .torrent file: Enter on "Open .torrent file" opens the file picker.
  await tabTo(page, 'Open .torrent file');
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Enter');
  await (await chooser).setFiles({ name: 'keyboard.torrent', mimeType: 'application/x-bittorrent', buffer: makeTorrentFile('from-the-keyboard.bin', 20 * 1024).torrent });
  await expect(page.getByTestId('torrent-row').filter({ hasText: 'from-the-keyboard.bin' })).toBeVisible({ timeout: 30_000 });

  // Settings: reach it through the main navigation, flip a switch with Space, pick the auto-lock period with arrows.
  await tabTo(page, 'Settings');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await tabTo(page, 'Sell upload bandwidth');
  await expect(page.getByRole('switch', { name: 'Sell upload bandwidth' })).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Space');
  await expect(page.getByRole('switch', { name: 'Sell upload bandwidth' })).toHaveAttribute('aria-checked', 'false');
  await tabTo(page, 'Lock the wallet when idle for');
  const before = await page.getByLabel('Lock the wallet when idle for').inputValue();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByLabel('Lock the wallet when idle for')).not.toHaveValue(before);
  const chosen = await page.getByLabel('Lock the wallet when idle for').inputValue();
  await expect(page.getByText('Saved')).toBeVisible();

  // The choices were saved: after a reload, unlock with the keyboard (the password field has focus) and look.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Unlock your wallet' })).toBeVisible();
  await tabTo(page, 'Password');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await expect(page.getByLabel('Lock the wallet when idle for')).toHaveValue(chosen);
  await expect(page.getByRole('switch', { name: 'Sell upload bandwidth' })).toHaveAttribute('aria-checked', 'false');
});

// Plain-language messages for the bad inputs people actually give: passwords that are short or differ, and files
// that are not .torrent files (never the torrent library's "Invalid torrent identifier").
import { expect, test } from '@playwright/test';
import { plainPeer } from './app-helpers.ts';
import { APP_URL } from './wallet-helpers.ts';

test('the create-wallet form says only what is wrong with what is typed now', async ({ page }) => {
  await page.goto(APP_URL());
  await page.getByRole('button', { name: 'Set up Speed' }).click();
  const password = page.getByLabel('Password', { exact: true });
  const repeat = page.getByLabel('Repeat password');
  const create = page.getByRole('button', { name: 'Create wallet' });

  await password.fill('short');
  await repeat.fill('short');
  await create.click();
  await expect(page.getByText('Use at least 8 characters.')).toBeVisible();
  await expect(page.getByText('The two passwords are different.')).toHaveCount(0);

  // Two different 15-character passwords: only the mismatch is reported.
  await password.fill('fifteen-chars-a');
  await repeat.fill('fifteen-chars-b');
  await create.click();
  await expect(page.getByText('The two passwords are different.')).toBeVisible();
  await expect(page.getByText('Use at least 8 characters.')).toHaveCount(0);
  await expect(password).not.toHaveAttribute('aria-invalid', 'true');

  // Short and different: both are true, so both are said.
  await password.fill('short');
  await create.click();
  await expect(page.getByText('Use at least 8 characters.')).toBeVisible();
  await expect(page.getByText('The two passwords are different.')).toBeVisible();

  // Fixed: the wallet is created.
  await password.fill('fifteen-chars-b');
  await create.click();
  await expect(page.getByRole('list', { name: /Recovery phrase/ })).toBeVisible();
});

test('a file that is not a .torrent is explained in plain words, and nothing is added', async ({ browser }) => {
  const page = await plainPeer(browser);
  const input = page.getByTestId('torrent-file-input');

  // A picture renamed to .torrent: refused before the peer sees it.
  await input.setInputFiles({ name: 'holiday.torrent', mimeType: 'application/x-bittorrent', buffer: Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\rIHDR', 'latin1') });
  await expect(page.getByRole('alert')).toContainText('holiday.torrent is not a .torrent file. Choose the .torrent file you were given, or paste its magnet link.');

  // Shaped like a .torrent but missing what one needs (no pieces, no length): the peer's refusal is reworded.
  await input.setInputFiles({ name: 'hollow.torrent', mimeType: 'application/x-bittorrent', buffer: Buffer.from('d4:infod4:name5:emptyee') });
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('hollow.torrent is not a .torrent file Seedpay can read.');
  await expect(alert).not.toContainText(/identifier/i);
  await expect(page.getByTestId('torrent-row')).toHaveCount(0);
  await page.context().close();
});

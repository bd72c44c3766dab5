import { expect, test } from '@playwright/test';

test('the app shell loads in Chromium and shows its name', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${process.env.SEEDPAY_URL}/`);
  await expect(page).toHaveTitle('Seedpay');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Seedpay');
  expect(errors).toEqual([]);
});

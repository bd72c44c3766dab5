// The installable app: the service worker takes control, Chromium finds the manifest installable, and the app
// shell starts with the network cut. Installability is judged in a persistent profile: Chromium never offers
// installs in incognito-like contexts, which is what Playwright's default contexts are.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test } from '@playwright/test';
import config from '../../playwright.config.ts';

test('service worker controls the page, manifest is installable, app starts offline', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'seedpay-pwa-'));
  const context = await chromium.launchPersistentContext(profile, { ...config.use?.launchOptions, headless: true });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${process.env.SEEDPAY_URL}/`);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The first load installs the worker; the reload is the first page it controls.
    await page.reload();
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: Array<{ message: string }>; data?: string };
    expect(manifest.errors).toEqual([]);
    const parsed = JSON.parse(manifest.data ?? '{}') as { name?: string; icons?: unknown[] };
    expect(parsed.name).toContain('Seedpay');
    expect(parsed.icons?.length).toBeGreaterThanOrEqual(2);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: Array<{ errorId: string }>;
    };
    expect(installabilityErrors).toEqual([]);

    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Seedpay');
    await context.setOffline(false);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

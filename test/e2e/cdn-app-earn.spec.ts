// Earn mode in the app (issue 17), in real Chromium: a publisher's loopback origin, paced, holds a 3 MiB file whose
// CDN link has a web seed and no seeding peer. A new app profile (wallet, airdrop) turns on Settings → Earn, only for
// that origin; the Earn section passes axe at 1280 and 390 px and says why it serves nothing yet. A Speed requester
// starts; the app sees its bid on the demand board, joins (rarest first, web seed), serves it for pay and shows why
// it chose it; the requester's file is byte-exact, it bought part of it from the app, the torrent is marked "Earn
// mode" in the list, and the app's ledger balance rises. (The terminal's earn mode: cdn-earn.spec.ts.)
import { createHash, randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { buildCdnTorrent, cdnPieceLength, pieceHashes } from '../../src/protocol/cdn-torrent.ts';
import { axeViolations } from './a11y-helpers.ts';
import { startOrigin } from './cdn-origin.ts';
import { baseUrl, openLab, requesterOptions, type LabTab } from './peer-helpers.ts';
import { APP_URL, createWallet, walletAddresses } from './wallet-helpers.ts';

const MiB = 1024 * 1024;
const FILE_BYTES = 3 * MiB;
/** Slow enough that the requester is still fetching when the app has pieces to sell it. */
const ORIGIN_BYTES_PER_S = 120 * 1024;

/** The CDN link as `npm run cdn` makes it: the .torrent registered in the server's catalogue, its magnet returned. */
async function cdnLink(url: string, content: Buffer): Promise<string> {
  const piece_length = cdnPieceLength(content.length);
  const t = buildCdnTorrent({
    name: 'talk.bin', length_bytes: content.length, piece_length, pieces: pieceHashes(content, piece_length),
    web_seed: url, announce: `${baseUrl().replace('http', 'ws')}/announce`,
  });
  const r = await fetch(`${baseUrl()}/cdn`, { method: 'POST', body: Buffer.from(t.torrent_file), headers: { 'Content-Type': 'application/x-bittorrent' } });
  expect(r.status).toBe(201);
  return ((await r.json()) as { magnet: string }).magnet;
}

test('earn mode in the app: it follows the board to a web-seeded torrent, serves it for pay and says why', async ({ browser, request }) => {
  test.setTimeout(150_000);
  const content = randomBytes(FILE_BYTES);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const origin = await startOrigin('/media/talk.bin', content, ORIGIN_BYTES_PER_S);
  const appContext = await browser.newContext();
  const t0 = Date.now();
  let requester: LabTab | null = null;
  try {
    const magnet = await cdnLink(origin.url, content);

    // The earn-mode profile: a new wallet with the airdrop, spending rate 0 (it only sells), earn mode for the origin.
    const app = await appContext.newPage();
    await createWallet(app);
    await app.getByRole('button', { name: 'Get free BTT' }).click();
    await expect(app.getByText(/added to your balance/)).toBeVisible({ timeout: 60_000 });
    await app.getByRole('button', { name: 'Continue' }).click();
    await app.getByRole('button', { name: 'Skip for now' }).click();
    await expect(app.getByRole('heading', { name: 'Torrents' })).toBeVisible();
    const { payment } = await walletAddresses(app);
    const balance = async () => {
      const r = await request.get(`${baseUrl()}/ledger/accounts/${payment}`);
      return r.ok() ? BigInt(((await r.json()) as { balance_units: string }).balance_units) : 0n;
    };
    const balanceBefore = await balance();
    expect(balanceBefore).toBeGreaterThan(0n);

    await app.goto(`${APP_URL()}#/settings`);
    await app.getByLabel(/^Spending rate/).fill('0');
    await app.getByRole('switch', { name: 'Earn by serving what others want' }).click();
    await app.getByLabel('Storage budget').fill('64');
    await app.getByLabel('Storage budget').press('Tab');
    await app.getByLabel('Accepted sites').fill(new URL(origin.url).origin);
    await app.getByRole('radio', { name: 'Only files from these sites' }).check();
    const report = app.getByTestId('earn-report');
    await expect(report.getByTestId('earn-idle')).toHaveText(/^Nothing (joined|new to join): /);
    const section = app.locator('fieldset', { has: app.getByRole('switch', { name: 'Earn by serving what others want' }) });
    await section.scrollIntoViewIfNeeded();
    expect(await axeViolations(app, 'settings earn 1280')).toEqual([]);
    await app.setViewportSize({ width: 390, height: 844 });
    expect(await axeViolations(app, 'settings earn 390')).toEqual([]);
    await app.setViewportSize({ width: 1280, height: 800 });

    // The requester: its bid reaches the board; the app joins, says why, and sells it pieces it fetched rarest first.
    const started = Date.now();
    requester = await openLab(browser, requesterOptions('cdn-app-earn-r1'));
    const tab = requester;
    const torrent = await tab.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    await expect(report.getByTestId('earn-torrent')).toContainText(/talk\.bin\s*Chosen because: median bid \d+ units\/KiB × [\d.]+ MiB wanted ÷ 1 provider\(s\)/);
    await tab.page.evaluate((h) => window.seedpayLab.waitDone(h, 90_000), torrent.info_hash);
    const ms = Date.now() - started;
    expect(await tab.page.evaluate((h) => window.seedpayLab.digest(h), torrent.info_hash)).toBe(sha256);
    const bought = await tab.page.evaluate((h) => window.seedpayLab.status(h), torrent.info_hash);
    expect(bought.paid_bytes).toBeGreaterThan(0);
    await expect(report.getByTestId('earn-earned')).toHaveText(/^earned (?!0 BTT)[\d,.]+ BTT$/, { timeout: 30_000 });

    // The list marks what earn mode joined; the ledger pays the app once the channel closes.
    await app.goto(`${APP_URL()}#/torrents`);
    await expect(app.getByTestId('torrent-row').filter({ hasText: 'talk.bin' }).getByTestId('earn-badge')).toHaveText('Earn mode');
    const t_paid = Date.now();
    await expect.poll(balance, { timeout: 60_000 }).toBeGreaterThan(balanceBefore);
    console.log(`app set up ${started - t0} ms; requester ${ms} ms; ledger credit after ${Date.now() - t_paid} ms (paid ${bought.paid_bytes} B, free ${bought.free_bytes} B); origin served ${origin.served_bytes('*')} B; ` +
      `app balance ${balanceBefore} -> ${await balance()} units`);
  } finally {
    await requester?.context.close();
    await appContext.close();
    await origin.stop();
  }
});

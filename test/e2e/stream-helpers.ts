// Shared steps for the streaming and widget specs: the stream lab page (src/stream/lab) in its own browser
// context, a seeder that generates and seeds a test WebM, on a slow uplink set by the peer's own upload limit.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { StreamLabStartOptions, StreamLabTorrent } from '../../src/stream/lab/handle.ts';
import type { VideoSpec } from '../../src/stream/lab/video-generator.ts';

export interface StreamTab {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

export function seedpayUrl(): string {
  const url = process.env.SEEDPAY_URL;
  if (!url) throw new Error('SEEDPAY_URL is not set (global-setup starts the server)');
  return url;
}

export async function openStreamLab(
  browser: Browser,
  options: {
    namespace: string;
    upload_bytes_per_s?: number;
    context?: BrowserContext;
    /** A paid provider: a wallet key, the server's ledger, and these Speed settings (amounts as decimal strings). */
    provider?: StreamLabStartOptions['speed'];
  },
): Promise<StreamTab> {
  const context = options.context ?? (await browser.newContext());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${seedpayUrl()}/stream-lab.html`);
  await page.waitForFunction(() => 'seedpayStream' in window);
  // A slow uplink, so a download takes long enough to prove that playback starts and seeks before it completes: the
  // peer's upload limit (the app's setting), which holds wherever the datachannels run (worker or relay).
  const speed = { ...options.provider, ...(options.upload_bytes_per_s ? { upload_limit_bytes_per_s: options.upload_bytes_per_s } : {}) };
  const start: StreamLabStartOptions = options.provider
    ? { namespace: options.namespace, ledgerUrl: `${seedpayUrl()}/ledger`, wallet: 'key', speed }
    : { namespace: options.namespace, speed };
  await page.evaluate((o) => window.seedpayStream.start(o), start);
  return { context, page, errors };
}

/** Generates a WebM in the seeder tab and seeds it (free unless `speed`); returns the torrent and the video's size. */
export async function seedTestVideo(
  seeder: StreamTab,
  spec: Partial<VideoSpec>,
  name = 'seedpay-test.webm',
  speed = false,
): Promise<StreamLabTorrent & { size_bytes: number; duration_s: number; generate_ms: number }> {
  const video = await seeder.page.evaluate((s) => window.seedpayStream.generateVideo(s), spec);
  const torrent = await seeder.page.evaluate((o) => window.seedpayStream.seedVideo(o), { name, speed });
  return { ...torrent, ...video };
}

/** Resolves with the <video>'s currentTime once it passes `seconds` (polling in the page). */
export async function playedPast(page: Page | import('@playwright/test').Frame, seconds: number, timeout_ms: number): Promise<number> {
  const handle = await page.waitForFunction(
    (t) => {
      const v = document.querySelector('video');
      return v && !v.paused && v.currentTime > t ? v.currentTime : false;
    },
    seconds,
    { timeout: timeout_ms, polling: 100 },
  );
  return (await handle.jsonValue()) as number;
}

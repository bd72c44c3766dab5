// Shared steps for the streaming and widget specs: the stream lab page (src/stream/lab) in its own browser
// context, a seeder that generates and seeds a test WebM, and a shaper that caps a page's upload over WebRTC.
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

/**
 * Caps what this page sends over all its datachannels to `bytes_per_s` (a token bucket in front of
 * RTCDataChannel.send, FIFO so the byte stream stays intact): a slow uplink, so a download takes long enough to
 * prove that playback starts and seeks before it completes. Test harness only — installed with addInitScript.
 */
export function throttleDataChannels(bytes_per_s: number): void {
  const proto = RTCDataChannel.prototype;
  const send = proto.send;
  const queue: Array<[RTCDataChannel, string | Blob | ArrayBuffer | ArrayBufferView]> = [];
  let budget = 0;
  let last = performance.now();
  const size = (data: unknown) =>
    typeof data === 'string' ? data.length : data instanceof Blob ? data.size : (data as ArrayBuffer | ArrayBufferView).byteLength;
  const drain = () => {
    const now = performance.now();
    budget = Math.min(budget + ((now - last) / 1000) * bytes_per_s, bytes_per_s / 10);
    last = now;
    while (budget > 0 && queue.length > 0) {
      const [channel, data] = queue.shift()!;
      if (channel.readyState !== 'open') continue;
      budget -= size(data);
      send.call(channel, data as never);
    }
  };
  setInterval(drain, 10);
  proto.send = function (this: RTCDataChannel, data: string | Blob | ArrayBuffer | ArrayBufferView) {
    queue.push([this, data]);
  } as typeof proto.send;
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
  if (options.upload_bytes_per_s) await context.addInitScript(throttleDataChannels, options.upload_bytes_per_s);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${seedpayUrl()}/stream-lab.html`);
  await page.waitForFunction(() => 'seedpayStream' in window);
  const start: StreamLabStartOptions = options.provider
    ? { namespace: options.namespace, ledgerUrl: `${seedpayUrl()}/ledger`, wallet: 'key', speed: options.provider }
    : { namespace: options.namespace };
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

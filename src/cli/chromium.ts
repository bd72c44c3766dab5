// How Seedpay drives Chromium headless, for the end-to-end tests and the proxy's terminal provider alike: Debian's
// /usr/bin/chromium when present (Playwright's own browser download does not work on every machine), and the flags
// WebRTC needs on a closed network (plain host candidates on loopback instead of mDNS names).
import { existsSync } from 'node:fs';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];

/** Debian's Chromium if installed, else undefined (Playwright then uses its own browser, if downloaded). */
export function chromiumExecutable(): string | undefined {
  return existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined;
}

// CPU seconds Chromium spent between start() and stop(), over all its processes (browser, renderers with their
// workers, network service, GPU), from the DevTools protocol's SystemInfo.getProcessInfo: both peers of a transfer
// run in one browser, so this is the cost of moving the bytes, both ends together. Resolution 10 ms.
import type { Browser } from '@playwright/test';

export interface CpuMeter {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Seconds accumulated by start/stop pairs since the last take(), then reset. */
  take(): number;
}

export async function cpuMeter(browser: Browser): Promise<CpuMeter> {
  const cdp = await browser.newBrowserCDPSession();
  const snapshot = async () => {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ id: number; cpuTime: number }> };
    return new Map(processInfo.map((p) => [p.id, p.cpuTime]));
  };
  let from = new Map<number, number>();
  let seconds = 0;
  return {
    async start() {
      from = await snapshot();
    },
    async stop() {
      // A process started since start() counts from zero.
      for (const [pid, cpu] of await snapshot()) seconds += cpu - (from.get(pid) ?? 0);
    },
    take() {
      const out = seconds;
      seconds = 0;
      return out;
    },
  };
}

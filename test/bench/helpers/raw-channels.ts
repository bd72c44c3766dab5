// The transfer bench's raw datachannel modes between two Chromium pages, 64 KiB messages, the sender keeping at most
// 4 MiB buffered: 'page' (the channel used on the UI thread: the ceiling), 'worker' (each side transfers its channel to
// a dedicated worker at creation, as webrtc-extensions allows, and the bytes never touch the UI thread) and 'relay'
// (bytes made and consumed in workers but sent from the page, one postMessage per message: Seedpay's relay path).
import type { Page } from '@playwright/test';

export type RawMode = 'page' | 'worker' | 'relay';

const CHUNK_BYTES = 64 * 1024;
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Worker source: 'send' streams `total` bytes on a transferred channel, or hands chunks to the page on request;
 * 'recv' counts bytes from a transferred channel or from the page, and reports ms from first byte to last. */
const WORKER_SOURCE = `
let got = 0, first = 0, total = 0;
const chunk = new Uint8Array(${CHUNK_BYTES});
function count(n) {
  if (got === 0) first = performance.now();
  got += n;
  if (got >= total) postMessage({ done_ms: performance.now() - first });
}
onmessage = async (e) => {
  const m = e.data;
  if (m.cmd === 'recv') {
    total = m.total;
    if (m.dc) { m.dc.binaryType = 'arraybuffer'; m.dc.onmessage = (ev) => count(ev.data.byteLength); }
  } else if (m.cmd === 'data') {
    count(m.buf.byteLength);
  } else if (m.cmd === 'send') {
    const dc = m.dc;
    if (dc.readyState !== 'open') await new Promise((r) => (dc.onopen = r));
    dc.bufferedAmountLowThreshold = 1024 * 1024;
    for (let sent = 0; sent < m.total; sent += chunk.length) {
      if (dc.bufferedAmount > ${MAX_BUFFERED_BYTES}) await new Promise((r) => (dc.onbufferedamountlow = r));
      dc.send(chunk.subarray(0, Math.min(chunk.length, m.total - sent)));
    }
  } else if (m.cmd === 'more') {
    const buf = new ArrayBuffer(Math.min(${CHUNK_BYTES}, m.left));
    postMessage({ buf }, [buf]);
  }
};`;

async function gathered(page: Page): Promise<unknown> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { pc: RTCPeerConnection }).pc;
    await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    return pc.localDescription?.toJSON();
  });
}

/** Transfers `bytes` from `sender` to `receiver` in `mode`; returns ms from the first byte received to the last. */
export async function rawTransfer(sender: Page, receiver: Page, bytes: number, mode: RawMode): Promise<number> {
  for (const page of [sender, receiver]) {
    await page.evaluate((source) => {
      const w = window as unknown as Record<string, unknown>;
      w.worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
      w.pc = new RTCPeerConnection();
    }, WORKER_SOURCE);
  }
  await sender.evaluate(async (o) => {
    const w = window as unknown as { pc: RTCPeerConnection; worker: Worker; dc: RTCDataChannel };
    w.dc = w.pc.createDataChannel('bench', { ordered: true });
    // Transferred at once, before any send: later the channel is no longer transferable.
    if (o.mode === 'worker') w.worker.postMessage({ cmd: 'send', dc: w.dc, total: o.total }, [w.dc as unknown as Transferable]);
    await w.pc.setLocalDescription(await w.pc.createOffer());
  }, { mode, total: bytes });
  await receiver.evaluate(async (o) => {
    const w = window as unknown as { pc: RTCPeerConnection; worker: Worker; done: Promise<number> };
    w.done = new Promise<number>((resolve) => {
      w.worker.onmessage = (e: MessageEvent<{ done_ms: number }>) => resolve(e.data.done_ms);
    });
    w.pc.ondatachannel = (e) => {
      const dc = e.channel;
      if (o.mode === 'worker') return w.worker.postMessage({ cmd: 'recv', dc, total: o.total }, [dc as unknown as Transferable]);
      w.worker.postMessage({ cmd: 'recv', total: o.total });
      dc.binaryType = 'arraybuffer';
      if (o.mode === 'relay') dc.onmessage = (m: MessageEvent<ArrayBuffer>) => w.worker.postMessage({ cmd: 'data', buf: m.data }, [m.data]);
      else {
        let got = 0;
        let first = 0;
        w.done = new Promise<number>((resolve) => {
          dc.onmessage = (m: MessageEvent<ArrayBuffer>) => {
            if (got === 0) first = performance.now();
            got += m.data.byteLength;
            if (got >= o.total) resolve(performance.now() - first);
          };
        });
      }
    };
    await w.pc.setRemoteDescription(o.offer as RTCSessionDescriptionInit);
    await w.pc.setLocalDescription(await w.pc.createAnswer());
  }, { mode, total: bytes, offer: await gathered(sender) });
  const answer = await gathered(receiver);
  await sender.evaluate(async (o) => {
    const w = window as unknown as { pc: RTCPeerConnection; worker: Worker; dc: RTCDataChannel };
    await w.pc.setRemoteDescription(o.answer as RTCSessionDescriptionInit);
    if (o.mode === 'worker') return;
    const dc = w.dc;
    if (dc.readyState !== 'open') await new Promise((r) => (dc.onopen = r));
    dc.bufferedAmountLowThreshold = 1024 * 1024;
    const chunk = new Uint8Array(o.chunk);
    if (o.mode === 'page') {
      for (let sent = 0; sent < o.total; sent += chunk.length) {
        if (dc.bufferedAmount > o.max_buffered) await new Promise((r) => (dc.onbufferedamountlow = r));
        dc.send(chunk.subarray(0, Math.min(chunk.length, o.total - sent)));
      }
      return;
    }
    // Relay: the worker makes each message on request; the page sends it, asking for more while the buffer allows.
    let asked = 0;
    let outstanding = 0;
    // A member, not a named const: the bundler would wrap a named function in a helper the page does not have.
    const r = window as unknown as { pump: () => void };
    r.pump = () => {
      while (outstanding < 16 && asked < o.total && dc.bufferedAmount <= o.max_buffered) {
        w.worker.postMessage({ cmd: 'more', left: o.total - asked });
        asked += Math.min(o.chunk, o.total - asked);
        outstanding++;
      }
    };
    dc.onbufferedamountlow = r.pump;
    w.worker.onmessage = (e: MessageEvent<{ buf: ArrayBuffer }>) => {
      outstanding--;
      dc.send(e.data.buf);
      r.pump();
    };
    r.pump();
  }, { mode, total: bytes, answer, chunk: CHUNK_BYTES, max_buffered: MAX_BUFFERED_BYTES });
  return receiver.evaluate(() => (window as unknown as { done: Promise<number> }).done);
}

// @ts-check
// Seedpay streaming, inside the app's service worker (workbox imports this script: vite.config.ts
// workbox.importScripts). It answers /stream/<info_hash>/<file_index>/<name> — a <video>'s src — with 200/206 range
// responses whose bytes come from the requesting page's peer worker: the request goes to that page (clientId) with a
// MessagePort, the page hands the port to its worker (RPC 'stream.open'), and the worker streams the range back on
// it, one chunk per pull, so the media element's own reading pace is the backpressure. Message shapes:
// src/stream/serve/stream-protocol.ts. Plain JS because importScripts loads classic scripts only; keep it a thin relay —
// range resolution and validation live in TypeScript on the worker side.
(() => {
  const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
  const STREAM_PATH = /^\/stream\/([0-9a-f]{40})\/(\d{1,6})(?:\/|$)/;
  /** The page's worker answers with a head at once when the torrent is loaded; past this the page is not a player. */
  const HEAD_TIMEOUT_MS = 30_000;
  /** Chunks (≤ 1 MiB each) buffered ahead of the media element's reads. */
  const READ_AHEAD_CHUNKS = 4;

  // The first install claims the open pages, so a player works on its first visit without a reload. Updates keep
  // the app's prompt flow (src/pwa/register.ts): a waiting worker only takes over when the person says so.
  let firstInstall = false;
  sw.addEventListener('install', () => {
    firstInstall = sw.registration.active === null;
  });
  sw.addEventListener('activate', (event) => {
    if (firstInstall) event.waitUntil(sw.clients.claim());
  });

  sw.addEventListener('fetch', (event) => {
    const url = new URL(event.request.url);
    if (url.origin !== sw.location.origin) return;
    const match = STREAM_PATH.exec(url.pathname);
    if (!match) return;
    let finished = () => {};
    event.waitUntil(new Promise((resolve) => (finished = () => resolve(undefined))));
    event.respondWith(
      answer(event, /** @type {string} */ (match[1]), Number(match[2]), () => finished()).catch((error) => {
        finished();
        return text(500, `stream failed: ${error instanceof Error ? error.message : String(error)}`);
      }),
    );
  });

  /** @param {number} status @param {string} message */
  function text(status, message) {
    return new Response(message, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
  }

  /** @param {MessagePort} port @returns {Promise<any>} the first message, or null after the timeout */
  function firstMessage(port) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), HEAD_TIMEOUT_MS);
      port.onmessage = (event) => {
        clearTimeout(timer);
        port.onmessage = null;
        resolve(event.data);
      };
    });
  }

  /**
   * @param {FetchEvent} event @param {string} info_hash @param {number} file_index @param {() => void} finished
   * @returns {Promise<Response>}
   */
  async function answer(event, info_hash, file_index, finished) {
    const method = event.request.method;
    if (method !== 'GET' && method !== 'HEAD') {
      finished();
      return text(405, 'streams are read with GET');
    }
    const client = event.clientId ? await sw.clients.get(event.clientId) : undefined;
    if (!client) {
      finished();
      return text(404, 'streams play inside the Seedpay page that holds the torrent');
    }
    const channel = new MessageChannel();
    const port = channel.port1;
    const range = event.request.headers.get('range');
    client.postMessage({ type: 'seedpay-stream', version: 1, info_hash, file_index, range }, [channel.port2]);
    const head = await firstMessage(port);
    const close = () => {
      port.onmessage = null;
      port.close();
      finished();
    };
    if (!head || head.t !== 'head') {
      port.postMessage({ t: 'cancel' });
      close();
      return text(504, 'the page holding the torrent did not answer');
    }
    if (head.status === 404 || head.status === 503) {
      close();
      return text(head.status, String(head.message));
    }
    /** @type {Record<string, string>} */
    const headers = { 'Accept-Ranges': 'bytes', 'Content-Type': String(head.content_type), 'Cache-Control': 'no-store' };
    if (head.status === 416) {
      close();
      return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${head.length}` } });
    }
    headers['Content-Length'] = String(head.end - head.start + 1);
    if (head.status === 206) headers['Content-Range'] = `bytes ${head.start}-${head.end}/${head.length}`;
    if (method === 'HEAD' || head.end < head.start) {
      port.postMessage({ t: 'cancel' });
      close();
      return new Response(null, { status: head.status, headers });
    }
    /** @type {(() => void) | null} */
    let waiting = null;
    const body = new ReadableStream(
      {
        start(controller) {
          port.onmessage = (message) => {
            const m = message.data;
            if (m && m.t === 'data' && m.bytes instanceof ArrayBuffer) controller.enqueue(new Uint8Array(m.bytes));
            else if (m && m.t === 'end') {
              controller.close();
              close();
            } else {
              const reason = m && m.t === 'error' ? String(m.message) : 'malformed stream message';
              console.warn(`seedpay stream ${info_hash.slice(0, 8)}/${file_index}: ${reason}`);
              controller.error(new Error(reason));
              close();
            }
            const resume = waiting;
            waiting = null;
            resume?.();
          };
        },
        pull() {
          return new Promise((resolve) => {
            waiting = () => resolve(undefined);
            port.postMessage({ t: 'pull' });
          });
        },
        cancel() {
          // The media element dropped this request, usually for a seek: the worker deselects the old range.
          port.postMessage({ t: 'cancel' });
          close();
        },
      },
      { highWaterMark: READ_AHEAD_CHUNKS },
    );
    return new Response(body, { status: head.status, headers });
  }
})();

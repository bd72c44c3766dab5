// One WebSocket per tracker URL for signaling.ts, reconnecting with backoff and dropping what is not a tracker
// message; and the hex ↔ latin1 "binary string" conversions the WebTorrent tracker protocol puts in its JSON.

/** Reconnect backoff after a tracker socket fails: 1 s doubling to 60 s. */
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 60_000;
/** Tracker messages carry SDP (a few KiB); larger ones are not signaling. */
export const MAX_TRACKER_MESSAGE_CHARS = 64 * 1024;

/** hex → the latin1 "binary string" the tracker protocol puts in JSON. */
export function hexToBinary(hex: string): string {
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

export function binaryToHex(binary: string): string {
  let out = '';
  for (let i = 0; i < binary.length; i++) out += binary.charCodeAt(i).toString(16).padStart(2, '0');
  return out;
}

export function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** One WebSocket per tracker URL, shared by every torrent (the tracker binds a socket to one peer id). */
export class TrackerSocket {
  readonly url: string;
  #ws: WebSocket | null = null;
  #backoff_ms = RECONNECT_MIN_MS;
  #closed = false;
  readonly #onMessage: (url: string, data: Record<string, unknown>) => void;
  readonly #onOpen: (url: string) => void;
  readonly #queue: string[] = [];

  constructor(url: string, onMessage: (url: string, data: Record<string, unknown>) => void, onOpen: (url: string) => void) {
    this.url = url;
    this.#onMessage = onMessage;
    this.#onOpen = onOpen;
    this.#connect();
  }

  send(message: Record<string, unknown>): void {
    const text = JSON.stringify(message);
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(text);
    else if (this.#queue.length < 100) this.#queue.push(text);
  }

  close(): void {
    this.#closed = true;
    this.#ws?.close();
  }

  #connect(): void {
    if (this.#closed) return;
    const ws = new WebSocket(this.url);
    this.#ws = ws;
    ws.onopen = () => {
      this.#backoff_ms = RECONNECT_MIN_MS;
      for (const text of this.#queue.splice(0)) ws.send(text);
      this.#onOpen(this.url);
    };
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string' || event.data.length > MAX_TRACKER_MESSAGE_CHARS) return;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof data === 'object' && data !== null && !Array.isArray(data)) this.#onMessage(this.url, data as Record<string, unknown>);
    };
    ws.onclose = () => {
      if (this.#closed) return;
      setTimeout(() => this.#connect(), this.#backoff_ms);
      this.#backoff_ms = Math.min(RECONNECT_MAX_MS, this.#backoff_ms * 2);
    };
  }
}

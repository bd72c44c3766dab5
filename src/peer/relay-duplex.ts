// Worker side of the relay: a streamx Duplex over one MessagePort that webtorrent treats as a connected WebRTC
// peer (`torrent.addPeer(duplex)`: it reads `id`, `connected`, listens for close/error and calls destroy()).
// Writes are coalesced into one transferred buffer per batch; a byte window (acknowledged by the UI once the
// datachannel took the bytes) bounds what the UI must buffer: at most the window plus one chunk.
import { Duplex } from 'streamx';
import { closeFrame, concatChunks, parseFrame, RELAY_WINDOW_BYTES } from './relay-frames.ts';

export class RelayDuplex extends Duplex {
  /** The remote peer id (hex): webtorrent keys its peers by it and drops duplicates. */
  readonly id: string;
  /** WebRTC peers arrive connected: the UI hands the port over only after the datachannel opened. */
  readonly connected = true;
  /** The datachannel's remote "ip" and port as the UI saw them; webtorrent copies them onto the wire. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly #port: MessagePort;
  #unacked_bytes = 0;
  #blocked: ((error?: Error | null) => void) | null = null;
  readonly #queue: Uint8Array[] = [];
  #remoteClosed = false;

  constructor(port: MessagePort, id: string, address: string | null = null) {
    super();
    this.id = id;
    const remote = parseAddress(address);
    this.remoteAddress = remote?.address;
    this.remotePort = remote?.port;
    this.#port = port;
    port.onmessage = (event: MessageEvent) => this.#onMessage(event.data);
    port.onmessageerror = () => this.destroy(new Error('relay: undecodable message'));
  }

  /** Bytes posted to the UI and not yet confirmed as handed to the datachannel. */
  get unackedBytes(): number {
    return this.#unacked_bytes;
  }

  override _writev(batch: Uint8Array[], callback: (error?: Error | null) => void): void {
    this.#queue.push(...batch);
    this.#blocked = callback;
    this.#pump();
  }

  /** Posts queued chunks, coalesced, while the UI holds less than the window; the stream's callback waits for the rest. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#unacked_bytes < RELAY_WINDOW_BYTES) {
      let size = 0;
      let count = 0;
      while (count < this.#queue.length && (count === 0 || this.#unacked_bytes + size + (this.#queue[count]?.length ?? 0) <= RELAY_WINDOW_BYTES)) {
        size += this.#queue[count]?.length ?? 0;
        count++;
      }
      const chunks = this.#queue.splice(0, count);
      if (size > 0) {
        const frame = concatChunks(chunks, size);
        this.#port.postMessage(frame, [frame]);
        this.#unacked_bytes += size;
      }
    }
    const blocked = this.#blocked;
    if (blocked && this.#queue.length === 0) {
      this.#blocked = null;
      blocked(null);
    }
  }

  override _read(callback: (error?: Error | null) => void): void {
    callback(null); // data is pushed as frames arrive
  }

  override _destroy(callback: (error?: Error | null) => void): void {
    if (!this.#remoteClosed) this.#port.postMessage(closeFrame('closed by the worker'));
    this.#port.onmessage = null;
    this.#port.close();
    const blocked = this.#blocked;
    this.#blocked = null;
    this.#queue.length = 0;
    blocked?.(new Error('relay closed'));
    callback(null);
  }

  #onMessage(data: unknown): void {
    if (this.destroyed) return;
    const frame = parseFrame(data);
    if (frame === null) return this.destroy(new Error('relay: invalid frame'));
    switch (frame.kind) {
      case 'data':
        this.push(frame.bytes);
        return;
      case 'ack': {
        if (frame.bytes > this.#unacked_bytes) return this.destroy(new Error('relay: ack beyond what was sent'));
        this.#unacked_bytes -= frame.bytes;
        this.#pump();
        return;
      }
      case 'close':
        this.#remoteClosed = true;
        this.destroy();
        return;
    }
  }
}

/** "ip:port" or "[ipv6]:port" as the UI saw it; null when absent or malformed. */
export function parseAddress(address: string | null): { address: string; port: number } | null {
  const parts = address ? /^\[?([^[\]]+?)\]?:(\d{1,5})$/.exec(address) : null;
  const port = Number(parts?.[2]);
  return parts?.[1] && port >= 1 && port <= 65_535 ? { address: parts[1], port } : null;
}

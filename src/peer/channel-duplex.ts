// Worker side of a worker-owned datachannel (issue 14; the page side is direct-peer.ts): holds each channel the page
// handed over at creation, keeping what arrives before the page says who the remote is (its handshake may come first),
// then makes it a streamx Duplex that webtorrent takes as a connected WebRTC peer, reading and writing the channel
// directly with backpressure on bufferedAmount. A close from either end (the channel, the page's control port, the
// wire) closes all three.
import { Duplex } from 'streamx';
import { MAX_DATACHANNEL_MESSAGE_BYTES, SEND_HIGH_WATER_BYTES, SEND_LOW_WATER_BYTES } from './relay-peer.ts';
import { closeFrame, parseFrame } from './relay-frames.ts';
import { parseAddress } from './relay-duplex.ts';
import type { Torrent } from './webtorrent.ts';

/** Channels held before their attach (pending offers included: 5 per announce per torrent). */
export const MAX_HELD_CHANNELS = 512;
/** Bytes kept from a channel before its attach; past it the connection is dropped (a handshake is 68 bytes). */
export const MAX_EARLY_BYTES = 1024 * 1024;

interface Held {
  readonly channel: RTCDataChannel;
  readonly control: MessagePort;
  readonly early: ArrayBuffer[];
  early_bytes: number;
}

const held = new Map<string, Held>();

/** Takes a channel the page just created or received; false (and closed) if too many are held already. */
export function holdChannel(token: string, channel: RTCDataChannel, control: MessagePort): boolean {
  if (held.size >= MAX_HELD_CHANNELS || held.has(token)) {
    shut(channel, control, 'too many pending channels');
    return false;
  }
  const entry: Held = { channel, control, early: [], early_bytes: 0 };
  held.set(token, entry);
  channel.binaryType = 'arraybuffer';
  channel.onmessage = (event: MessageEvent) => {
    const data = event.data as ArrayBuffer;
    entry.early.push(data);
    entry.early_bytes += data.byteLength;
    if (entry.early_bytes > MAX_EARLY_BYTES) release(token, 'too many bytes before attach');
  };
  channel.onclose = () => release(token, 'channel closed');
  control.onmessage = (event: MessageEvent) => {
    if (parseFrame(event.data)?.kind === 'close') release(token, null);
  };
  return true;
}

/** Adds a held channel to the torrent as the wire of `peer_id`, or closes it saying why not. */
export function attachChannel(torrent: Torrent | undefined, own_peer_id: string | undefined, peer_id: string, token: string, address: string | null): boolean {
  const entry = held.get(token);
  if (!entry) return false;
  held.delete(token);
  if (!torrent || torrent.destroyed || peer_id === own_peer_id) {
    shut(entry.channel, entry.control, 'no such torrent');
    return false;
  }
  // addPeer destroys the duplex itself when it refuses it (duplicate peer, paused torrent).
  return torrent.addPeer(new ChannelDuplex(entry, peer_id, address));
}

/** Channels held and not attached (for tests and the lab). */
export function heldChannels(): number {
  return held.size;
}

function release(token: string, reason: string | null): void {
  const entry = held.get(token);
  if (!entry) return;
  held.delete(token);
  shut(entry.channel, entry.control, reason);
}

function shut(channel: RTCDataChannel, control: MessagePort, reason: string | null): void {
  channel.onmessage = null;
  channel.onclose = null;
  if (channel.readyState !== 'closed') channel.close();
  if (reason !== null) control.postMessage(closeFrame(reason));
  control.onmessage = null;
  control.close();
}

export class ChannelDuplex extends Duplex {
  /** The remote peer id (hex): webtorrent keys its peers by it and drops duplicates. */
  readonly id: string;
  /** The page attaches only once the connection is up; writes wait for the channel's open. */
  readonly connected = true;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly #channel: RTCDataChannel;
  readonly #control: MessagePort;
  #waiting: { chunks: Uint8Array[]; callback: (error?: Error | null) => void } | null = null;
  #pageClosed = false;

  constructor(entry: Held, id: string, address: string | null) {
    super();
    this.id = id;
    const remote = parseAddress(address);
    this.remoteAddress = remote?.address;
    this.remotePort = remote?.port;
    this.#channel = entry.channel;
    this.#control = entry.control;
    for (const data of entry.early) this.push(new Uint8Array(data));
    const channel = this.#channel;
    channel.onmessage = (event: MessageEvent) => {
      if (!this.destroyed) this.push(new Uint8Array(event.data as ArrayBuffer));
    };
    channel.onclose = () => this.destroy();
    channel.onopen = () => this.#flush();
    channel.bufferedAmountLowThreshold = SEND_LOW_WATER_BYTES;
    channel.onbufferedamountlow = () => this.#flush();
    this.#control.onmessage = (event: MessageEvent) => {
      if (parseFrame(event.data)?.kind !== 'close') return;
      this.#pageClosed = true;
      this.destroy();
    };
  }

  override _writev(batch: Uint8Array[], callback: (error?: Error | null) => void): void {
    this.#waiting = { chunks: batch, callback };
    this.#flush();
  }

  /** Sends what waits while the channel is open and below its high water; the stream's callback waits for the rest. */
  #flush(): void {
    const waiting = this.#waiting;
    if (!waiting || this.#channel.readyState !== 'open' || this.#channel.bufferedAmount > SEND_HIGH_WATER_BYTES) return;
    this.#waiting = null;
    try {
      for (const chunk of waiting.chunks) {
        for (let at = 0; at < chunk.length; at += MAX_DATACHANNEL_MESSAGE_BYTES) {
          this.#channel.send(chunk.subarray(at, at + MAX_DATACHANNEL_MESSAGE_BYTES) as Uint8Array<ArrayBuffer>);
        }
      }
    } catch (error) {
      waiting.callback(error as Error);
      return;
    }
    if (this.#channel.bufferedAmount <= SEND_HIGH_WATER_BYTES) waiting.callback(null);
    else this.#waiting = { chunks: [], callback: waiting.callback };
  }

  override _read(callback: (error?: Error | null) => void): void {
    callback(null); // data is pushed as messages arrive
  }

  override _destroy(callback: (error?: Error | null) => void): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.callback(new Error('datachannel closed'));
    const channel = this.#channel;
    channel.onmessage = null;
    channel.onclose = null;
    channel.onopen = null;
    channel.onbufferedamountlow = null;
    if (channel.readyState !== 'closed') channel.close();
    if (!this.#pageClosed) this.#control.postMessage(closeFrame('closed by the worker'));
    this.#control.onmessage = null;
    this.#control.close();
    callback(null);
  }
}

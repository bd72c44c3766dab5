// UI side of the relay: moves one datachannel's bytes to and from its MessagePort. It stays thin — no parsing, no
// copies on the receive path — and acknowledges the worker's bytes once the datachannel took them. simple-peer
// negotiated the connection; the bytes then go straight between its RTCDataChannel and the port (simple-peer's
// stream layer would only add a copy-free but costly hop on this thread), and simple-peer still reports the close.
import type SimplePeer from '@thaunknown/simple-peer/lite.js';
import { ackFrame, closeFrame, parseFrame, transferableBuffer } from './relay-frames.ts';

/** Largest datachannel message we send: Chromium's SCTP limit is 256 KiB; the receiver parses a byte stream anyway. */
export const MAX_DATACHANNEL_MESSAGE_BYTES = 64 * 1024;
/** Bytes queued in the datachannel before we stop acknowledging (the worker then stops sending). */
export const SEND_HIGH_WATER_BYTES = 1024 * 1024;
/** Acknowledging resumes when the queue drains below this. */
export const SEND_LOW_WATER_BYTES = 256 * 1024;

/** After closing the datachannel, the connection is torn down this much later (the reset needs a moment to go out). */
export const CHANNEL_CLOSE_GRACE_MS = 1000;

export interface RelayStats {
  to_worker_bytes: number;
  to_network_bytes: number;
}

/** Wires `peer` to `port` until either side closes; returns counters the lab reads to measure the relay. */
export function relayPeer(peer: SimplePeer, port: MessagePort, onClose: (reason: string) => void): RelayStats {
  const stats: RelayStats = { to_worker_bytes: 0, to_network_bytes: 0 };
  let closed = false;
  const close = (reason: string, notifyWorker: boolean) => {
    if (closed) return;
    closed = true;
    if (notifyWorker) port.postMessage(closeFrame(reason));
    port.onmessage = null;
    port.close();
    // Closing the datachannel first resets its SCTP stream, so the remote sees the close at once; tearing the
    // connection down straight away would leave it waiting for ICE to time out (~30 s), holding a stale slot.
    const channel = (peer as unknown as { _channel?: RTCDataChannel | null })._channel;
    if (channel && channel.readyState === 'open') {
      channel.close();
      setTimeout(() => peer.destroy(), CHANNEL_CLOSE_GRACE_MS);
    } else peer.destroy();
    onClose(reason);
  };
  peer.on('close', () => close('remote closed', true));
  peer.on('error', (error: Error) => close(`datachannel error: ${error.message}`, true));

  const channel = (peer as unknown as { _channel?: RTCDataChannel | null })._channel;
  const io = channel ? direct(peer, channel, port, stats, () => close('remote closed', true)) : viaStream(peer, port, stats);
  port.onmessage = (event: MessageEvent) => {
    if (closed) return;
    const frame = parseFrame(event.data);
    if (frame === null || frame.kind === 'ack') return close('invalid frame from the worker', true);
    if (frame.kind === 'close') return close(frame.reason || 'closed by the worker', false);
    stats.to_network_bytes += frame.bytes.length;
    io.send(frame.bytes);
  };
  return stats;
}

/**
 * Straight between the RTCDataChannel and the port. simple-peer emits 'connect' only after an asynchronous stats
 * lookup (retried every 100 ms until ICE reports a candidate pair) while the datachannel is already open, so the
 * remote, whose 'connect' may come first, can send its first bytes (its BitTorrent handshake) before this side
 * takes the channel over: simple-peer has queued them in its own stream. They go to the worker first. Dropped, this
 * side's wire would read the remote's next message as a handshake and end the connection (or wait out webtorrent's
 * 25 s handshake timeout), and the two peers would meet again only at a later announce.
 */
function direct(peer: SimplePeer, channel: RTCDataChannel, port: MessagePort, stats: RelayStats, onClose: () => void): { send(bytes: Uint8Array): void } {
  let waitingAck = 0;
  // streamx opens a readable lazily, so read() would return null here: take simple-peer's queue as it stands.
  const queued = (peer as unknown as { _readableState?: { buffered: number; shift(): unknown } })._readableState;
  while (queued && queued.buffered > 0) {
    const chunk = queued.shift();
    if (chunk === undefined) break;
    if (!(chunk instanceof Uint8Array)) continue;
    stats.to_worker_bytes += chunk.length;
    const buffer = transferableBuffer(chunk);
    port.postMessage(buffer, [buffer]);
  }
  channel.binaryType = 'arraybuffer';
  // simple-peer's own 'close' waits for its readable side to be consumed, which never happens here: watch the channel.
  channel.addEventListener('close', onClose);
  channel.onmessage = (event: MessageEvent) => {
    const data = event.data as ArrayBuffer;
    stats.to_worker_bytes += data.byteLength;
    port.postMessage(data, [data]);
  };
  channel.bufferedAmountLowThreshold = SEND_LOW_WATER_BYTES;
  channel.onbufferedamountlow = () => {
    if (waitingAck === 0) return;
    port.postMessage(ackFrame(waitingAck));
    waitingAck = 0;
  };
  return {
    send(bytes) {
      if (channel.readyState !== 'open') return;
      for (let at = 0; at < bytes.length; at += MAX_DATACHANNEL_MESSAGE_BYTES) {
        channel.send(bytes.subarray(at, at + MAX_DATACHANNEL_MESSAGE_BYTES) as Uint8Array<ArrayBuffer>);
      }
      if (waitingAck === 0 && channel.bufferedAmount <= SEND_HIGH_WATER_BYTES) port.postMessage(ackFrame(bytes.length));
      else waitingAck += bytes.length;
    },
  };
}

/** Through simple-peer's stream, for a peer object without a plain RTCDataChannel underneath. */
function viaStream(peer: SimplePeer, port: MessagePort, stats: RelayStats): { send(bytes: Uint8Array): void } {
  let waitingAck = 0;
  let draining = false;
  peer.on('data', (chunk: Uint8Array) => {
    stats.to_worker_bytes += chunk.length;
    const buffer = transferableBuffer(chunk);
    port.postMessage(buffer, [buffer]);
  });
  peer.on('drain', () => {
    draining = false;
    if (waitingAck > 0) port.postMessage(ackFrame(waitingAck));
    waitingAck = 0;
  });
  return {
    send(bytes) {
      let accepted = true;
      for (let at = 0; at < bytes.length; at += MAX_DATACHANNEL_MESSAGE_BYTES) {
        accepted = peer.write(bytes.subarray(at, at + MAX_DATACHANNEL_MESSAGE_BYTES)) && accepted;
      }
      if (accepted && !draining) port.postMessage(ackFrame(bytes.length));
      else {
        draining = true;
        waitingAck += bytes.length;
      }
    },
  };
}

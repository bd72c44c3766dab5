// The byte relay between the UI thread (which owns the WebRTC datachannels) and the worker (which runs the wires):
// one MessagePort per peer connection. Data frames are bare ArrayBuffers, transferred, never copied; everything
// else is a small control object. Both sides validate every frame: a bad frame closes that connection only.

/** Bytes the worker may post before the UI confirms they reached the datachannel: bounds the UI's buffering. */
export const RELAY_WINDOW_BYTES = 1024 * 1024;
/** Largest data frame either side accepts: a BitTorrent message is at most a 16 KiB block plus headers; the
 * worker coalesces writes, so frames grow to a window's worth but never beyond it. */
export const MAX_FRAME_BYTES = RELAY_WINDOW_BYTES + 64 * 1024;
/** Close reasons are for logs only. */
export const MAX_REASON_LENGTH = 200;

export type RelayFrame =
  | { readonly kind: 'data'; readonly bytes: Uint8Array }
  /** UI → worker: this many bytes left the UI's buffer (datachannel accepted them). */
  | { readonly kind: 'ack'; readonly bytes: number }
  | { readonly kind: 'close'; readonly reason: string };

export type RelayControl = { readonly t: 'ack'; readonly n: number } | { readonly t: 'close'; readonly reason: string };

export function ackFrame(bytes: number): RelayControl {
  return { t: 'ack', n: bytes };
}

export function closeFrame(reason: string): RelayControl {
  return { t: 'close', reason: reason.slice(0, MAX_REASON_LENGTH) };
}

/** Parses one message from the port; null means "not a frame we know": the caller closes the connection. */
export function parseFrame(data: unknown): RelayFrame | null {
  if (data instanceof ArrayBuffer) {
    if (data.byteLength === 0 || data.byteLength > MAX_FRAME_BYTES) return null;
    return { kind: 'data', bytes: new Uint8Array(data) };
  }
  if (typeof data !== 'object' || data === null) return null;
  const frame = data as { t?: unknown; n?: unknown; reason?: unknown };
  if (frame.t === 'ack') {
    const n = frame.n;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0 || n > MAX_FRAME_BYTES) return null;
    return { kind: 'ack', bytes: n };
  }
  if (frame.t === 'close') {
    const reason = typeof frame.reason === 'string' ? frame.reason.slice(0, MAX_REASON_LENGTH) : '';
    return { kind: 'close', reason };
  }
  return null;
}

/**
 * The bytes of `view` as a standalone ArrayBuffer that may be transferred: its own buffer when the view covers all
 * of it (a datachannel message the caller owns and drops), else a copy.
 */
export function transferableBuffer(view: Uint8Array): ArrayBuffer {
  const buffer = view.buffer;
  if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength) return buffer;
  return view.slice().buffer as ArrayBuffer;
}

/**
 * Joins chunks into one fresh buffer that may be transferred (one postMessage instead of many). Always a copy: the
 * writer may still hold the chunks (webtorrent's stores hand out views of buffers they keep), and transferring
 * would detach them under it.
 */
export function concatChunks(chunks: readonly Uint8Array[], total: number): ArrayBuffer {
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out.buffer;
}

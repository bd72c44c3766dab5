// The messages of one streamed HTTP response, between the service worker (public/stream-sw.js, which builds the
// Response) and the peer worker (worker-stream.ts, which reads the torrent file). The page only brokers: it hands
// the worker the MessagePort the service worker created, so bytes go worker → service worker with no page hop.
//
//   SW → page   postMessage(StreamRequest, [port])           the page validates it and calls RPC 'stream.open'
//   worker → SW { t: 'head', … }                             status, length and range, once, first
//   SW → worker { t: 'pull' }                                credit for one more chunk (the SW's stream asks)
//   worker → SW { t: 'data', bytes } | { t: 'end' }          bytes transferred, never copied
//   SW → worker { t: 'cancel' }                              the media element dropped the request (a seek)
//   worker → SW { t: 'error', message }                      the read failed after the head
import { MAX_RANGE_HEADER_LENGTH } from './range.ts';

/** First path segment of stream URLs: /stream/<info_hash>/<file_index>/<file name>. */
export const STREAM_PATH_PREFIX = '/stream/';
/** The `type` of the service worker's message to the page. */
export const STREAM_REQUEST_TYPE = 'seedpay-stream';
export const STREAM_PROTOCOL_VERSION = 1;

export interface StreamRequest {
  readonly type: typeof STREAM_REQUEST_TYPE;
  readonly version: number;
  readonly info_hash: string;
  readonly file_index: number;
  /** The request's Range header as sent; the worker resolves it against the file length. */
  readonly range: string | null;
}

export type StreamHead =
  | { readonly t: 'head'; readonly status: 200 | 206; readonly length: number; readonly start: number; readonly end: number; readonly content_type: string }
  | { readonly t: 'head'; readonly status: 416; readonly length: number; readonly content_type: string }
  | { readonly t: 'head'; readonly status: 404 | 503; readonly message: string };

export type WorkerToSw =
  | StreamHead
  | { readonly t: 'data'; readonly bytes: ArrayBuffer }
  | { readonly t: 'end' }
  | { readonly t: 'error'; readonly message: string };

export type SwToWorker = { readonly t: 'pull' } | { readonly t: 'cancel' };

const INFO_HASH = /^[0-9a-f]{40}$/;
export const MAX_FILE_INDEX = 100_000;

/** The stream URL of a torrent file, as the <video> element's src. */
export function streamUrl(info_hash: string, file_index: number, name: string): string {
  return `${STREAM_PATH_PREFIX}${info_hash}/${file_index}/${encodeURIComponent(name)}`;
}

/** Validates a message from the service worker; null when it is not a stream request (or malformed). */
export function parseStreamRequest(data: unknown): StreamRequest | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  if (m.type !== STREAM_REQUEST_TYPE || m.version !== STREAM_PROTOCOL_VERSION) return null;
  if (typeof m.info_hash !== 'string' || !INFO_HASH.test(m.info_hash)) return null;
  if (!Number.isSafeInteger(m.file_index) || (m.file_index as number) < 0 || (m.file_index as number) > MAX_FILE_INDEX) return null;
  if (m.range !== null && (typeof m.range !== 'string' || m.range.length > MAX_RANGE_HEADER_LENGTH)) return null;
  return { type: STREAM_REQUEST_TYPE, version: STREAM_PROTOCOL_VERSION, info_hash: m.info_hash, file_index: m.file_index as number, range: m.range as string | null };
}

export function parseSwToWorker(data: unknown): SwToWorker | null {
  const t = (data as { t?: unknown } | null)?.t;
  return t === 'pull' || t === 'cancel' ? { t } : null;
}

// Runs inside the peer worker: serves one byte range of a torrent file over a MessagePort to the service worker
// (stream-protocol.ts), and reports which of a file's pieces are verified. Reading through WebTorrent's file
// stream selects the range's pieces and marks the ones the reader waits on critical, so piece priority follows
// the playhead: every seek is a new range request, and cancelling the old one deselects its pieces.
// It sits below the peer (docs/architecture.md): the peer's worker passes in how to find a torrent, and this file
// names only the few torrent fields it reads, so it imports nothing of src/peer.
import { mimeOf } from './mime.ts';
import { rangeLength, resolveRange } from './range.ts';
import { parseSwToWorker, type WorkerToSw } from './stream-protocol.ts';

/** Streams open at once; past this the oldest is closed (a media element that never cancels must not pile up). */
export const MAX_OPEN_STREAMS = 32;
/** A stream nobody pulled from for this long is closed: its reader holds a piece selection. */
export const STREAM_IDLE_TIMEOUT_MS = 10 * 60_000;
/** Largest `data` message; WebTorrent yields at most one piece per read, which may be up to 16 MiB. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** A file of more pieces than this is not reported piece by piece (128 KiB of bitfield). */
export const MAX_REPORTED_PIECES = 1 << 20;

/** The fields of a WebTorrent file this server reads (src/peer/webtorrent.ts's TorrentFile has them). */
export interface StreamFile {
  readonly name: string;
  readonly length: number;
  readonly offset: number;
  stream(options?: { start?: number; end?: number }): ReadableStream<Uint8Array>;
}

/** The fields of a WebTorrent torrent this server reads. */
export interface StreamTorrent {
  readonly destroyed: boolean;
  readonly done: boolean;
  readonly pieceLength: number;
  readonly files: readonly StreamFile[];
  readonly bitfield: { get(index: number): boolean };
}

/** How the peer's worker finds a torrent by info hash. */
export type TorrentLookup = (info_hash: string) => StreamTorrent | undefined;

/** Streaming playback: a file's pieces; bit i of `have` (MSB first) is piece first_piece + i. */
export interface FilePieces {
  readonly piece_length: number;
  readonly first_piece: number;
  readonly piece_count: number;
  readonly file_offset: number;
  readonly file_length: number;
  readonly have: Uint8Array;
  readonly done: boolean;
}

interface OpenStream {
  close(reason: string): void;
}

const open = new Set<OpenStream>();

function fileOf(lookup: TorrentLookup, info_hash: string, file_index: number): { torrent: StreamTorrent; file: StreamFile } | null {
  const torrent = lookup(info_hash);
  if (!torrent || torrent.destroyed) return null;
  const file = torrent.files[file_index];
  return file ? { torrent, file } : null;
}

/** A standalone ArrayBuffer holding exactly `bytes`, so it can be transferred without dragging a larger buffer. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer as ArrayBuffer;
}

/** Starts serving `range` of the file on `port`; returns false (after answering on the port) when there is no such file. */
export function openStream(lookup: TorrentLookup, params: { info_hash: string; file_index: number; range: string | null; port: MessagePort }): boolean {
  const { port } = params;
  const send = (message: WorkerToSw, transfer: Transferable[] = []) => port.postMessage(message, transfer);
  const found = fileOf(lookup, params.info_hash, params.file_index);
  if (!found) {
    send({ t: 'head', status: 404, message: 'no such torrent file in this peer' });
    port.close();
    return false;
  }
  const { file } = found;
  const content_type = mimeOf(file.name);
  const answer = resolveRange(params.range, file.length);
  if (answer.status === 416 || answer.range === null) {
    send(answer.status === 416
      ? { t: 'head', status: 416, length: file.length, content_type }
      : { t: 'head', status: 200, length: 0, start: 0, end: -1, content_type });
    if (answer.status !== 416) send({ t: 'end' });
    port.close();
    return true;
  }
  const { start, end } = answer.range;
  let remaining = rangeLength(answer.range);
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let pending: Uint8Array | null = null;
  let reading = false;
  let credit = 0;
  let closed = false;
  let idle: ReturnType<typeof setTimeout> | null = null;

  const session: OpenStream = {
    close(reason) {
      if (closed) return;
      closed = true;
      if (idle) clearTimeout(idle);
      open.delete(session);
      if (reason) send({ t: 'error', message: reason });
      port.onmessage = null;
      port.close();
      void reader?.cancel().catch(() => {});
    },
  };
  const touch = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => session.close('stream idle'), STREAM_IDLE_TIMEOUT_MS);
  };

  const pump = async () => {
    if (reading || closed) return;
    reading = true;
    try {
      while (credit > 0 && !closed) {
        if (remaining === 0) {
          send({ t: 'end' });
          session.close('');
          return;
        }
        if (!pending || pending.length === 0) {
          // Created lazily: the first pull, not the open, selects the pieces (a probe that is cancelled at once costs nothing).
          reader ??= file.stream({ start, end }).getReader();
          const { value, done } = await reader.read();
          if (closed) return;
          if (done || !value) {
            session.close(remaining > 0 ? 'file ended early' : '');
            return;
          }
          pending = value;
        }
        // WebTorrent ignores end=0 (reads to the end of the file), and a piece may exceed the message size: cut here.
        const take = Math.min(pending.length, remaining, MAX_CHUNK_BYTES);
        const bytes = ownBuffer(pending.subarray(0, take));
        pending = take < pending.length ? pending.subarray(take) : null;
        remaining -= take;
        credit--;
        send({ t: 'data', bytes }, [bytes]);
      }
    } catch (error) {
      session.close(`read failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      reading = false;
    }
  };

  port.onmessage = (event: MessageEvent) => {
    const message = parseSwToWorker(event.data);
    if (!message) return session.close('invalid stream message');
    if (message.t === 'cancel') return session.close('');
    credit++;
    touch();
    void pump();
  };

  if (open.size >= MAX_OPEN_STREAMS) open.values().next().value?.close('too many open streams');
  open.add(session);
  touch();
  send({ t: 'head', status: answer.status, length: file.length, start, end, content_type });
  return true;
}

/** Which of the file's pieces are verified: bit i of `have` (MSB first) is piece first_piece + i. */
export function filePieces(lookup: TorrentLookup, params: { info_hash: string; file_index: number }): FilePieces {
  const found = fileOf(lookup, params.info_hash, params.file_index);
  if (!found) throw new Error(`no file ${params.file_index} in torrent ${params.info_hash}`);
  const { torrent, file } = found;
  const piece_length = torrent.pieceLength;
  const first_piece = Math.floor(file.offset / piece_length);
  const last_piece = file.length === 0 ? first_piece - 1 : Math.floor((file.offset + file.length - 1) / piece_length);
  const piece_count = Math.min(Math.max(0, last_piece - first_piece + 1), MAX_REPORTED_PIECES);
  const have = new Uint8Array(Math.ceil(piece_count / 8));
  for (let i = 0; i < piece_count; i++) {
    if (torrent.bitfield.get(first_piece + i)) have[i >> 3] = (have[i >> 3] ?? 0) | (0x80 >> (i & 7));
  }
  return { piece_length, first_piece, piece_count, file_offset: file.offset, file_length: file.length, have, done: torrent.done };
}

/** For tests of the worker: how many streams are open. */
export function openStreamCount(): number {
  return open.size;
}

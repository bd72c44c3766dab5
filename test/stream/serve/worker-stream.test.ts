// The worker's side of a streamed response, against a fake torrent file: the head, one chunk per pull, exact
// range cuts (also where WebTorrent ignores end=0), cancel releasing the reader, and the piece bitfield.
import { describe, expect, it } from 'vitest';
import { filePieces, openStream, openStreamCount, type TorrentLookup } from '../../../src/stream/serve/worker-stream.ts';

const HASH = 'ab'.repeat(20);
const LENGTH = 100_000;
const data = Uint8Array.from({ length: LENGTH }, (_, i) => i % 251);

function fakeEngine(options: { chunk?: number; verified?: (piece: number) => boolean } = {}) {
  const chunk = options.chunk ?? 7000;
  const state = { cancelled: 0, opened: 0 };
  const file = {
    name: 'clip.webm',
    length: LENGTH,
    offset: 20_000,
    stream({ start = 0, end }: { start?: number; end?: number }) {
      state.opened++;
      // Like WebTorrent: a falsy end means "to the end of the file".
      const last = end ? end : LENGTH - 1;
      let at = start;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at > last) return controller.close();
          const next = Math.min(last + 1, at + chunk);
          controller.enqueue(data.slice(at, next));
          at = next;
        },
        cancel() {
          state.cancelled++;
        },
      });
    },
  };
  const torrent = { destroyed: false, done: false, files: [file], pieceLength: 16_384, bitfield: { get: options.verified ?? ((i: number) => i % 2 === 0) } };
  const engine: TorrentLookup = (info_hash) => (info_hash === HASH ? torrent : undefined);
  return { engine, state };
}

type Message = { t: string; [key: string]: unknown };

function client(port: MessagePort) {
  const inbox: Message[] = [];
  const waiters: Array<() => void> = [];
  port.onmessage = (event: MessageEvent) => {
    inbox.push(event.data as Message);
    waiters.shift()?.();
  };
  return {
    async next(): Promise<Message> {
      if (inbox.length === 0) await new Promise<void>((resolve) => waiters.push(resolve));
      return inbox.shift()!;
    },
    send(message: Message) {
      port.postMessage(message);
    },
  };
}

async function readAll(range: string | null, engine: TorrentLookup) {
  const channel = new MessageChannel();
  openStream(engine, { info_hash: HASH, file_index: 0, range, port: channel.port2 });
  const sw = client(channel.port1);
  const head = await sw.next();
  const parts: Uint8Array[] = [];
  for (;;) {
    sw.send({ t: 'pull' });
    const m = await sw.next();
    if (m.t === 'end') break;
    expect(m.t).toBe('data');
    parts.push(new Uint8Array(m.bytes as ArrayBuffer));
  }
  channel.port1.close();
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) body.set(p, (at += p.length) - p.length);
  return { head, body, chunks: parts.length };
}

describe('openStream', () => {
  it('streams an open-ended range from the offset to the end, one chunk per pull', async () => {
    const { engine } = fakeEngine();
    const { head, body, chunks } = await readAll('bytes=50000-', engine);
    expect(head).toEqual({ t: 'head', status: 206, length: LENGTH, start: 50_000, end: LENGTH - 1, content_type: 'video/webm' });
    expect(body).toEqual(data.slice(50_000));
    expect(chunks).toBe(Math.ceil(50_000 / 7000));
  });

  it('cuts closed ranges exactly, including bytes=0-0 that WebTorrent would read to the end', async () => {
    const { engine } = fakeEngine();
    expect((await readAll('bytes=0-0', engine)).body).toEqual(data.slice(0, 1));
    expect((await readAll('bytes=6999-7001', engine)).body).toEqual(data.slice(6999, 7002));
    const whole = await readAll(null, engine);
    expect(whole.head).toMatchObject({ status: 200, start: 0, end: LENGTH - 1 });
    expect(whole.body).toEqual(data);
  });

  it('answers 416 and 404 in the head without opening a reader', async () => {
    const { engine, state } = fakeEngine();
    const unsatisfiable = new MessageChannel();
    openStream(engine, { info_hash: HASH, file_index: 0, range: 'bytes=100000-', port: unsatisfiable.port2 });
    expect(await client(unsatisfiable.port1).next()).toEqual({ t: 'head', status: 416, length: LENGTH, content_type: 'video/webm' });
    const channel = new MessageChannel();
    expect(openStream(engine, { info_hash: 'cd'.repeat(20), file_index: 0, range: null, port: channel.port2 })).toBe(false);
    expect((await client(channel.port1).next()).status).toBe(404);
    expect(state.opened).toBe(0);
  });

  it('a cancel (the media element seeking away) cancels the reader and closes the session', async () => {
    const { engine, state } = fakeEngine();
    const channel = new MessageChannel();
    openStream(engine, { info_hash: HASH, file_index: 0, range: 'bytes=0-', port: channel.port2 });
    const sw = client(channel.port1);
    await sw.next();
    sw.send({ t: 'pull' });
    expect((await sw.next()).t).toBe('data');
    const before = openStreamCount();
    sw.send({ t: 'cancel' });
    await expect.poll(() => state.cancelled).toBe(1);
    expect(openStreamCount()).toBe(before - 1);
  });

  it('closes the session on a message that is not pull or cancel', async () => {
    const { engine, state } = fakeEngine();
    const channel = new MessageChannel();
    openStream(engine, { info_hash: HASH, file_index: 0, range: null, port: channel.port2 });
    const sw = client(channel.port1);
    await sw.next();
    sw.send({ t: 'pull' });
    await sw.next();
    sw.send({ t: 'gimme' });
    expect(await sw.next()).toEqual({ t: 'error', message: 'invalid stream message' });
    await expect.poll(() => state.cancelled).toBe(1);
  });
});

describe('filePieces', () => {
  it('reports the file’s pieces as a bitfield relative to its first piece', () => {
    const { engine } = fakeEngine({ verified: (i) => i === 1 || i === 7 });
    const pieces = filePieces(engine, { info_hash: HASH, file_index: 0 });
    // offset 20,000 in 16 KiB pieces: pieces 1..7 hold bytes 20,000..119,999.
    expect(pieces).toMatchObject({ piece_length: 16_384, first_piece: 1, piece_count: 7, file_offset: 20_000, file_length: LENGTH });
    expect([...pieces.have]).toEqual([0b1000_0010]);
  });
});

// The UI↔worker byte relay: frame validation, and the worker-side duplex over a real MessageChannel — bytes both
// ways as transferred buffers, coalesced writes, the acknowledgement window, and close in either direction; and the
// UI side taking a datachannel over from simple-peer without losing what arrived before.
import type SimplePeer from '@thaunknown/simple-peer/lite.js';
import { Duplex } from 'streamx';
import { describe, expect, test } from 'vitest';
import { ackFrame, closeFrame, MAX_FRAME_BYTES, parseFrame, RELAY_WINDOW_BYTES } from '../../src/peer/relay-frames.ts';
import { RelayDuplex } from '../../src/peer/relay-duplex.ts';
import { relayPeer } from '../../src/peer/relay-peer.ts';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('frames', () => {
  test('data, ack and close parse; anything else is refused', () => {
    expect(parseFrame(new Uint8Array([1, 2, 3]).buffer)).toEqual({ kind: 'data', bytes: new Uint8Array([1, 2, 3]) });
    expect(parseFrame(ackFrame(10))).toEqual({ kind: 'ack', bytes: 10 });
    expect(parseFrame(closeFrame('bye'))).toEqual({ kind: 'close', reason: 'bye' });
    expect(parseFrame(closeFrame('x'.repeat(1000)))).toEqual({ kind: 'close', reason: 'x'.repeat(200) });
    for (const bad of [
      null, 'text', 42, new ArrayBuffer(0), new ArrayBuffer(MAX_FRAME_BYTES + 1), { t: 'ack', n: 0 }, { t: 'ack', n: -1 },
      { t: 'ack', n: 1.5 }, { t: 'ack', n: '5' }, { t: 'other' }, new Uint8Array(4),
    ]) {
      expect(parseFrame(bad)).toBeNull();
    }
  });
});

describe('worker duplex', () => {
  function pair() {
    const channel = new MessageChannel();
    const duplex = new RelayDuplex(channel.port1, 'ab'.repeat(20));
    duplex.on('error', () => {}); // webtorrent listens for errors; so does the test
    const ui = channel.port2;
    const received: unknown[] = [];
    ui.onmessage = (event: MessageEvent) => received.push(event.data);
    return { duplex, ui, received, close: () => { channel.port1.close(); ui.close(); } };
  }

  test('looks like a connected WebRTC peer to webtorrent', () => {
    const { duplex, close } = pair();
    expect(duplex.id).toBe('ab'.repeat(20));
    expect(duplex.connected).toBe(true);
    expect(duplex.remoteAddress).toBeUndefined();
    duplex.destroy();
    close();
  });

  test('carries the address the UI saw (IPv4 and IPv6), and none for an address it cannot read', () => {
    const cases: Array<[string | null, string | undefined, number | undefined]> = [
      ['127.0.0.1:6881', '127.0.0.1', 6881],
      ['[::1]:51413', '::1', 51413],
      [null, undefined, undefined],
      ['no-port', undefined, undefined],
      ['127.0.0.1:', undefined, undefined],
      [':80', undefined, undefined],
      ['127.0.0.1:http', undefined, undefined],
    ];
    for (const [address, ip, port] of cases) {
      const channel = new MessageChannel();
      const duplex = new RelayDuplex(channel.port1, 'ab'.repeat(20), address);
      duplex.on('error', () => {});
      expect([duplex.remoteAddress, duplex.remotePort], String(address)).toEqual([ip, port]);
      duplex.destroy();
      channel.port1.close();
      channel.port2.close();
    }
  });

  test('bytes from the UI come out of the duplex; writes go to the UI as one coalesced buffer', async () => {
    const { duplex, ui, received, close } = pair();
    const chunks: Uint8Array[] = [];
    duplex.on('data', ((chunk: Uint8Array) => chunks.push(chunk)) as (...args: never[]) => void);
    const buffer = new Uint8Array([9, 8, 7]).buffer;
    ui.postMessage(buffer, [buffer]);
    await tick();
    expect(chunks.map((c) => [...c])).toEqual([[9, 8, 7]]);

    const mine = new Uint8Array([42, 43]);
    duplex.write(mine);
    await tick();
    expect([...mine]).toEqual([42, 43]); // copied, not transferred away from the writer
    received.length = 0;
    for (let i = 0; i < 10; i++) duplex.write(new Uint8Array([i]));
    await tick();
    const data = received.filter((m): m is ArrayBuffer => m instanceof ArrayBuffer);
    expect(data.length).toBeLessThan(10); // batched by streamx's writev
    expect(data.flatMap((b) => [...new Uint8Array(b)])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    duplex.destroy();
    close();
  });

  test('stops posting beyond the window until the UI acknowledges', async () => {
    const { duplex, ui, received, close } = pair();
    const block = new Uint8Array(256 * 1024);
    for (let i = 0; i < 8; i++) duplex.write(block); // 2 MiB queued
    const posted = () => received.filter((m): m is ArrayBuffer => m instanceof ArrayBuffer).reduce((n, b) => n + b.byteLength, 0);
    await tick(20);
    expect(posted()).toBe(RELAY_WINDOW_BYTES); // exactly the window: whole 256 KiB chunks fill it
    expect(posted()).toBeLessThan(8 * block.length); // the rest waits in the stream, not in the UI
    for (let round = 0; round < 8 && posted() < 8 * block.length; round++) {
      ui.postMessage(ackFrame(duplex.unackedBytes));
      await tick(20);
    }
    expect(posted()).toBe(8 * block.length);
    duplex.destroy();
    close();
  });

  test('an ack for bytes never sent, or a malformed frame, closes the connection', async () => {
    const a = pair();
    a.ui.postMessage(ackFrame(100));
    await tick();
    expect(a.duplex.destroyed).toBe(true);
    a.close();
    const b = pair();
    b.ui.postMessage({ t: 'nonsense' });
    await tick();
    expect(b.duplex.destroyed).toBe(true);
    b.close();
  });

  test('close travels both ways', async () => {
    const a = pair();
    let closed = false;
    a.duplex.on('close', () => (closed = true));
    a.ui.postMessage(closeFrame('remote closed'));
    await tick();
    expect(closed).toBe(true);
    a.close();

    const b = pair();
    b.duplex.destroy();
    await tick();
    expect(b.received).toContainEqual({ t: 'close', reason: 'closed by the worker' });
    b.close();
  });
});

describe('UI relay', () => {
  test('bytes the remote sent before simple-peer reported the connection reach the worker first, in order', async () => {
    // simple-peer (a streamx Duplex) queues what its datachannel delivers until it emits 'connect', which waits on
    // an asynchronous stats lookup: the remote's handshake can be sitting there when the relay takes over.
    const peer = new Duplex();
    const channel = {
      readyState: 'open', binaryType: 'blob', bufferedAmount: 0, bufferedAmountLowThreshold: 0,
      onmessage: null as ((event: { data: ArrayBuffer }) => void) | null, onbufferedamountlow: null,
      addEventListener: () => {}, send: () => {}, close: () => {},
    };
    Object.assign(peer, { _channel: channel });
    peer.push(new Uint8Array([1, 2, 3]));
    peer.push(new Uint8Array([4]));
    const ports = new MessageChannel();
    const worker: number[] = [];
    ports.port2.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) worker.push(...new Uint8Array(event.data));
    };
    const stats = relayPeer(peer as unknown as SimplePeer, ports.port1, () => {});
    channel.onmessage?.({ data: new Uint8Array([5, 6]).buffer });
    await tick(20);
    expect(worker).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stats.to_worker_bytes).toBe(6);
    ports.port1.close();
    ports.port2.close();
  });
});

// The UI↔worker RPC over a real MessageChannel: typed calls answered by id, and every message validated on the way
// in — bad params never reach a handler, bad results and events never reach the UI, slow calls time out.
import { afterEach, describe, expect, test } from 'vitest';
import { RpcClient, RpcError, RpcServer, type Endpoint, type Handlers } from '../../src/peer/rpc.ts';
import type { PeerEvent, PeerStatus, TorrentInfo } from '../../src/peer/rpc-schema.ts';

const INFO_HASH = 'ab'.repeat(20);
const info: TorrentInfo = {
  info_hash: INFO_HASH, name: 'x', length: 10, piece_length: 16384, piece_count: 1, files: [{ name: 'x', path: 'x', length: 10 }],
  announce: ['ws://127.0.0.1/announce'], magnet_uri: 'magnet:?xt=urn:btih:x', speed: true,
};

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

function setup(handlers: Partial<Handlers>) {
  const channel = new MessageChannel();
  ports.push(channel.port1, channel.port2);
  channel.port1.start();
  channel.port2.start();
  const calls: string[] = [];
  const all = new Proxy(handlers, {
    get: (target, name: string) => {
      const handler = (target as Record<string, unknown>)[name];
      return (params: unknown) => {
        calls.push(name);
        if (typeof handler !== 'function') throw new RpcError('failed', 'not in this test');
        return (handler as (p: unknown) => unknown)(params);
      };
    },
  }) as Handlers;
  const server = new RpcServer(channel.port1 as unknown as Endpoint, all);
  const events: PeerEvent[] = [];
  const warnings: string[] = [];
  const client = new RpcClient(channel.port2 as unknown as Endpoint, (e) => events.push(e), (w) => warnings.push(w));
  return { server, client, events, warnings, calls, raw: channel.port2 };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('calls', () => {
  test('a valid call reaches its handler and the validated result comes back', async () => {
    const { client, calls } = setup({ 'torrent.list': () => [info] });
    expect(await client.call('torrent.list', {})).toEqual([info]);
    expect(calls).toEqual(['torrent.list']);
  });

  test('bad params are refused before they are sent, and by the worker when they are sent anyway', async () => {
    const { client, calls, raw } = setup({ 'torrent.remove': () => ({}) });
    await expect(client.call('torrent.remove', { info_hash: 'nope', delete_data: true })).rejects.toMatchObject({ code: 'invalid_params' });
    const answers: unknown[] = [];
    raw.addEventListener('message', (e) => answers.push((e as MessageEvent).data));
    raw.postMessage({ kind: 'request', id: 77, type: 'torrent.remove', params: { info_hash: INFO_HASH, delete_data: 'yes' } });
    raw.postMessage({ kind: 'request', id: 78, type: 'torrent.remove', params: { info_hash: INFO_HASH, delete_data: true, extra: 1 } });
    raw.postMessage({ kind: 'request', id: 79, type: 'no.such.command', params: {} });
    await tick();
    expect(answers).toEqual([
      expect.objectContaining({ id: 77, ok: false, code: 'invalid_params' }),
      expect.objectContaining({ id: 78, ok: false, code: 'invalid_params' }),
      expect.objectContaining({ id: 79, ok: false, code: 'unknown_command' }),
    ]);
    expect(calls).toEqual([]);
  });

  test('the datachannel hand-over: what is not a datachannel, a bad token or peer id never reaches a handler', async () => {
    const { client, calls, raw } = setup({ 'peer.attach_channel': () => ({ accepted: true }) });
    const token = 'cd'.repeat(16);
    const answers: unknown[] = [];
    raw.addEventListener('message', (e) => answers.push((e as MessageEvent).data));
    const other = new MessageChannel();
    ports.push(other.port1, other.port2);
    // Node has no RTCDataChannel: a port (or anything else) in its place is refused on both sides.
    raw.postMessage({ kind: 'request', id: 80, type: 'peer.channel', params: { token, channel: other.port1, port: other.port2 } }, [other.port1, other.port2]);
    raw.postMessage({ kind: 'request', id: 81, type: 'peer.channel', params: { token, channel: {}, port: null } });
    for (const [id, params] of [
      [82, { info_hash: INFO_HASH, peer_id: 'ef'.repeat(20), token: 'cd'.repeat(15), address: null }],
      [83, { info_hash: INFO_HASH, peer_id: 'ef'.repeat(20), token: 'zz'.repeat(16), address: null }],
      [84, { info_hash: INFO_HASH, peer_id: 'ef'.repeat(19), token, address: null }],
      [85, { info_hash: INFO_HASH, peer_id: 'ef'.repeat(20), token, address: 'x'.repeat(65) }],
    ] as const) raw.postMessage({ kind: 'request', id, type: 'peer.attach_channel', params });
    await tick();
    expect(answers).toEqual([80, 81, 82, 83, 84, 85].map((id) => expect.objectContaining({ id, ok: false, code: 'invalid_params' })));
    await expect(client.call('peer.channel', { token, channel: {} as RTCDataChannel, port: other.port1 })).rejects.toMatchObject({ code: 'invalid_params' });
    expect(await client.call('peer.attach_channel', { info_hash: INFO_HASH, peer_id: 'ef'.repeat(20), token, address: '127.0.0.1:5000' })).toEqual({ accepted: true });
    expect(calls).toEqual(['peer.attach_channel']);
  });

  test('torrent.add carries a piece order: one of the two is passed through, anything else or none is refused', async () => {
    const seen: unknown[] = [];
    const { client, calls } = setup({ 'torrent.add': (params) => (seen.push(params.order), info) });
    const source = { kind: 'magnet', uri: `magnet:?xt=urn:btih:${INFO_HASH}` } as const;
    expect(await client.call('torrent.add', { source, speed: true, order: 'rarest_first' })).toEqual(info);
    expect(await client.call('torrent.add', { source, speed: false, order: 'in_order' })).toEqual(info);
    expect(seen).toEqual(['rarest_first', 'in_order']);
    for (const order of ['random', '', null, 1, undefined]) {
      await expect(client.call('torrent.add', { source, speed: true, order } as never)).rejects.toMatchObject({ code: 'invalid_params' });
    }
    expect(calls).toEqual(['torrent.add', 'torrent.add']);
  });

  test('a handler’s RpcError keeps its code; other errors become "failed"', async () => {
    const { client } = setup({
      'torrent.remove': () => {
        throw new RpcError('busy', 'later');
      },
      'torrent.list': () => {
        throw new Error('boom');
      },
    });
    await expect(client.call('torrent.remove', { info_hash: INFO_HASH, delete_data: false })).rejects.toMatchObject({ code: 'busy', message: 'later' });
    await expect(client.call('torrent.list', {})).rejects.toMatchObject({ code: 'failed', message: 'boom' });
  });

  test('a result that does not match the schema is refused on the UI side', async () => {
    const { client } = setup({ 'torrent.list': () => [{ ...info, info_hash: 'not hex' }] as TorrentInfo[] });
    await expect(client.call('torrent.list', {})).rejects.toMatchObject({ code: 'invalid_result' });
  });

  test('a call that takes too long times out', async () => {
    const { client } = setup({ 'torrent.list': () => new Promise<TorrentInfo[]>(() => {}) });
    await expect(client.call('torrent.list', {}, { timeout_ms: 50 })).rejects.toMatchObject({ code: 'timeout' });
  });

  test('closing rejects calls in flight', async () => {
    const { client } = setup({ 'torrent.list': () => new Promise<TorrentInfo[]>(() => {}) });
    const pending = client.call('torrent.list', {});
    client.close();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
  });
});

describe('events', () => {
  test('valid events arrive; malformed ones are dropped with a warning', async () => {
    const { server, events, warnings } = setup({});
    server.emit({ type: 'torrent.done', info_hash: INFO_HASH });
    expect(() => server.emit({ type: 'torrent.done', info_hash: 'bad' })).toThrow(TypeError);
    await tick();
    expect(events).toEqual([{ type: 'torrent.done', info_hash: INFO_HASH }]);
    // A hostile or buggy worker: the UI drops what does not validate.
    const channel = new MessageChannel();
    ports.push(channel.port1, channel.port2);
    channel.port2.start();
    const seen: PeerEvent[] = [];
    const dropped: string[] = [];
    new RpcClient(channel.port2 as unknown as Endpoint, (e) => seen.push(e), (w) => dropped.push(w));
    channel.port1.postMessage({ kind: 'event', event: { type: 'wallet', event: { kind: 'payment_sent', amount_units: -1 } } });
    channel.port1.postMessage({ kind: 'event', event: { type: 'torrent.status', status: { info_hash: INFO_HASH } } });
    await tick();
    expect(seen).toEqual([]);
    expect(dropped).toHaveLength(2);
    expect(warnings).toEqual([]);
  });

  test("a peer's address and payment key pass when well formed; a long address or a bad key drops the event", async () => {
    const { server, events } = setup({});
    const peer: PeerStatus = {
      peer_id: '2d5757303230382d' + 'ab'.repeat(12), speed: 'speed', am_choking: true, peer_choking: false, am_interested: true,
      peer_interested: false, downloaded: 1, uploaded: 0, download_speed: 1, upload_speed: 0, their_bid_units_per_kib: null,
      our_bid_units_per_kib: 1n, price_units_per_kib: 1n, paid_units: 1n, earned_units: 0n, payer_phase: null, payee_phase: null,
      banned: false, remote_address: '127.0.0.1:6881', payment_pk: 'cd'.repeat(32),
    };
    server.emit({ type: 'peers', info_hash: INFO_HASH, peers: [peer, { ...peer, remote_address: null, payment_pk: null }] });
    for (const bad of [{ remote_address: '1'.repeat(65) }, { payment_pk: 'cd'.repeat(31) }, { payment_pk: 'zz'.repeat(32) }, { remote_address: 6881 }]) {
      expect(() => server.emit({ type: 'peers', info_hash: INFO_HASH, peers: [{ ...peer, ...bad } as PeerStatus] })).toThrow(TypeError);
    }
    await tick();
    expect(events).toHaveLength(1);
  });
});

// sp_storage's extension against a hostile peer, on a stand-in wire (the real wire runs in test/cli/storage-swarm.test.ts):
// hellos that are not usable, frames before the handshake, malformed and oversized frames, floods — each a typed
// error and the wire dropped; a well-formed frame is handed on as it came.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import { DROP_LINGER_MS, MAX_FRAMES_PER_SECOND, parseStorageHello, storageExtension, STORAGE_EXTENSION_NAME, type StorageExtension } from '../../../src/services/storage/storage-extension.ts';
import { encodeFrame, MAX_FRAME_BYTES } from '../../../src/services/storage/storage-frames.ts';

const PK = 'ab'.repeat(32) as PublicKeyHex;
const OTHER = 'cd'.repeat(32);
const bytes = (s: string) => new TextEncoder().encode(s);

function setup() {
  const wire = { destroyed: false, extendedHandshake: {} as Record<string, unknown>, sent: [] as Uint8Array[], extended(_n: string, m: Uint8Array) { this.sent.push(m); }, destroy() { this.destroyed = true; } };
  const seen: { ready: unknown[]; frames: Uint8Array[]; rejected: string[] } = { ready: [], frames: [], rejected: [] };
  let ext: StorageExtension | null = null;
  const Ext = storageExtension({ role: 'provider', pk: PK }, (e) => {
    ext = e;
    e.handler = { ready: (r) => seen.ready.push(r), frame: (b) => seen.frames.push(b), rejected: (err, field) => seen.rejected.push(field ? `${err}:${field}` : err) };
  });
  new Ext(wire);
  return { wire, seen, ext: ext as unknown as StorageExtension };
}

const hello = (role: string | Uint8Array, pk: string | Uint8Array = bytes(OTHER), v: unknown = 1) => ({ [STORAGE_EXTENSION_NAME]: { v, role, pk } });

describe('sp_storage extension', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('says its role and key in the handshake; reads the peer\'s (bencode byte strings) and ignores unusable ones', () => {
    const { wire, seen, ext } = setup();
    expect(wire.extendedHandshake[STORAGE_EXTENSION_NAME]).toEqual({ v: 1, role: 'provider', pk: PK });
    expect(ext.name).toBe(STORAGE_EXTENSION_NAME);
    expect(parseStorageHello(hello(bytes('requester')))).toEqual({ role: 'requester', pk: OTHER });
    for (const bad of [{}, { [STORAGE_EXTENSION_NAME]: bytes('x') }, { [STORAGE_EXTENSION_NAME]: [1] }, hello('requester', OTHER, 2), hello('seller'), hello('requester', 'zz'), hello('requester', OTHER.slice(2))]) {
      expect(parseStorageHello(bad)).toBeNull();
    }
    ext.onExtendedHandshake(hello('provider')); // our own role: nothing to say to each other
    expect(seen.ready).toEqual([null]);
    expect(ext.send(encodeFrame({ type: 'refuse', code: 'busy' }))).toBe(false);
  });

  it('hands on a well-formed frame; a malformed one is a typed error and the wire goes after the linger', () => {
    const { wire, seen, ext } = setup();
    ext.onExtendedHandshake(hello('requester'));
    const end = encodeFrame({ type: 'end', contract_id: 'ee'.repeat(32) });
    ext.onMessage(end);
    expect(seen.frames).toEqual([end]);
    ext.onMessage(Uint8Array.of(4, ...bytes('{"contract_id":"nope"}')));
    expect(seen.rejected).toEqual(['bad_field:contract_id']);
    expect(ext.send(encodeFrame({ type: 'refuse', code: 'bad_frame' }))).toBe(false); // closed: nothing more goes out
    expect(wire.destroyed).toBe(false);
    vi.advanceTimersByTime(DROP_LINGER_MS);
    expect(wire.destroyed).toBe(true);
    ext.onMessage(end); // after the drop: ignored
    expect(seen.frames).toHaveLength(1);
  });

  it('drops a frame before the handshake, an empty, unknown, truncated or oversized frame, and a flood', () => {
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'empty'], [Uint8Array.of(99), 'unknown_type'], [Uint8Array.of(3, 0, 0), 'truncated'],
      [new Uint8Array(MAX_FRAME_BYTES + 1).fill(3), 'too_large'], [Uint8Array.of(1, ...bytes('{')), 'bad_json'],
    ];
    for (const [frame, error] of cases) {
      const { wire, seen, ext } = setup();
      ext.onExtendedHandshake(hello('requester'));
      ext.onMessage(frame);
      vi.advanceTimersByTime(DROP_LINGER_MS);
      expect([seen.rejected, wire.destroyed, seen.frames]).toEqual([[error], true, []]);
    }
    const early = setup();
    early.ext.onMessage(encodeFrame({ type: 'end', contract_id: 'ee'.repeat(32) }));
    expect(early.seen.rejected).toEqual(['no_handshake']);
    const flood = setup();
    flood.ext.onExtendedHandshake(hello('requester'));
    const end = encodeFrame({ type: 'end', contract_id: 'ee'.repeat(32) });
    for (let i = 0; i <= MAX_FRAMES_PER_SECOND; i++) flood.ext.onMessage(end);
    expect(flood.seen.rejected).toEqual(['flood']);
    expect(flood.seen.frames).toHaveLength(MAX_FRAMES_PER_SECOND);
  });
});

// Paid storage's wire (BEP 10 extension `sp_storage`, ut_metadata style): a requester and a provider in the storage
// service swarm exchange the upload frames of storage-frames.ts as extended messages. The extended handshake says the
// role and the key that signs. The peer is hostile: rate and size limits, every frame decoded before it is handed on;
// a malformed frame is a typed error (`FrameError`) and the wire is dropped: an upload has no use for a sloppy peer.
import { isPublicKeyHex, type PublicKeyHex } from '../../protocol/ed25519.ts';
import { decodeFrame, MAX_FRAME_BYTES, type FrameError } from './storage-frames.ts';

export const STORAGE_EXTENSION_NAME = 'sp_storage';
export const STORAGE_EXTENSION_VERSION = 1;
/** The storage service swarm: its info hash is SHA-1 of this name; providers and requesters join it by magnet. */
export const STORAGE_SWARM_NAME = 'seedpay/service/storage/v1';
/** 256 KiB data frames: 4,000 a second is 1 GB/s, far beyond any wire here; more is a flood. */
export const MAX_FRAMES_PER_SECOND = 4_000;
/**
 * Replica bytes per data frame on a real wire: a WebRTC datachannel message is at most 256 KiB (the SDP's
 * max-message-size), and a full 256 KiB frame plus its headers is over it and never arrives. 64 KiB leaves room.
 */
export const WIRE_DATA_BYTES = 64 * 1024;
/** A dropped wire stays up this long so our last frame (the refusal) reaches the peer; nothing it sends is read. */
export const DROP_LINGER_MS = 1_000;

export type StorageRole = 'requester' | 'provider';

export interface StorageHello {
  readonly role: StorageRole;
  readonly pk: PublicKeyHex;
}

/** The slice of a bittorrent-protocol wire the extension needs (structural: this layer imports nothing of the peer). */
export interface StorageWire {
  readonly destroyed: boolean;
  extendedHandshake: Record<string, unknown>;
  extended(name: string, message: Uint8Array): void;
  destroy(): void;
}

export interface StorageWireHandler {
  /** Once per wire: the peer's hello, or null when it has no usable storage extension (or plays our role). */
  ready(remote: StorageHello | null): void;
  /** A well-formed frame (its bytes: the upload's sender and receiver decode them again). */
  frame(bytes: Uint8Array): void;
  /** A malformed frame or a flood: the wire is dropped right after this. */
  rejected(error: FrameError | 'flood' | 'no_handshake', field?: string): void;
}

export interface StorageExtension {
  readonly name: string;
  readonly remote: StorageHello | null;
  readonly wire: StorageWire;
  handler: StorageWireHandler | null;
  send(bytes: Uint8Array): boolean;
  onExtendedHandshake(handshake: Record<string, unknown>): void;
  onMessage(buffer: Uint8Array): void;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : null);

/** The peer's hello from its extended handshake (bencode hands us byte strings), or null. */
export function parseStorageHello(handshake: Record<string, unknown>): StorageHello | null {
  const field = handshake[STORAGE_EXTENSION_NAME];
  if (typeof field !== 'object' || field === null || Array.isArray(field) || field instanceof Uint8Array) return null;
  const f = field as Record<string, unknown>;
  if (f.v !== STORAGE_EXTENSION_VERSION) return null;
  const role = text(f.role);
  const pk = text(f.pk);
  if ((role !== 'requester' && role !== 'provider') || !isPublicKeyHex(pk)) return null;
  return { role, pk };
}

/** The extension class for wire.use(); `created` sees each instance (the shell attaches its handler there). */
export function storageExtension(local: StorageHello, created: (ext: StorageExtension) => void): new (wire: StorageWire) => StorageExtension {
  class Storage implements StorageExtension {
    declare readonly name: string;
    readonly wire: StorageWire;
    remote: StorageHello | null = null;
    handler: StorageWireHandler | null = null;
    #windowStart_ms = 0;
    #windowCount = 0;
    #closed = false;

    constructor(wire: StorageWire) {
      this.wire = wire;
      wire.extendedHandshake[STORAGE_EXTENSION_NAME] = { v: STORAGE_EXTENSION_VERSION, role: local.role, pk: local.pk };
      created(this);
    }

    onExtendedHandshake(handshake: Record<string, unknown>): void {
      const hello = parseStorageHello(handshake);
      // Two requesters (or two providers) have nothing to say to each other.
      this.remote = hello && hello.role !== local.role ? hello : null;
      this.handler?.ready(this.remote);
    }

    onMessage(buffer: Uint8Array): void {
      if (this.#closed) return;
      const now_ms = Date.now();
      if (now_ms - this.#windowStart_ms >= 1000) {
        this.#windowStart_ms = now_ms;
        this.#windowCount = 0;
      }
      if (++this.#windowCount > MAX_FRAMES_PER_SECOND) return this.#reject('flood');
      if (this.remote === null) return this.#reject('no_handshake');
      if (buffer.length > MAX_FRAME_BYTES) return this.#reject('too_large');
      const decoded = decodeFrame(buffer);
      if (!decoded.ok) return this.#reject(decoded.error, decoded.field);
      this.handler?.frame(buffer);
    }

    send(bytes: Uint8Array): boolean {
      if (this.remote === null || this.wire.destroyed || this.#closed) return false;
      this.wire.extended(STORAGE_EXTENSION_NAME, bytes);
      return true;
    }

    #reject(error: FrameError | 'flood' | 'no_handshake', field?: string): void {
      this.handler?.rejected(error, field);
      this.#closed = true;
      setTimeout(() => this.wire.destroy(), DROP_LINGER_MS);
    }
  }
  // bittorrent-protocol reads the name from the prototype before constructing.
  Object.defineProperty(Storage.prototype, 'name', { value: STORAGE_EXTENSION_NAME });
  return Storage as unknown as new (wire: StorageWire) => StorageExtension;
}

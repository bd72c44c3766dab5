// The proxy's wire (BEP 10 extension `sp_proxy`, ut_metadata style): a requester and a provider in the proxy's service
// swarm exchange the frames of proxy-frames.ts as extended messages. The extended handshake says which role a peer
// offers and its payment key. The peer is hostile: size and rate limits, every frame decoded by the codec (which never
// throws); bad frames are dropped with a warning, oversized or cut frames and floods disconnect.
import { isPublicKeyHex, type PublicKeyHex } from '../../protocol/ed25519.ts';
import { decodeFrame, encodeFrame, MAX_FRAME_BYTES, type FrameError, type ProxyFrame } from './proxy-frames.ts';

export const PROXY_EXTENSION_NAME = 'sp_proxy';
export const PROXY_EXTENSION_VERSION = 1;
/** The proxy's service swarm: its info hash is SHA-1 of this name (docs/proxy.md, src/lab/proxy-relay.ts). */
export const PROXY_SWARM_NAME = 'seedpay/service/proxy/v1';
/** One chunk and one payment per round trip; even 1 KiB chunks at 10 MB/s stay far below this. */
export const MAX_FRAMES_PER_SECOND = 20_000;
/** Malformed frames tolerated on one wire before we disconnect it. */
export const MAX_WARNINGS = 20;

export type ProxyRole = 'requester' | 'provider';

/** Our side of the handshake: the role we play on this wire and the key that signs our payments or chunks. */
export interface ProxyHello {
  readonly role: ProxyRole;
  readonly payment_pk: PublicKeyHex;
}

/** The slice of a bittorrent-protocol wire the extension needs (structural, so this layer imports nothing of the peer). */
export interface ProxyWire {
  readonly destroyed: boolean;
  extendedHandshake: Record<string, unknown>;
  extended(name: string, message: Uint8Array): void;
  destroy(): void;
}

export interface ProxyWireHandler {
  /** Once per wire: the peer's hello, or null when it has no usable proxy extension (or plays the same role). */
  ready(remote: ProxyHello | null): void;
  frame(frame: ProxyFrame): void;
  warning(reason: string): void;
}

export interface ProxyExtension {
  readonly name: string;
  readonly remote: ProxyHello | null;
  handler: ProxyWireHandler | null;
  send(frame: ProxyFrame): boolean;
  onExtendedHandshake(handshake: Record<string, unknown>): void;
  onMessage(buffer: Uint8Array): void;
}

/** Frame errors that mean the peer is broken or hostile, not merely newer or sloppy: the wire is closed. */
const DISCONNECT: ReadonlySet<FrameError> = new Set(['too_large', 'truncated', 'empty']);

/** The peer's hello from its extended handshake (bencode hands us byte strings), or null. */
export function parseHello(handshake: Record<string, unknown>): ProxyHello | null {
  const field = handshake[PROXY_EXTENSION_NAME];
  if (typeof field !== 'object' || field === null || Array.isArray(field)) return null;
  const f = field as Record<string, unknown>;
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : null);
  if (f.v !== PROXY_EXTENSION_VERSION) return null;
  const role = text(f.role);
  const pk = text(f.pk);
  if ((role !== 'requester' && role !== 'provider') || !isPublicKeyHex(pk)) return null;
  return { role, payment_pk: pk };
}

export function proxyExtension(local: ProxyHello): new (wire: ProxyWire) => ProxyExtension {
  class Proxy implements ProxyExtension {
    declare readonly name: string;
    readonly #wire: ProxyWire;
    remote: ProxyHello | null = null;
    handler: ProxyWireHandler | null = null;
    #windowStart_ms = 0;
    #windowCount = 0;
    #warnings = 0;

    constructor(wire: ProxyWire) {
      this.#wire = wire;
      wire.extendedHandshake[PROXY_EXTENSION_NAME] = { v: PROXY_EXTENSION_VERSION, role: local.role, pk: local.payment_pk };
    }

    onExtendedHandshake(handshake: Record<string, unknown>): void {
      const hello = parseHello(handshake);
      // Two requesters (or two providers) have nothing to say to each other.
      this.remote = hello && hello.role !== local.role ? hello : null;
      this.handler?.ready(this.remote);
    }

    onMessage(buffer: Uint8Array): void {
      const now_ms = Date.now();
      if (now_ms - this.#windowStart_ms >= 1000) {
        this.#windowStart_ms = now_ms;
        this.#windowCount = 0;
      }
      if (++this.#windowCount > MAX_FRAMES_PER_SECOND) return this.#close('frame flood');
      if (this.remote === null) return this.#warn('frame before a usable handshake');
      if (buffer.length > MAX_FRAME_BYTES) return this.#close('frame too large');
      const decoded = decodeFrame(buffer);
      if (!decoded.ok) {
        const reason = `bad frame: ${decoded.error}${decoded.field ? ` (${decoded.field})` : ''}`;
        if (decoded.error === 'unknown_type') return void this.handler?.warning(reason);
        return DISCONNECT.has(decoded.error) ? this.#close(reason) : this.#warn(reason);
      }
      this.handler?.frame(decoded.frame);
    }

    send(frame: ProxyFrame): boolean {
      if (this.remote === null || this.#wire.destroyed) return false;
      this.#wire.extended(PROXY_EXTENSION_NAME, encodeFrame(frame));
      return true;
    }

    #warn(reason: string): void {
      this.handler?.warning(reason);
      if (++this.#warnings > MAX_WARNINGS) this.#close('too many bad frames');
    }

    #close(reason: string): void {
      this.handler?.warning(reason);
      this.#wire.destroy();
    }
  }
  // bittorrent-protocol reads the name from the prototype before constructing.
  Object.defineProperty(Proxy.prototype, 'name', { value: PROXY_EXTENSION_NAME });
  return Proxy as unknown as new (wire: ProxyWire) => ProxyExtension;
}

/** The extension instance bittorrent-protocol stored on the wire under its name. */
export function proxyOf(wire: object): ProxyExtension | null {
  const ext = (wire as Record<string, unknown>)[PROXY_EXTENSION_NAME];
  return ext && typeof ext === 'object' ? (ext as ProxyExtension) : null;
}

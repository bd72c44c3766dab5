// The Speed extension on one wire (BEP 10, ut_metadata style): puts our handshake fields in the extended handshake,
// negotiates with the peer's, and turns the peer's bencoded messages into typed ones for the session above it.
// The peer is hostile: every message is size- and rate-limited, decoded by the protocol codec (which never throws),
// and a peer that keeps sending garbage is disconnected.
import { decode, encode, REACTION_FOR, SPEED_EXTENSION_NAME, type Reaction, type SpeedMessage } from '../protocol/messages.ts';
import { handshakeFields, negotiate, parseHandshake, type Negotiation, type SpeedHandshake } from '../protocol/messages-handshake.ts';
import type { ExtensionConstructor, Wire, WireExtension } from './wire.ts';

/** One payment per piece dominates traffic: 16 KiB pieces at 16 MB/s are 1,000 a second. More is a flood. */
export const MAX_MESSAGES_PER_SECOND = 2000;
/** The paper allows a new bid at most once a minute except on user changes; a few a minute is generous. */
export const MAX_BIDS_PER_MINUTE = 10;
/** Malformed or unexpected messages tolerated on one wire before we disconnect it. */
export const MAX_WARNINGS = 20;

export interface SpeedExtensionHandler {
  /** Exactly once per wire: Speed on (both sides, same ledger) or off (legacy peer, or another ledger). */
  negotiated(negotiation: Negotiation, remote: SpeedHandshake | null): void;
  message(message: SpeedMessage): void;
  warning(reason: string): void;
}

export interface SpeedExtension extends WireExtension {
  readonly wire: Wire;
  /** Null until the peer's extended handshake arrived (or proved it has no Speed). */
  readonly negotiation: Negotiation | null;
  readonly remote: SpeedHandshake | null;
  handler: SpeedExtensionHandler | null;
  /** Sends a message if Speed was negotiated on this wire; false otherwise. */
  send(message: SpeedMessage): boolean;
}

/**
 * `local` is our side of the handshake (ledger id and payment key), or null when we have no wallet: then we do not
 * advertise Speed and every wire is legacy to us.
 */
export function speedExtension(local: SpeedHandshake | null): ExtensionConstructor {
  class Speed implements SpeedExtension {
    declare readonly name: string;
    readonly wire: Wire;
    negotiation: Negotiation | null = null;
    remote: SpeedHandshake | null = null;
    handler: SpeedExtensionHandler | null = null;
    #windowStart_ms = 0;
    #windowCount = 0;
    #bidTimes_ms: number[] = [];
    #warnings = 0;

    constructor(wire: Wire) {
      this.wire = wire;
      if (local) wire.extendedHandshake[SPEED_EXTENSION_NAME] = handshakeFields(local);
      // Called by bittorrent-protocol only when the peer's handshake names our extension; a legacy peer's
      // handshake shows up as the generic 'extended' event instead.
      wire.on('extended', ((ext: string) => {
        if (ext === 'handshake' && this.negotiation === null) this.#settle({ speed: false, reason: 'no_extension' }, null);
      }) as (...args: never[]) => void);
    }

    onExtendedHandshake(handshake: Record<string, unknown>): void {
      if (this.negotiation !== null) return;
      const remote = parseHandshake(handshake);
      if (!local) return this.#settle({ speed: false, reason: 'no_extension' }, remote.ok ? remote.value : null);
      this.#settle(negotiate(local, remote), remote.ok ? remote.value : null);
    }

    onMessage(buffer: Uint8Array): void {
      if (!this.#withinRate(Date.now())) {
        this.handler?.warning('message flood');
        this.wire.destroy();
        return;
      }
      if (!this.negotiation?.speed) return this.#warn('message on a wire without Speed', 'warn');
      const result = decode(buffer);
      if (!result.ok) return this.#warn(`bad message: ${result.error.code}${result.error.field ? ` (${result.error.field})` : ''}`, REACTION_FOR[result.error.code]);
      if (result.value.type === 'bid' && !this.#bidAllowed(Date.now())) return this.#warn('bids too often', 'warn');
      this.handler?.message(result.value);
    }

    send(message: SpeedMessage): boolean {
      if (!this.negotiation?.speed || this.wire.destroyed) return false;
      this.wire.extended(SPEED_EXTENSION_NAME, encode(message));
      return true;
    }

    #settle(negotiation: Negotiation, remote: SpeedHandshake | null): void {
      this.negotiation = negotiation;
      this.remote = negotiation.speed ? remote : null;
      this.handler?.negotiated(negotiation, this.remote);
    }

    #withinRate(now_ms: number): boolean {
      if (now_ms - this.#windowStart_ms >= 1000) {
        this.#windowStart_ms = now_ms;
        this.#windowCount = 0;
      }
      return ++this.#windowCount <= MAX_MESSAGES_PER_SECOND;
    }

    #bidAllowed(now_ms: number): boolean {
      this.#bidTimes_ms = this.#bidTimes_ms.filter((t) => now_ms - t < 60_000);
      if (this.#bidTimes_ms.length >= MAX_BIDS_PER_MINUTE) return false;
      this.#bidTimes_ms.push(now_ms);
      return true;
    }

    #warn(reason: string, reaction: Reaction): void {
      this.handler?.warning(reason);
      if (reaction === 'ignore') return;
      if (reaction === 'disconnect' || reaction === 'ban' || ++this.#warnings > MAX_WARNINGS) this.wire.destroy();
    }
  }
  // bittorrent-protocol reads the name from the prototype before constructing.
  Object.defineProperty(Speed.prototype, 'name', { value: SPEED_EXTENSION_NAME });
  return Speed as unknown as ExtensionConstructor;
}

/** The extension instance bittorrent-protocol stored on the wire under its name. */
export function speedOf(wire: Wire): SpeedExtension | null {
  const ext = (wire as unknown as Record<string, unknown>)[SPEED_EXTENSION_NAME];
  return ext && typeof ext === 'object' ? (ext as SpeedExtension) : null;
}

// Requester side: how webtorrent's piece picker may use each wire on a Speed torrent.
// - One provider per piece: a verified piece is paid to the provider that delivered it, and the provider prices the
//   whole piece when it starts sending it; if two wires shared a piece, each would expect the whole price. So a
//   piece requested from a wire is pinned there until it verifies, fails, or the wire chokes us or closes.
// - A provider we pay serves one unpaid piece at a time and holds back blocks of the next until paid. So on such
//   a wire a new piece may be requested only once every block of its pinned pieces has been asked for: blocks of
//   the next piece then queue at the provider and go out the moment our payment lands, and we never wait on held
//   blocks while the unpaid piece is incomplete (which would deadlock both sides).
// - A BEP 19 web seed (an HTTP origin) is pinned like a peer but holds at most WEB_SEED_PIECES_IN_FLIGHT pieces at a
//   time (webtorrent would queue most of the torrent at a slow origin, and paid providers could then sell none of
//   it), and a failed HTTP request (the origin went away) releases its piece to the peers.
// The picker reads `wire.peerPieces.get(i)`; a filtered view of it is how these rules reach webtorrent.
import { pinRequests } from './wire-patches.ts';
import type { Wire } from './wire.ts';

/** webtorrent's wire type for a BEP 19 web seed (lib/webconn.js). */
const WEB_SEED = 'webSeed';
/** Pieces a web seed may be asked for at once on a Speed torrent: enough to keep a slow origin busy. */
export const WEB_SEED_PIECES_IN_FLIGHT = 2;

export class PiecePins {
  readonly #owner = new Map<number, Wire>();
  readonly #requested = new Map<Wire, Map<number, number>>();
  readonly #blocked = new WeakSet<Wire>();
  readonly #pieceBytes: (index: number) => number;
  readonly #paced: (wire: Wire) => boolean;

  /** `paced(wire)`: a Speed provider we bid to (and may pay), so it gets one piece at a time. */
  constructor(pieceBytes: (index: number) => number, paced: (wire: Wire) => boolean) {
    this.#pieceBytes = pieceBytes;
    this.#paced = paced;
  }

  /** Installs the filter and the request recorder on one wire (wire-patches.ts). */
  install(wire: Wire): void {
    if (wire.type === WEB_SEED) return this.#installWebSeed(wire);
    pinRequests(wire, (index) => this.allowed(wire, index), (index, length) => {
      if (!this.#owner.has(index)) this.#owner.set(index, wire);
      let pieces = this.#requested.get(wire);
      if (!pieces) this.#requested.set(wire, (pieces = new Map()));
      pieces.set(index, (pieces.get(index) ?? 0) + length);
    });
    wire.on('choke', () => this.releaseWire(wire));
    wire.once('close', () => this.releaseWire(wire));
  }

  #installWebSeed(wire: Wire): void {
    const request = wire.request.bind(wire);
    wire.request = (index, offset, length, callback) =>
      request(index, offset, length, (error, block) => {
        if (error && this.#owner.get(index) === wire) this.release(index);
        callback(error, block);
      });
    pinRequests(wire, (index) => this.#webSeedAllowed(wire, index), (index) => {
      if (!this.#owner.has(index)) this.#owner.set(index, wire);
    });
    wire.once('close', () => this.releaseWire(wire));
  }

  #webSeedAllowed(wire: Wire, index: number): boolean {
    const owner = this.#owner.get(index);
    if (owner !== undefined) return owner === wire;
    let held = 0;
    for (const o of this.#owner.values()) if (o === wire) held++;
    return held < WEB_SEED_PIECES_IN_FLIGHT;
  }

  allowed(wire: Wire, index: number): boolean {
    if (this.#blocked.has(wire)) return false;
    const owner = this.#owner.get(index);
    if (owner !== undefined) return owner === wire;
    if (!this.#paced(wire)) return true;
    for (const [pinned, bytes] of this.#requested.get(wire) ?? []) if (bytes < this.#pieceBytes(pinned)) return false;
    return true;
  }

  owner(index: number): Wire | undefined {
    return this.#owner.get(index);
  }

  release(index: number): void {
    const owner = this.#owner.get(index);
    this.#owner.delete(index);
    if (owner) this.#requested.get(owner)?.delete(index);
  }

  releaseWire(wire: Wire): void {
    for (const [index, owner] of this.#owner) if (owner === wire) this.#owner.delete(index);
    this.#requested.delete(wire);
  }

  /** Stop requesting from this wire altogether (we stopped paying it). */
  block(wire: Wire): void {
    this.#blocked.add(wire);
    this.releaseWire(wire);
  }
}

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
//   it), a failed HTTP request (the origin went away) releases its piece to the peers, and it is the last resort:
//   it takes only pieces no live peer holds (src/protocol/web-seed-policy.ts decides; this file tracks the peers).
// The picker reads `wire.peerPieces.get(i)`; a filtered view of it is how these rules reach webtorrent.
import { highestOpenPieces, webSeedDecision, type PeerSource } from '../protocol/web-seed-policy.ts';
import { pinRequests } from './wire-patches.ts';
import type { BitFieldLike, Wire } from './wire.ts';

/** webtorrent's wire type for a BEP 19 web seed (lib/webconn.js). */
const WEB_SEED = 'webSeed';
/** Pieces a web seed may be asked for at once on a Speed torrent: enough to keep a slow origin busy. */
export const WEB_SEED_PIECES_IN_FLIGHT = 2;

/** What the web seed policy needs to know of a peer wire, kept up to date from its events. */
interface PeerTrack {
  readonly bitfield: () => BitFieldLike;
  changed_at_ms: number;
  progress_at_ms: number;
}

export interface PinOptions {
  /** The clock (tests pass their own). */
  readonly now?: () => number;
  /** The torrent announces to trackers, so peers may come: its web seed waits for them at first. */
  readonly expectsPeers?: () => boolean;
  /** The torrent is not played in order (rarest first): its web seed takes pieces from the end backwards. */
  readonly fromEnd?: () => boolean;
  /** Its pieces: how many, and whether we hold one (verified). */
  readonly pieceCount?: () => number;
  readonly have?: (index: number) => boolean;
}

/** How long a web seed's pick from the end is reused before it is computed again (the picker asks per piece). */
const FROM_END_CACHE_MS = 200;

export class PiecePins {
  readonly #owner = new Map<number, Wire>();
  readonly #requested = new Map<Wire, Map<number, number>>();
  readonly #blocked = new WeakSet<Wire>();
  readonly #peers = new Map<Wire, PeerTrack>();
  /** Web seeds, with when each joined. */
  readonly #webSeeds = new Map<Wire, number>();
  readonly #pieceBytes: (index: number) => number;
  readonly #paced: (wire: Wire) => boolean;
  readonly #now: () => number;
  readonly #expectsPeers: () => boolean;
  readonly #fromEnd: () => boolean;
  readonly #pieceCount: () => number;
  readonly #have: (index: number) => boolean;
  /** Bumped whenever a pin changes, so a cached pick from the end is not reused across it. */
  #version = 0;
  #fromEndPick: { wire: Wire; version: number; until_ms: number; pieces: ReadonlySet<number> } | null = null;

  /** `paced(wire)`: a Speed provider we bid to (and may pay), so it gets one piece at a time. */
  constructor(pieceBytes: (index: number) => number, paced: (wire: Wire) => boolean, options: PinOptions = {}) {
    this.#pieceBytes = pieceBytes;
    this.#paced = paced;
    this.#now = options.now ?? Date.now;
    this.#expectsPeers = options.expectsPeers ?? (() => true);
    this.#fromEnd = options.fromEnd ?? (() => false);
    this.#pieceCount = options.pieceCount ?? (() => 0);
    this.#have = options.have ?? (() => false);
  }

  /** Installs the filter and the request recorder on one wire (wire-patches.ts). */
  install(wire: Wire): void {
    if (wire.type === WEB_SEED) return this.#installWebSeed(wire);
    const now = this.#now();
    let track: PeerTrack | null = null;
    const bitfield = pinRequests(wire, (index) => this.allowed(wire, index), (index, length) => {
      if (track && wire.requests.length === 0) track.progress_at_ms = this.#now(); // idle until now: not a stall
      if (!this.#owner.has(index)) this.#pin(index, wire);
      let pieces = this.#requested.get(wire);
      if (!pieces) this.#requested.set(wire, (pieces = new Map()));
      pieces.set(index, (pieces.get(index) ?? 0) + length);
    });
    track = { bitfield, changed_at_ms: now, progress_at_ms: now };
    this.#peers.set(wire, track);
    const t = track;
    wire.on('choke', () => {
      t.changed_at_ms = this.#now();
      this.releaseWire(wire);
    });
    wire.on('unchoke', () => (t.changed_at_ms = t.progress_at_ms = this.#now()));
    wire.on('piece', () => (t.progress_at_ms = this.#now()));
    wire.once('close', () => {
      this.#peers.delete(wire);
      this.releaseWire(wire);
    });
  }

  #installWebSeed(wire: Wire): void {
    pinRequests(wire, (index) => this.#webSeedAllowed(wire, index), (index) => {
      if (!this.#owner.has(index)) this.#pin(index, wire);
    }, (index) => {
      if (this.#owner.get(index) === wire) this.release(index);
    });
    this.#webSeeds.set(wire, this.#now());
    // The origin unchokes on our first `interested` only, and webtorrent says it only while the filter shows it a
    // piece; while the web seed waits for peers it shows none, so say it once here and let the filter decide.
    wire.once('bitfield', () => wire.interested());
    wire.once('close', () => {
      this.#webSeeds.delete(wire);
      this.releaseWire(wire);
    });
  }

  #webSeedAllowed(wire: Wire, index: number): boolean {
    const owner = this.#owner.get(index);
    if (owner !== undefined) return owner === wire;
    const held = this.#held(wire);
    if (held >= WEB_SEED_PIECES_IN_FLIGHT) return false;
    if (this.#fromEnd()) return this.#pickFromEnd(wire, WEB_SEED_PIECES_IN_FLIGHT - held).has(index);
    return this.webSeedDecision(wire, index).fetch;
  }

  #pickFromEnd(wire: Wire, slots: number): ReadonlySet<number> {
    const now = this.#now();
    const cached = this.#fromEndPick;
    if (cached && cached.wire === wire && cached.version === this.#version && now < cached.until_ms) return cached.pieces;
    const open = (i: number) => !this.#have(i) && !this.#owner.has(i) && this.webSeedDecision(wire, i).fetch;
    const pieces = new Set(highestOpenPieces(this.#pieceCount(), slots, open));
    this.#fromEndPick = { wire, version: this.#version, until_ms: now + FROM_END_CACHE_MS, pieces };
    return pieces;
  }

  /** Whether the web seed may take this piece now, and why (web-seed-policy.ts). */
  webSeedDecision(wire: Wire, index: number) {
    const peers: PeerSource[] = [];
    for (const [peer, t] of this.#peers) {
      if (peer.destroyed) continue;
      peers.push({
        has_piece: t.bitfield().get(index), choking_us: peer.peerChoking, blocked: this.#blocked.has(peer),
        changed_at_ms: t.changed_at_ms, progress_at_ms: t.progress_at_ms, requests_outstanding: peer.requests.length,
      });
    }
    const since = this.#webSeeds.get(wire) ?? 0;
    return webSeedDecision({ peers, web_seed_since_ms: since, expects_peers: this.#expectsPeers(), now_ms: this.#now() });
  }

  /**
   * A web seed could take another piece: the picker runs on peer events only, so when a web seed's wait ends or a
   * peer stalls with nothing else happening, the shell has to run it (SpeedTorrent's tick).
   */
  webSeedIdle(): boolean {
    for (const wire of this.#webSeeds.keys()) if (!wire.destroyed && this.#held(wire) < WEB_SEED_PIECES_IN_FLIGHT) return true;
    return false;
  }

  #held(wire: Wire): number {
    let held = 0;
    for (const o of this.#owner.values()) if (o === wire) held++;
    return held;
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

  #pin(index: number, wire: Wire): void {
    this.#owner.set(index, wire);
    this.#version++;
  }

  release(index: number): void {
    const owner = this.#owner.get(index);
    this.#owner.delete(index);
    this.#version++;
    if (owner) this.#requested.get(owner)?.delete(index);
  }

  releaseWire(wire: Wire): void {
    for (const [index, owner] of this.#owner) if (owner === wire) this.#owner.delete(index);
    this.#version++;
    this.#requested.delete(wire);
  }

  /** Stop requesting from this wire altogether (we stopped paying it). */
  block(wire: Wire): void {
    this.#blocked.add(wire);
    this.releaseWire(wire);
  }
}

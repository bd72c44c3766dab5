// Every place the Speed shell patches webtorrent's own objects, in one file: webtorrent has no hooks for choking,
// serving or piece picking, so Speed replaces four of its functions. Each patch says what it replaces and why, and
// returns how to undo it where Speed can be switched off while the torrent runs.
import type { Torrent } from './webtorrent.ts';
import type { BitFieldLike, Wire } from './wire.ts';

type PieceFn = (index: number, offset: number, buffer: Uint8Array) => void;
type RequestFn = Wire['request'];

/**
 * `torrent._rechoke`: webtorrent's tit-for-tat round, run every 10 s. The auction choker (speed-choke.ts) replaces
 * it for a Speed torrent; the returned function puts webtorrent's back (per-torrent Speed switched off).
 */
export function replaceRechoke(torrent: Torrent): () => void {
  torrent._rechoke = () => {};
  return () => {
    delete (torrent as Partial<Torrent>)._rechoke;
  };
}

/**
 * `wire.unchoke`: webtorrent unchokes every interested peer at once. Only the choke round may unchoke a Speed
 * wire, so the call goes through only while `allowed()` (the last round's decision) says so.
 */
export function gateUnchoke(wire: Wire, allowed: () => boolean): void {
  const unchoke = wire.unchoke.bind(wire);
  wire.unchoke = () => {
    if (allowed()) unchoke();
  };
}

/**
 * `wire.piece`: webtorrent sends every requested block from the store at once. The serving gate (speed-gate.ts)
 * decides when a block may go; it gets the original to send with, and the function that puts it back.
 */
export function wrapPiece(wire: Wire, offer: (send: PieceFn) => PieceFn): () => void {
  const send: PieceFn = wire.piece.bind(wire);
  wire.piece = offer(send);
  return () => {
    wire.piece = send;
  };
}

/**
 * `wire.request` and `wire.peerPieces`: webtorrent's piece picker asks any wire for any piece the peer has. The
 * requester's pins (speed-pins.ts) record each request and show the picker a filtered bitfield, so a piece is
 * fetched from one provider only and a paid provider gets one piece at a time. bittorrent-protocol replaces
 * `peerPieces` on bitfield and have-all messages, so the property itself is redefined to wrap whatever it sets.
 * `failed` hears of a request that ended in an error (a web seed's HTTP error), before webtorrent does.
 * Returns the peer's own, unfiltered bitfield (what it really holds).
 */
export function pinRequests(
  wire: Wire,
  allowed: (index: number) => boolean,
  requested: (index: number, length: number) => void,
  failed?: (index: number) => void,
): () => BitFieldLike {
  const view = (field: BitFieldLike): BitFieldLike => {
    // One filtered `get` per bitfield: the picker reads it for every piece of every wire on each update.
    const get = (index: number) => field.get(index) && allowed(index);
    return new Proxy(field, {
      get: (target, prop) => {
        if (prop === 'get') return get;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  let inner = wire.peerPieces;
  let outer = view(inner);
  Object.defineProperty(wire, 'peerPieces', {
    configurable: true,
    get: () => outer,
    set: (field: BitFieldLike) => {
      inner = field;
      outer = view(field);
    },
  });
  const request: RequestFn = wire.request.bind(wire);
  wire.request = (index, offset, length, callback) => {
    requested(index, length);
    if (!failed) return request(index, offset, length, callback);
    request(index, offset, length, (error, block) => {
      if (error) failed(index);
      callback(error, block);
    });
  };
  return () => inner;
}

// UI-thread signaling: a thin client of the WebTorrent WebSocket tracker protocol (the one bittorrent-tracker's
// server speaks and plain WebTorrent uses, so both kinds of peer meet). It announces each torrent with a few SDP
// offers, answers the offers the tracker relays, and hands every datachannel that opens to the caller.
// RTCPeerConnection exists only here: browsers do not offer it inside workers. (bittorrent-tracker's own browser
// client reads Node's `process` global at construction, which a plain Vite build does not provide.)
import { DEMAND_BID_FIELD, type DemandBidField } from '../protocol/demand-bid.ts';
import SimplePeer from '@thaunknown/simple-peer/lite.js';
import { binaryToHex, hexToBinary, MAX_TRACKER_MESSAGE_CHARS, randomHex, TrackerSocket } from './tracker-socket.ts';

/** Offers per announce (bittorrent-tracker's client caps it at 5 too): each is a pending RTCPeerConnection. */
export const MAX_OFFERS_PER_ANNOUNCE = 5;
/** An offer nobody answered by then is dropped (bittorrent-tracker uses 50 s). */
export const OFFER_TIMEOUT_MS = 50_000;
/** A datachannel that has not opened by then is given up (webtorrent uses the same figure). */
export const CONNECT_TIMEOUT_MS = 25_000;
/** Re-announce this often, so peers that join later are found quickly; the tracker may ask for less often. */
export const ANNOUNCE_INTERVAL_MS = 15_000;

export interface SwarmStats {
  uploaded: number;
  downloaded: number;
  left: number;
  /** Open connections for this torrent; offers stop at the cap. */
  connections: number;
  max_connections: number;
  /** Our signed bid for the tracker's demand board (docs/cdn-board.md): sent only to `bidTrackers`, where present. */
  demand_bid?: DemandBidField | null;
}

/**
 * What signaling needs of a connection: simple-peer (the relay mode) or direct-peer.ts (the channel goes to the
 * worker); both negotiate without trickle.
 */
export interface SignalPeer {
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'signal', listener: (data: unknown) => void): unknown;
  once(event: 'connect' | 'close', listener: () => void): unknown;
  signal(data: unknown): void;
  destroy(): void;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

export type PeerFactory = (initiator: boolean) => SignalPeer;

/** The relay mode's connections: simple-peer owns the datachannel on this thread. */
export const simplePeerFactory: PeerFactory = (initiator) => new SimplePeer({ initiator, trickle: false }) as unknown as SignalPeer;

type OnPeer = (info_hash: string, peer: SignalPeer, remote_peer_id: string) => void;

interface Swarm {
  readonly info_hash: string;
  readonly stats: () => SwarmStats;
  readonly trackers: string[];
  readonly connected: Set<string>;
  started: boolean;
  completed: boolean;
  timer: ReturnType<typeof setInterval> | null;
}

export class Signaling {
  readonly #peerId: string;
  readonly #onPeer: OnPeer;
  readonly #onWarning: (message: string) => void;
  readonly #swarms = new Map<string, Swarm>();
  readonly #sockets = new Map<string, TrackerSocket>();
  /** Our pending offers by offer id (hex). */
  readonly #offers = new Map<string, { peer: SignalPeer; info_hash: string; timer: ReturnType<typeof setTimeout> }>();
  readonly #newPeer: PeerFactory;

  readonly #bidTrackers: ReadonlySet<string>;

  constructor(peerId: string, onPeer: OnPeer, onWarning: (message: string) => void, bidTrackers: readonly string[] = [], newPeer: PeerFactory = simplePeerFactory) {
    this.#peerId = peerId;
    this.#newPeer = newPeer;
    this.#bidTrackers = new Set(bidTrackers);
    this.#onPeer = onPeer;
    this.#onWarning = onWarning;
  }

  join(info_hash: string, announce: readonly string[], stats: () => SwarmStats): void {
    if (this.#swarms.has(info_hash)) return;
    const trackers = announce.filter((url) => /^wss?:\/\//.test(url));
    if (trackers.length === 0) return;
    const swarm: Swarm = { info_hash, stats, trackers, connected: new Set(), started: false, completed: false, timer: null };
    this.#swarms.set(info_hash, swarm);
    for (const url of trackers) this.#socket(url);
    swarm.timer = setInterval(() => this.#announce(swarm), ANNOUNCE_INTERVAL_MS);
    this.#announce(swarm);
  }

  /** Tells the trackers the download completed. */
  complete(info_hash: string): void {
    const swarm = this.#swarms.get(info_hash);
    if (!swarm || swarm.completed) return;
    swarm.completed = true;
    this.#send(swarm, { event: 'completed' }, false);
  }

  /** Announces now (with offers when there is room), e.g. after the torrent's connections were dropped. */
  reannounce(info_hash: string): void {
    const swarm = this.#swarms.get(info_hash);
    if (swarm?.started) this.#announce(swarm);
  }

  /**
   * Sends our newly signed demand bid at once, in an announce without offers: a requester's first bid is signed only
   * after its first announce went out, and the next interval would leave it off the board for 15 s.
   */
  publishBid(info_hash: string): void {
    const swarm = this.#swarms.get(info_hash);
    if (swarm?.started) this.#send(swarm, {}, false);
  }

  /** Called when a relayed connection ends, so a new one to that peer may form. */
  disconnected(info_hash: string, remote_peer_id: string): void {
    this.#swarms.get(info_hash)?.connected.delete(remote_peer_id);
  }

  leave(info_hash: string): void {
    const swarm = this.#swarms.get(info_hash);
    if (!swarm) return;
    this.#swarms.delete(info_hash);
    if (swarm.timer) clearInterval(swarm.timer);
    this.#send(swarm, { event: 'stopped' }, false);
    for (const [id, offer] of this.#offers) {
      if (offer.info_hash !== info_hash) continue;
      clearTimeout(offer.timer);
      offer.peer.destroy();
      this.#offers.delete(id);
    }
  }

  destroy(): void {
    for (const info_hash of [...this.#swarms.keys()]) this.leave(info_hash);
    for (const socket of this.#sockets.values()) socket.close();
    this.#sockets.clear();
  }

  #socket(url: string): TrackerSocket {
    let socket = this.#sockets.get(url);
    if (!socket) {
      socket = new TrackerSocket(url, (u, data) => this.#onTrackerMessage(u, data), (u) => this.#onSocketOpen(u));
      this.#sockets.set(url, socket);
    }
    return socket;
  }

  /** After a (re)connect, every swarm on that tracker announces again: the tracker forgot us. */
  #onSocketOpen(url: string): void {
    for (const swarm of this.#swarms.values()) if (swarm.started && swarm.trackers.includes(url)) this.#announce(swarm);
  }

  #announce(swarm: Swarm): void {
    const s = swarm.stats();
    const room = Math.max(0, s.max_connections - s.connections);
    const event = swarm.started ? undefined : 'started';
    swarm.started = true;
    this.#send(swarm, event ? { event } : {}, room > 0);
  }

  #send(swarm: Swarm, extra: Record<string, unknown>, withOffers: boolean): void {
    const s = swarm.stats();
    const room = Math.max(0, s.max_connections - s.connections);
    const base = {
      action: 'announce',
      info_hash: hexToBinary(swarm.info_hash),
      peer_id: hexToBinary(this.#peerId),
      uploaded: s.uploaded,
      downloaded: s.downloaded,
      left: s.left,
      ...extra,
    };
    for (const url of swarm.trackers) {
      const socket = this.#socket(url);
      // A bid ties our payment key to the torrent: it goes to our own trackers only, never to others in the torrent.
      const bid = s.demand_bid && this.#bidTrackers.has(url) ? { [DEMAND_BID_FIELD]: s.demand_bid } : {};
      if (!withOffers) {
        socket.send({ ...base, ...bid, numwant: 0 });
        continue;
      }
      const count = Math.min(MAX_OFFERS_PER_ANNOUNCE, room);
      void this.#makeOffers(swarm.info_hash, count).then((offers) => socket.send({ ...base, ...bid, numwant: count, offers }));
    }
  }

  #makeOffers(info_hash: string, count: number): Promise<Array<{ offer: unknown; offer_id: string }>> {
    const offers: Array<Promise<{ offer: unknown; offer_id: string }>> = [];
    for (let i = 0; i < count; i++) {
      const offer_id = randomHex(20);
      const peer = this.#newPeer(true);
      const timer = setTimeout(() => {
        this.#offers.delete(offer_id);
        peer.destroy();
      }, OFFER_TIMEOUT_MS);
      this.#offers.set(offer_id, { peer, info_hash, timer });
      peer.on('error', () => {}); // failures before connect are routine (unanswered offers)
      offers.push(new Promise((resolve) => peer.once('signal', (offer) => resolve({ offer, offer_id: hexToBinary(offer_id) }))));
    }
    return Promise.all(offers);
  }

  #onTrackerMessage(url: string, data: Record<string, unknown>): void {
    if (data.action !== 'announce' || typeof data.info_hash !== 'string') return;
    const info_hash = binaryToHex(data.info_hash);
    const swarm = this.#swarms.get(info_hash);
    if (!swarm) return;
    if (typeof data['failure reason'] === 'string') return this.#onWarning(`tracker ${url}: ${data['failure reason'].slice(0, 200)}`);
    if (typeof data.peer_id !== 'string' || data.peer_id.length !== 20) return;
    const remote = binaryToHex(data.peer_id);
    if (remote === this.#peerId || typeof data.offer_id !== 'string' || data.offer_id.length !== 20) return;
    if (isDescription(data.offer, 'offer')) this.#answer(url, swarm, remote, data.offer, data.offer_id);
    else if (isDescription(data.answer, 'answer')) this.#accept(swarm, remote, binaryToHex(data.offer_id), data.answer);
  }

  #answer(url: string, swarm: Swarm, remote: string, offer: unknown, offer_id: string): void {
    const s = swarm.stats();
    if (swarm.connected.has(remote) || s.connections >= s.max_connections) return;
    const peer = this.#newPeer(false);
    peer.once('signal', (answer) => {
      this.#socket(url).send({
        action: 'announce',
        info_hash: hexToBinary(swarm.info_hash),
        peer_id: hexToBinary(this.#peerId),
        to_peer_id: hexToBinary(remote),
        answer,
        offer_id,
      });
    });
    this.#connecting(swarm, peer, remote);
    peer.signal(offer);
  }

  #accept(swarm: Swarm, remote: string, offer_id: string, answer: unknown): void {
    const pending = this.#offers.get(offer_id);
    if (!pending || pending.info_hash !== swarm.info_hash) return;
    this.#offers.delete(offer_id);
    clearTimeout(pending.timer);
    this.#connecting(swarm, pending.peer, remote);
    pending.peer.signal(answer);
  }

  #connecting(swarm: Swarm, peer: SignalPeer, remote: string): void {
    const timer = setTimeout(() => peer.destroy(), CONNECT_TIMEOUT_MS);
    peer.on('error', () => {});
    peer.once('close', () => clearTimeout(timer));
    peer.once('connect', () => {
      clearTimeout(timer);
      // Both sides may answer each other's offers: keep the first datachannel to a peer, drop the second.
      if (swarm.connected.has(remote) || !this.#swarms.has(swarm.info_hash)) {
        peer.destroy();
        return;
      }
      swarm.connected.add(remote);
      this.#onPeer(swarm.info_hash, peer, remote);
    });
  }
}

function isDescription(value: unknown, type: 'offer' | 'answer'): value is { type: string; sdp: string } {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as { type?: unknown; sdp?: unknown };
  return d.type === type && typeof d.sdp === 'string' && d.sdp.length < MAX_TRACKER_MESSAGE_CHARS;
}

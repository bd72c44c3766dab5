// The swarms one shard owns: peers by info hash with the {gateway, connection} that reaches each, seeder/leecher
// counts, and a random pick of peers for each announce's offers. Pure (time and randomness are parameters); it
// follows bittorrent-tracker's swarm (lib/server/swarm.js) event by event, except that a peer's route is the
// socket it last announced from (so a peer that reconnected through another gateway is reached there at once) and
// only that socket may remove it.
import type { Route } from './bus.ts';
import type { AnnounceEvent } from './wire.ts';

export interface PeerEntry {
  route: Route;
  complete: boolean;
  seen_ms: number;
  /** Position in the swarm's id list (for O(1) random picks and removals). */
  index: number;
}

class Swarm {
  readonly peers = new Map<string, PeerEntry>();
  readonly ids: string[] = [];
  complete = 0;
  incomplete = 0;

  add(peer_id: string, route: Route, complete: boolean, now_ms: number): void {
    this.peers.set(peer_id, { route, complete, seen_ms: now_ms, index: this.ids.length });
    this.ids.push(peer_id);
    if (complete) this.complete++;
    else this.incomplete++;
  }

  remove(peer_id: string): void {
    const peer = this.peers.get(peer_id);
    if (!peer) return;
    const last = this.ids.pop() as string;
    if (last !== peer_id) {
      this.ids[peer.index] = last;
      (this.peers.get(last) as PeerEntry).index = peer.index;
    }
    this.peers.delete(peer_id);
    if (peer.complete) this.complete--;
    else this.incomplete--;
  }
}

export interface AnnounceInput {
  info_hash: string;
  peer_id: string;
  event: AnnounceEvent;
  left_zero: boolean;
  /** How many offers came with it: that many other peers are picked. */
  numwant: number;
  route: Route;
}

export interface AnnounceResult {
  complete: number;
  incomplete: number;
  /** Peers to send the offers to, in offer order. */
  targets: Array<{ peer_id: string; route: Route }>;
}

const sameRoute = (a: Route, b: Route) => a.gw === b.gw && a.conn === b.conn;

export class SwarmTable {
  readonly #swarms = new Map<string, Swarm>();
  readonly #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  announce(input: AnnounceInput, now_ms: number): AnnounceResult {
    let swarm = this.#swarms.get(input.info_hash);
    if (!swarm) {
      swarm = new Swarm();
      this.#swarms.set(input.info_hash, swarm);
    }
    const peer = swarm.peers.get(input.peer_id);
    if (input.event === 'stopped') {
      if (peer && sameRoute(peer.route, input.route)) swarm.remove(input.peer_id);
    } else if (!peer) {
      swarm.add(input.peer_id, input.route, input.left_zero, now_ms);
    } else {
      peer.route = input.route;
      peer.seen_ms = now_ms;
      if (!peer.complete && (input.left_zero || input.event === 'completed')) {
        peer.complete = true;
        swarm.complete++;
        swarm.incomplete--;
      }
    }
    const result: AnnounceResult = { complete: swarm.complete, incomplete: swarm.incomplete, targets: this.#pick(swarm, input.numwant, input.peer_id) };
    if (swarm.peers.size === 0) this.#swarms.delete(input.info_hash);
    return result;
  }

  /** Where to send an answer to `to_peer_id`, or null when that peer is not in the swarm. */
  route(info_hash: string, peer_id: string): Route | null {
    return this.#swarms.get(info_hash)?.peers.get(peer_id)?.route ?? null;
  }

  /** The socket at `route` closed: its peer leaves the swarm unless it has announced from another socket since. */
  close(info_hash: string, peer_id: string, route: Route): void {
    const swarm = this.#swarms.get(info_hash);
    const peer = swarm?.peers.get(peer_id);
    if (!swarm || !peer || !sameRoute(peer.route, route)) return;
    swarm.remove(peer_id);
    if (swarm.peers.size === 0) this.#swarms.delete(info_hash);
  }

  /** Removes every peer routed through `gw` (a gateway that died) or last seen before `seen_before_ms`. */
  sweep(filter: { gw?: ReadonlySet<string>; seen_before_ms?: number }): number {
    let removed = 0;
    for (const [info_hash, swarm] of this.#swarms) {
      for (const [peer_id, peer] of swarm.peers) {
        const deadGateway = filter.gw?.has(peer.route.gw) ?? false;
        const stale = filter.seen_before_ms !== undefined && peer.seen_ms < filter.seen_before_ms;
        if (deadGateway || stale) {
          swarm.remove(peer_id);
          removed++;
        }
      }
      if (swarm.peers.size === 0) this.#swarms.delete(info_hash);
    }
    return removed;
  }

  /** Forgets every swarm `keep` refuses (a shard drops the swarms another shard owns now); returns how many. */
  retain(keep: (info_hash: string) => boolean): number {
    let dropped = 0;
    for (const info_hash of this.#swarms.keys()) {
      if (keep(info_hash)) continue;
      this.#swarms.delete(info_hash);
      dropped++;
    }
    return dropped;
  }

  stats(): { swarms: number; peers: number } {
    let peers = 0;
    for (const swarm of this.#swarms.values()) peers += swarm.peers.size;
    return { swarms: this.#swarms.size, peers };
  }

  swarm(info_hash: string): { complete: number; incomplete: number } | null {
    const swarm = this.#swarms.get(info_hash);
    return swarm ? { complete: swarm.complete, incomplete: swarm.incomplete } : null;
  }

  /** Up to `count` distinct random peers other than `self`. */
  #pick(swarm: Swarm, count: number, self: string): Array<{ peer_id: string; route: Route }> {
    const others = swarm.ids.length - (swarm.peers.has(self) ? 1 : 0);
    const want = Math.min(count, others);
    if (want <= 0) return [];
    const chosen = new Set<number>();
    const out: Array<{ peer_id: string; route: Route }> = [];
    // Partial Fisher–Yates over a virtual copy when most peers are wanted; rejection sampling when few are.
    if (want * 2 >= swarm.ids.length) {
      const order = swarm.ids.slice();
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(this.#random() * (i + 1));
        [order[i], order[j]] = [order[j] as string, order[i] as string];
      }
      for (const id of order) {
        if (out.length >= want) break;
        if (id !== self) out.push({ peer_id: id, route: (swarm.peers.get(id) as PeerEntry).route });
      }
      return out;
    }
    while (out.length < want) {
      const i = Math.floor(this.#random() * swarm.ids.length);
      const id = swarm.ids[i] as string;
      if (chosen.has(i) || id === self) continue;
      chosen.add(i);
      out.push({ peer_id: id, route: (swarm.peers.get(id) as PeerEntry).route });
    }
    return out;
  }
}

// The swarm: one discrete-event run over a drawn population. Arrivals, tracker, connections and departures live
// here; piece transfer, choking, payments, bidding and the seeder response each have their own file.
import { fillAll, setBit } from './bitset.ts';
import { Availability } from './availability.ts';
import { refreshBid } from './bidding.ts';
import { onBoardPoll, startBoard } from './board.ts';
import { chokeRound, serveFromOrigin } from './choking.ts';
import type { SwarmConfig } from './config.ts';
import { onDepartureCheck, onPatienceCheck, scheduleDeparture } from './departure.ts';
import { EventQueue, type EventView } from './events.ts';
import { SimLedger } from './ledger.ts';
import { Recorder } from './metrics.ts';
import { closeSessions, keyFor, onPaymentTick } from './payments.ts';
import { Conn, SimPeer, type Stream } from './peer.ts';
import { drawPopulation, type PeerSpec } from './population.ts';
import { Rng } from './rng.ts';
import { cancelStream, onPieceDone } from './transfer.ts';

export const EV_ARRIVE = 1;
export const EV_PIECE = 2;
export const EV_CHOKE = 3;
export const EV_DEPART = 4;
export const EV_PATIENCE = 5;
export const EV_PAYMENT_TICK = 6;
export const EV_SAMPLE = 7;
export const EV_ANNOUNCE = 8;
export const EV_BOARD = 9;

/** Below this many connections a peer re-announces early rather than waiting out the interval. */
const LOW_CONNECTIONS = 10;
/** Tracker replies try this many random draws per wanted peer before giving up (duplicates, full peers). */
const DRAWS_PER_WANTED = 3;
/** Trackers refuse announces more often than this (BEP 3's `min interval`), even from a peer short of neighbours. */
const MIN_ANNOUNCE_INTERVAL_MS = 60_000;

export class Swarm {
  readonly config: SwarmConfig;
  readonly specs: readonly PeerSpec[];
  readonly peers: SimPeer[];
  readonly streams: (Stream | undefined)[] = [];
  readonly availability: Availability;
  readonly queue = new EventQueue();
  readonly ledger: SimLedger;
  readonly recorder: Recorder;
  readonly trackerRng: Rng;
  readonly pickerRng: Rng;
  /** Indices of present peers, for uniform tracker draws (swap-remove keeps it O(1)). */
  readonly #present: number[] = [];
  readonly #presentAt: Int32Array;
  readonly #stamp: Int32Array;
  #stampCounter = 0;
  seeds_present = 0;
  /** Disconnects and bans requested by the channel machines, run once their chain of effects is done. */
  readonly deferred: (() => void)[] = [];
  /** Called at every metrics sample (the bench reads memory here); never feeds back into the model. */
  onSample: ((now_ms: number) => void) | null = null;
  /** Time the file stopped being complete among present peers (a piece nobody holds), or null while it is. */
  dead_at_ms: number | null = null;
  /** The CDN origin (BEP 19 web seed) when the config has one: every downloader connects to it directly. */
  readonly origin: SimPeer | null;
  #finished = false;

  constructor(config: SwarmConfig) {
    this.config = config;
    this.specs = drawPopulation(config);
    this.peers = this.specs.map((spec) => new SimPeer(spec, config.piece_count, keyFor(config, spec.index)));
    this.availability = new Availability(config.piece_count);
    this.ledger = new SimLedger(config.signatures === 'real');
    this.recorder = new Recorder(this);
    this.trackerRng = new Rng(config.seed, 'tracker');
    this.pickerRng = new Rng(config.seed, 'picker');
    this.#presentAt = new Int32Array(this.peers.length).fill(-1);
    this.#stamp = new Int32Array(this.peers.length);
    this.origin = this.peers.find((p) => p.spec.origin === 'web_seed') ?? null;
  }

  get present_count(): number {
    return this.#present.length;
  }

  /** Runs to the horizon (or until nothing is left to happen) and settles every open channel. */
  run(): this {
    if (this.#finished) throw new Error('swarm: already run');
    // Earn-mode providers arrive only when their plan joins the torrent; they read the board from their first poll.
    // A CDN origin that stops at 0 never existed (a seedless swarm whose providers can fetch only from peers).
    for (const peer of this.peers) {
      const { origin, leave_by_ms } = peer.spec;
      if (origin !== 'provider' && !(origin === 'web_seed' && leave_by_ms <= 0)) this.queue.push(peer.spec.arrival_ms, EV_ARRIVE, peer.index);
    }
    this.queue.push(0, EV_SAMPLE);
    if (this.config.cdn) startBoard(this);
    const ev: EventView = { time_ms: 0, kind: 0, a: 0, b: 0 };
    while (this.queue.peekTime() <= this.config.horizon_ms && this.queue.pop(ev)) this.#dispatch(ev);
    this.#finish(Math.min(this.config.horizon_ms, Math.max(this.queue.now_ms, 0)));
    return this;
  }

  #dispatch(ev: EventView): void {
    const now = ev.time_ms;
    switch (ev.kind) {
      case EV_ARRIVE: return this.#arrive(this.#peer(ev.a), now);
      case EV_PIECE: return onPieceDone(this, ev.a, ev.b, now);
      case EV_CHOKE: {
        const peer = this.#peer(ev.a);
        if (!peer.present) return;
        const busy = chokeRound(this, peer, now);
        // A seed with no downloader among its neighbours has nothing to decide until one connects: its rounds
        // pause (a day of idle seeds would otherwise be most of the events) and resume on the next connection.
        if (!busy && peer.phase === 'seeding') peer.choke_armed = false;
        else this.queue.push(now + this.config.choke_round_ms, EV_CHOKE, peer.index);
        return;
      }
      case EV_DEPART: return onDepartureCheck(this, this.#peer(ev.a), ev.b, now);
      case EV_PATIENCE: return onPatienceCheck(this, this.#peer(ev.a), now);
      case EV_PAYMENT_TICK: {
        const stream = this.streams[ev.a];
        if (stream && stream.token === ev.b) onPaymentTick(this, stream, now);
        return;
      }
      case EV_SAMPLE:
        this.recorder.sample(now);
        this.onSample?.(now);
        if (now + this.config.sample_ms <= this.config.horizon_ms) this.queue.push(now + this.config.sample_ms, EV_SAMPLE);
        return;
      case EV_ANNOUNCE: {
        const peer = this.#peer(ev.a);
        if (!peer.present) return;
        if (peer.outs.length < this.config.numwant) this.announce(peer, now);
        this.queue.push(now + this.config.announce_interval_ms, EV_ANNOUNCE, peer.index);
        return;
      }
      case EV_BOARD: return onBoardPoll(this, ev.a, now);
      default: throw new Error(`swarm: unknown event kind ${ev.kind}`);
    }
  }

  #peer(index: number): SimPeer {
    const peer = this.peers[index];
    if (!peer) throw new Error(`swarm: no peer ${index}`);
    return peer;
  }

  #arrive(peer: SimPeer, now: number): void {
    const { spec } = peer;
    const n = this.config.piece_count;
    if (spec.origin === 'seed' || spec.origin === 'web_seed') {
      fillAll(peer.have, n);
      peer.have_count = n;
    } else if (spec.pieces) {
      for (const p of spec.pieces) setBit(peer.have, p);
      peer.have_count = spec.pieces.length;
    }
    for (let p = 0; p < n; p++) if ((peer.have[p >>> 5] as number) & (1 << (p & 31))) this.availability.increment(p);
    peer.phase = peer.have_count === n ? 'seeding' : 'leeching';
    if (peer.phase === 'seeding') {
      this.seeds_present++;
      peer.completed_ms = now;
    }
    peer.last_progress_ms = now;
    this.#presentAt[peer.index] = this.#present.length;
    this.#present.push(peer.index);
    this.announce(peer, now);
    const origin = this.origin;
    if (origin !== null && origin !== peer && origin.present && peer.phase === 'leeching') {
      serveFromOrigin(this, this.#connect(peer, origin, now).streams[1], now);
    }
    refreshBid(this, peer, now);
    // Spread choke rounds over the round length so providers do not all decide in the same instant.
    this.#armChoker(peer, now);
    this.queue.push(now + this.config.announce_interval_ms, EV_ANNOUNCE, peer.index);
    scheduleDeparture(this, peer, now);
    if (peer.phase === 'leeching' && spec.origin !== 'provider') this.queue.push(now + this.config.patience_ms, EV_PATIENCE, peer.index);
  }

  /** Asks the tracker for random present peers and connects to those with room. */
  announce(peer: SimPeer, now: number): void {
    if (now < peer.next_announce_ms || peer.spec.origin === 'web_seed') return;
    peer.next_announce_ms = now + MIN_ANNOUNCE_INTERVAL_MS;
    const want = this.config.numwant - peer.outs.length;
    const draws = want * DRAWS_PER_WANTED;
    // Stamp current neighbours so "already connected?" is one array read per draw.
    const stamp = ++this.#stampCounter;
    this.#stamp[peer.index] = stamp;
    for (const out of peer.outs) this.#stamp[out.down.index] = stamp;
    for (let i = 0; i < draws && peer.outs.length < this.config.numwant && this.#present.length > 1; i++) {
      const other = this.#peer(this.#present[this.trackerRng.int(this.#present.length)] as number);
      if (this.#stamp[other.index] === stamp || !this.#mayConnect(peer, other, now)) continue;
      this.#stamp[other.index] = stamp;
      this.#connect(peer, other, now);
    }
  }

  #mayConnect(a: SimPeer, b: SimPeer, now: number): boolean {
    if (!b.present || b.outs.length >= this.config.max_connections || b.spec.origin === 'web_seed') return false;
    if (a.phase === 'seeding' && b.phase === 'seeding') return false;
    if (a.bans.size > 0 && (a.bans.get(b.index) ?? -1) > now) return false;
    return b.bans.size === 0 || (b.bans.get(a.index) ?? -1) <= now;
  }

  #connect(a: SimPeer, b: SimPeer, now: number): Conn {
    const conn = new Conn(a, b, this.streams.length);
    this.streams.push(conn.streams[0], conn.streams[1]);
    a.outs.push(conn.streams[0]);
    b.outs.push(conn.streams[1]);
    this.#armChoker(a, now);
    this.#armChoker(b, now);
    return conn;
  }

  /** Starts a peer's choke rounds if they are paused, spread over the round so providers do not decide in step. */
  #armChoker(peer: SimPeer, now: number): void {
    if (peer.choke_armed) return;
    peer.choke_armed = true;
    this.queue.push(now + this.trackerRng.int(this.config.choke_round_ms), EV_CHOKE, peer.index);
  }

  /** Closes a connection: in-flight pieces are lost, payment sessions end and their channels settle. */
  disconnect(conn: Conn, now: number): void {
    if (!conn.open) return;
    conn.open = false;
    for (const stream of conn.streams) {
      cancelStream(stream);
      closeSessions(this, stream, now);
      this.streams[stream.id] = undefined;
    }
    for (const out of conn.streams) {
      const outs = out.up.outs;
      outs[outs.indexOf(out)] = outs[outs.length - 1] as Stream;
      outs.pop();
    }
    for (const out of conn.streams) if (out.up.present && out.up.outs.length < LOW_CONNECTIONS) this.announce(out.up, now);
  }

  /** `banner` refuses `banned` until `until_ms` and drops the connection. */
  ban(banner: SimPeer, banned: SimPeer, until_ms: number, now: number): void {
    banner.bans.set(banned.index, until_ms);
    this.recorder.bans++;
    for (const out of banner.outs) {
      if (out.down === banned) {
        this.disconnect(out.conn, now);
        break;
      }
    }
  }

  /** A leecher got its last piece: it becomes a seed, stops bidding and drops connections to other seeds. */
  complete(peer: SimPeer, now: number): void {
    peer.phase = 'seeding';
    peer.completed_ms = now;
    this.seeds_present++;
    refreshBid(this, peer, now);
    for (const out of [...peer.outs]) {
      if (out.down.phase === 'seeding') this.disconnect(out.conn, now);
      else closeSessions(this, out.twin, now);
    }
    scheduleDeparture(this, peer, now);
  }

  leave(peer: SimPeer, now: number): void {
    if (!peer.present) return;
    if (peer.phase === 'seeding') this.seeds_present--;
    peer.phase = 'gone';
    peer.left_ms = now;
    for (const out of [...peer.outs]) this.disconnect(out.conn, now);
    const at = this.#presentAt[peer.index] as number;
    const last = this.#present.pop() as number;
    if (last !== peer.index) {
      this.#present[at] = last;
      this.#presentAt[last] = at;
    }
    this.#presentAt[peer.index] = -1;
    const n = this.config.piece_count;
    for (let p = 0; p < n; p++) if ((peer.have[p >>> 5] as number) & (1 << (p & 31))) this.availability.decrement(p);
    this.checkAlive(now);
  }

  /** Death is final: arrivals bring no pieces, so once a piece has no holder the file cannot be completed. */
  checkAlive(now: number): void {
    if (this.dead_at_ms === null && this.availability.minCount() === 0) this.dead_at_ms = now;
  }

  #finish(now: number): void {
    this.#finished = true;
    for (const peer of this.peers) {
      if (!peer.present) continue;
      for (const out of [...peer.outs]) this.disconnect(out.conn, now);
    }
    this.ledger.expireAll();
    this.recorder.finish(now);
  }
}

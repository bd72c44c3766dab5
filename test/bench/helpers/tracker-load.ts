// Simulated WebTorrent peers for the tracker bench: N real WebSockets spread over the given tracker URLs, in S
// swarms; an offer round at a fixed announce rate (each offer's relay latency measured from announce to arrival at
// its target, which answers at once), and steady re-announcing with reconnect-on-close for the recovery phase.
import { randomBytes } from 'node:crypto';
import { hexToBinary } from '../../../src/tracker/wire.ts';
import { WsPeer, randomHex20, type Frame } from '../../tracker/helpers/ws-peer.ts';

/** Connects in flight at once: enough to be quick, few enough not to overflow the listen backlog. */
const CONNECT_CONCURRENCY = 128;
/** A browser's first reconnect after its tracker socket fails (src/peer/signaling.ts). */
const RECONNECT_MS = 1000;
const FAKE_SDP = `v=0\r\no=- ${'1'.repeat(19)} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n${'a=candidate:x 1 udp 1 127.0.0.1 9 typ host\r\n'.repeat(4)}`;

interface SimPeer {
  index: number;
  peer_id: string;
  swarm: string;
  seeder: boolean;
  url_index: number;
  ws: WsPeer | null;
}

export interface OfferRound {
  sent: number;
  delivered: number;
  answered: number;
  cross_gateway: number;
  relay_ms: number[];
  answer_rtt_ms: number[];
  seconds: number;
}

export class Population {
  readonly peers: SimPeer[];
  readonly swarmSize = new Map<string, number>();
  readonly urls: string[];
  /** Each URL's index stays; a dead one is skipped when reconnecting. */
  readonly dead = new Set<number>();
  #offers = new Map<string, { t0: number; from: SimPeer; delivered: boolean; to_url: number }>();
  #round: OfferRound | null = null;
  #onResponse: ((peer: SimPeer, count: number) => void) | null = null;
  #reannounce: ReturnType<typeof setInterval>[] = [];
  #stopped = false;

  constructor(urls: string[], count: number, swarms: number) {
    this.urls = urls;
    const hashes = Array.from({ length: swarms }, randomHex20);
    this.peers = Array.from({ length: count }, (_, index) => {
      const swarm = hashes[index % swarms] as string;
      this.swarmSize.set(swarm, (this.swarmSize.get(swarm) ?? 0) + 1);
      // Consecutive runs of `swarms` peers go to one URL, so every swarm has peers on every gateway.
      return { index, peer_id: randomHex20(), swarm, seeder: index % 4 === 0, url_index: Math.floor(index / swarms) % urls.length, ws: null };
    });
  }

  /** Opens every socket and announces `started`; resolves when every announce has its response. */
  async connectAll(): Promise<number> {
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < this.peers.length) {
        const peer = this.peers[next++] as SimPeer;
        await this.#connect(peer);
      }
    };
    await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
    return (performance.now() - started) / 1000;
  }

  async #connect(peer: SimPeer): Promise<void> {
    const ws = await WsPeer.open(this.urls[peer.url_index] as string, peer.peer_id);
    peer.ws = ws;
    const answered = new Promise<void>((done) => {
      ws.onFrame = (f) => {
        if (typeof f.interval === 'number') done();
        this.#frame(peer, f);
      };
    });
    void ws.closed.then(() => this.#closed(peer, ws));
    ws.announce(peer.swarm, { event: 'started', left: peer.seeder ? 0 : 1000 });
    await answered;
  }

  #frame(peer: SimPeer, f: Frame): void {
    const now = performance.now();
    if (typeof f.interval === 'number') {
      this.#onResponse?.(peer, Number(f.complete) + Number(f.incomplete));
    } else if (typeof f.offer === 'object' && f.offer !== null) {
      const o = this.#offers.get(String(f.offer_id));
      if (o && !o.delivered && this.#round) {
        o.delivered = true;
        this.#round.delivered++;
        this.#round.relay_ms.push(now - o.t0);
        if (o.from.url_index !== peer.url_index) this.#round.cross_gateway++;
      }
      peer.ws?.answer(f, 'answer ' + FAKE_SDP);
    } else if (typeof f.answer === 'object' && f.answer !== null) {
      const key = String(f.offer_id);
      const o = this.#offers.get(key);
      if (o && this.#round) {
        this.#offers.delete(key);
        this.#round.answered++;
        this.#round.answer_rtt_ms.push(now - o.t0);
      }
    }
  }

  #closed(peer: SimPeer, ws: WsPeer): void {
    if (this.#stopped || peer.ws !== ws) return;
    peer.ws = null;
    // Like a browser: back off, then reconnect to a tracker that is up and announce again.
    setTimeout(() => {
      if (this.#stopped) return;
      for (let k = 1; k <= this.urls.length; k++) {
        const candidate = (peer.url_index + k) % this.urls.length;
        if (!this.dead.has(candidate)) {
          peer.url_index = candidate;
          break;
        }
      }
      this.#connect(peer).catch(() => this.#closed(peer, ws));
    }, RECONNECT_MS);
  }

  /** Every peer announces once with `offers_each` offers, `rate_per_s` announces a second; waits for the answers. */
  async offerRound(offers_each: number, rate_per_s: number, timeout_ms: number): Promise<OfferRound> {
    const round: OfferRound = { sent: 0, delivered: 0, answered: 0, cross_gateway: 0, relay_ms: [], answer_rtt_ms: [], seconds: 0 };
    this.#round = round;
    this.#offers.clear();
    const started = performance.now();
    const period_ms = 1000 / rate_per_s;
    for (const peer of this.peers) {
      const due = started + peer.index * period_ms;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      // Offers a target can exist for: the swarm's other peers.
      const count = Math.min(offers_each, (this.swarmSize.get(peer.swarm) ?? 1) - 1);
      const offers = Array.from({ length: count }, () => ({ offer_id: randomBytes(20).toString('hex'), sdp: FAKE_SDP }));
      const t0 = performance.now();
      for (const o of offers) this.#offers.set(hexToBinary(o.offer_id), { t0, from: peer, delivered: false, to_url: -1 });
      round.sent += count;
      peer.ws?.announce(peer.swarm, { offers, left: peer.seeder ? 0 : 1000 });
    }
    const deadline = performance.now() + timeout_ms;
    while ((round.delivered < round.sent || round.answered < round.sent) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    round.seconds = (performance.now() - started) / 1000;
    round.relay_ms.sort((a, b) => a - b);
    round.answer_rtt_ms.sort((a, b) => a - b);
    this.#round = null;
    return round;
  }

  /** Every peer re-announces every `interval_ms`, each at its own phase (as browsers do). */
  startReannouncing(interval_ms: number): void {
    for (const peer of this.peers) {
      const start = setTimeout(() => {
        const tick = () => peer.ws?.announce(peer.swarm, { left: peer.seeder ? 0 : 1000 });
        tick();
        this.#reannounce.push(setInterval(tick, interval_ms));
      }, Math.random() * interval_ms);
      this.#reannounce.push(start as unknown as ReturnType<typeof setInterval>);
    }
  }

  /** Seconds from `since` until every peer is connected again and, after that, every swarm has told one of its
   * peers its full size (the shards know every peer again); null when that did not happen by the timeout. */
  async untilRecovered(timeout_ms: number, since: number): Promise<{ seconds: number | null; reconnected_s: number | null; swarms_recovered: number }> {
    const deadline = since + timeout_ms;
    while (this.connected() < this.peers.length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const reconnected = this.connected() === this.peers.length ? performance.now() : null;
    const recovered = new Set<string>();
    let last = performance.now();
    this.#onResponse = (peer, count) => {
      if (!recovered.has(peer.swarm) && count >= (this.swarmSize.get(peer.swarm) ?? 0)) {
        recovered.add(peer.swarm);
        last = performance.now();
      }
    };
    while (reconnected !== null && recovered.size < this.swarmSize.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.#onResponse = null;
    const done = reconnected !== null && recovered.size === this.swarmSize.size;
    return { seconds: done ? (last - since) / 1000 : null, reconnected_s: reconnected === null ? null : (reconnected - since) / 1000, swarms_recovered: recovered.size };
  }

  connected(): number {
    return this.peers.filter((p) => p.ws?.ws.readyState === 1).length;
  }

  close(): void {
    this.#stopped = true;
    for (const t of this.#reannounce) clearInterval(t);
    for (const p of this.peers) p.ws?.ws.terminate();
  }
}

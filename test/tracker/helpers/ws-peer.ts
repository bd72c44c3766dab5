// A simulated tracker client over a real WebSocket: announces with fake SDP offers, answers relayed offers, and
// records what the tracker sends. Used by the tracker tests and `npm run bench tracker` (same wire as a browser).
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { binaryToHex, hexToBinary } from '../../../src/tracker/wire.ts';

export type Frame = Record<string, unknown>;

export const randomHex20 = () => randomBytes(20).toString('hex');

export class WsPeer {
  readonly peer_id: string;
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<number>;
  #waiters: Array<{ test: (f: Frame) => boolean; done: (f: Frame) => void }> = [];
  /** Called for every frame (the bench answers offers from here). */
  onFrame: ((f: Frame) => void) | null = null;

  private constructor(ws: WebSocket, peer_id: string) {
    this.ws = ws;
    this.peer_id = peer_id;
    this.closed = new Promise((done) => ws.once('close', (code) => done(code)));
    ws.on('error', () => {});
    ws.on('message', (data) => {
      let f: unknown;
      try {
        f = JSON.parse(String(data));
      } catch {
        return;
      }
      const frame = f as Frame;
      if (!this.onFrame) this.frames.push(frame);
      this.onFrame?.(frame);
      this.#waiters = this.#waiters.filter((w) => (w.test(frame) ? (w.done(frame), false) : true));
    });
  }

  static open(url: string, peer_id = randomHex20()): Promise<WsPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new WsPeer(ws, peer_id)));
      ws.once('error', reject);
    });
  }

  send(message: Frame | string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  announce(info_hash: string, options: { event?: string; left?: number; offers?: Array<{ offer_id: string; sdp: string }> } = {}): void {
    this.send({
      action: 'announce',
      info_hash: hexToBinary(info_hash),
      peer_id: hexToBinary(this.peer_id),
      uploaded: 0,
      downloaded: 0,
      left: options.left ?? 1000,
      ...(options.event ? { event: options.event } : {}),
      numwant: options.offers?.length ?? 0,
      ...(options.offers ? { offers: options.offers.map((o) => ({ offer_id: hexToBinary(o.offer_id), offer: { type: 'offer', sdp: o.sdp } })) } : {}),
    });
  }

  /** Answers a relayed offer frame (as a browser would after setRemoteDescription). */
  answer(offer: Frame, sdp: string): void {
    this.send({
      action: 'announce',
      info_hash: offer.info_hash,
      peer_id: hexToBinary(this.peer_id),
      to_peer_id: offer.peer_id,
      offer_id: offer.offer_id,
      answer: { type: 'answer', sdp },
    });
  }

  /** The first frame (already received or coming) that passes `test`. */
  next(test: (f: Frame) => boolean, timeout_ms = 5000): Promise<Frame> {
    const seen = this.frames.find(test);
    if (seen) {
      this.frames.splice(this.frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame in ${timeout_ms} ms; got ${JSON.stringify(this.frames).slice(0, 400)}`)), timeout_ms);
      this.#waiters.push({
        test,
        done: (f) => {
          clearTimeout(timer);
          const at = this.frames.indexOf(f);
          if (at >= 0) this.frames.splice(at, 1);
          resolve(f);
        },
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

export const isOffer = (f: Frame) => typeof f.offer === 'object' && f.offer !== null;
export const isAnswer = (f: Frame) => typeof f.answer === 'object' && f.answer !== null;
export const isResponse = (info_hash: string) => (f: Frame) =>
  typeof f.interval === 'number' && typeof f.info_hash === 'string' && binaryToHex(f.info_hash) === info_hash;
export const isFailure = (f: Frame) => typeof f['failure reason'] === 'string';

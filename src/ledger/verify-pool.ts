// Signature checks, inline or off the main thread: requests queue their Ed25519 verifications, which go to a worker
// thread in one message per tick. Worth it with cores to spare (verifying is a third of a request's CPU), not on 2.
import { Worker } from 'node:worker_threads';
import { createNodeVerifier, type Ed25519Verifier } from './ed25519-node.ts';

export interface AsyncVerifier {
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
}

/** Checks per message to a worker: bounds one message's size and one batch's latency. */
const MAX_BATCH_CHECKS = 512;
/** Checks waiting for a worker before callers are refused (the engine's queue has its own bound too). */
const MAX_PENDING_CHECKS = 32_768;

// Plain JavaScript evaluated in the worker, so it runs the same under tsx, vitest and a bundler: node:crypto only,
// the same strict RFC 8032 rule as ed25519-node.ts.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const prefix = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
parentPort.on('message', ({ id, checks }) => {
  const results = new Uint8Array(checks.length);
  checks.forEach(([signature, message, publicKey], i) => {
    try {
      if (signature.length !== 64 || publicKey.length !== 32) return;
      const hex = Buffer.from(publicKey).toString('hex');
      let key = keys.get(hex);
      if (!key) {
        if (keys.size >= 4096) keys.delete(keys.keys().next().value);
        key = createPublicKey({ key: Buffer.concat([prefix, publicKey]), format: 'der', type: 'spki' });
        keys.set(hex, key);
      }
      results[i] = verify(null, message, key, signature) ? 1 : 0;
    } catch {}
  });
  parentPort.postMessage({ id, results });
});
`;

type Check = [Uint8Array, Uint8Array, Uint8Array];

export class VerifyPool implements AsyncVerifier {
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, Array<(ok: boolean) => void>>();
  #queue: Array<{ check: Check; done: (ok: boolean) => void }> = [];
  #scheduled = false;
  #next_id = 0;
  #turn = 0;
  #broken = false;

  constructor(threads: number) {
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 16) throw new RangeError('threads must be 1..16');
    this.#workers = Array.from({ length: threads }, () => {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', ({ id, results }: { id: number; results: Uint8Array }) => {
        const callbacks = this.#waiting.get(id) ?? [];
        this.#waiting.delete(id);
        callbacks.forEach((done, i) => done(results[i] === 1));
      });
      worker.on('error', () => {
        this.#broken = true;
        this.#failAll();
      });
      return worker;
    });
  }

  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    if (this.#broken) return Promise.reject(new Error('the signature worker died'));
    if (this.#queue.length >= MAX_PENDING_CHECKS) return Promise.reject(new Error('signature queue is full'));
    return new Promise((done) => {
      this.#queue.push({ check: [signature, message, publicKey], done });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH_CHECKS);
      const id = this.#next_id++;
      this.#waiting.set(id, batch.map((b) => b.done));
      const worker = this.#workers[this.#turn++ % this.#workers.length] as Worker;
      worker.postMessage({ id, checks: batch.map((b) => b.check) });
    }
  }

  /** A dead worker fails its checks closed: unverified means refused, never accepted. */
  #failAll(): void {
    for (const callbacks of this.#waiting.values()) callbacks.forEach((done) => done(false));
    this.#waiting.clear();
  }

  async close(): Promise<void> {
    this.#broken = true;
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#failAll();
  }
}

/** The same interface on the calling thread: for one-core machines and where threads are unwanted. */
export function inlineVerifier(verifier: Ed25519Verifier = createNodeVerifier()): AsyncVerifier {
  return {
    verify: async (signature, message, publicKey) => verifier.verify(signature, message, publicKey),
    close: async () => {},
  };
}

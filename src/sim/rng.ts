// Seeded PRNG for the simulator: sfc32 (fast, 32-bit, passes PractRand to 2^40+), seeded through splitmix32 so every
// (seed, stream) pair gets an independent sequence. Same seed and stream → the same numbers, on every machine.

/** One named stream per purpose, so adding draws to one part of the model never shifts the numbers of another. */
export type StreamName = 'population' | 'tracker' | 'picker' | 'choke' | 'seeding' | 'cheat' | 'test';

const STREAM_SALT: Record<StreamName, number> = {
  population: 0x9e3779b9, tracker: 0x85ebca6b, picker: 0xc2b2ae35, choke: 0x27d4eb2f, seeding: 0x165667b1,
  cheat: 0xd3a2646c, test: 0xfd7046c5,
};
const TWO_POW_32 = 4294967296;

function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, stream: StreamName, index = 0) {
    if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(index)) throw new RangeError('rng: seed and index must be safe integers');
    let s = (seed ^ STREAM_SALT[stream] ^ Math.imul(index, 0x2545f491)) | 0;
    s = (s + Math.floor(seed / TWO_POW_32)) | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, out] = splitmix32(s);
      s = next;
      words.push(out);
    }
    [this.#a, this.#b, this.#c, this.#d] = words as [number, number, number, number];
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n > 0)) throw new RangeError('rng.int: n must be positive');
    return Math.floor(this.next() * n);
  }

  /** Exponential with the given mean (inverse CDF; 1 − u is in (0, 1] so the log is finite). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Standard normal by Box–Muller (one of the pair; simplicity beats the saved draw here). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] ?? 0;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
}

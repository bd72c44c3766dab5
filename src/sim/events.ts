// Discrete-event queue: a binary min-heap over (integer ms, insertion order) kept in typed arrays, so ten million
// events cost no allocation each. Ties pop in insertion order, which makes a run a pure function of its seed.

/** Starting capacity; the heap doubles as needed. */
const INITIAL_CAPACITY = 1024;
/** Put a limit on everything: a runaway model fails loudly instead of eating the machine's memory. */
export const MAX_PENDING_EVENTS = 50_000_000;

export interface EventView {
  time_ms: number;
  kind: number;
  a: number;
  b: number;
}

export class EventQueue {
  #time = new Float64Array(INITIAL_CAPACITY);
  #order = new Float64Array(INITIAL_CAPACITY);
  #kind = new Int32Array(INITIAL_CAPACITY);
  #a = new Int32Array(INITIAL_CAPACITY);
  #b = new Int32Array(INITIAL_CAPACITY);
  #size = 0;
  #pushed = 0;
  #now_ms = 0;

  get size(): number {
    return this.#size;
  }

  /** Time of the last popped event: the simulation clock. */
  get now_ms(): number {
    return this.#now_ms;
  }

  get pushed(): number {
    return this.#pushed;
  }

  /** Schedules an event; `a` and `b` are int32 payloads (peer ids, stream ids, generation tokens). */
  push(time_ms: number, kind: number, a = 0, b = 0): void {
    // Integer milliseconds: the protocol code takes time as a safe integer, and integers keep runs bit-exact.
    if (!Number.isSafeInteger(time_ms)) throw new RangeError(`events: time ${time_ms} is not an integer`);
    if (time_ms < this.#now_ms) throw new RangeError(`events: time ${time_ms} is before now ${this.#now_ms}`);
    if (this.#size >= MAX_PENDING_EVENTS) throw new RangeError('events: too many pending events');
    if (this.#size === this.#time.length) this.#grow();
    let i = this.#size++;
    const order = this.#pushed++;
    // Sift up with a hole: move parents down until the new entry's place is found, then write it once.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = this.#time[parent] as number;
      if (pt < time_ms || (pt === time_ms && (this.#order[parent] as number) < order)) break;
      this.#move(parent, i);
      i = parent;
    }
    this.#write(i, time_ms, order, kind, a, b);
  }

  /** Pops the earliest event into `out` and advances the clock; false when the queue is empty. */
  pop(out: EventView): boolean {
    if (this.#size === 0) return false;
    out.time_ms = this.#time[0] as number;
    out.kind = this.#kind[0] as number;
    out.a = this.#a[0] as number;
    out.b = this.#b[0] as number;
    this.#now_ms = out.time_ms;
    const last = --this.#size;
    if (last > 0) this.#siftDown(last);
    return true;
  }

  /** Earliest pending time, or Infinity. */
  peekTime(): number {
    return this.#size === 0 ? Infinity : (this.#time[0] as number);
  }

  #siftDown(from: number): void {
    const t = this.#time[from] as number;
    const o = this.#order[from] as number;
    const k = this.#kind[from] as number;
    const a = this.#a[from] as number;
    const b = this.#b[from] as number;
    const n = this.#size;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.#less(right, child)) child = right;
      const ct = this.#time[child] as number;
      if (ct > t || (ct === t && (this.#order[child] as number) > o)) break;
      this.#move(child, i);
      i = child;
    }
    this.#write(i, t, o, k, a, b);
  }

  #less(x: number, y: number): boolean {
    const tx = this.#time[x] as number;
    const ty = this.#time[y] as number;
    return tx < ty || (tx === ty && (this.#order[x] as number) < (this.#order[y] as number));
  }

  #move(from: number, to: number): void {
    this.#time[to] = this.#time[from] as number;
    this.#order[to] = this.#order[from] as number;
    this.#kind[to] = this.#kind[from] as number;
    this.#a[to] = this.#a[from] as number;
    this.#b[to] = this.#b[from] as number;
  }

  #write(i: number, time_ms: number, order: number, kind: number, a: number, b: number): void {
    this.#time[i] = time_ms;
    this.#order[i] = order;
    this.#kind[i] = kind;
    this.#a[i] = a;
    this.#b[i] = b;
  }

  #grow(): void {
    const n = this.#time.length * 2;
    const grow64 = (old: Float64Array) => {
      const next = new Float64Array(n);
      next.set(old);
      return next;
    };
    const grow32 = (old: Int32Array) => {
      const next = new Int32Array(n);
      next.set(old);
      return next;
    };
    this.#time = grow64(this.#time);
    this.#order = grow64(this.#order);
    this.#kind = grow32(this.#kind);
    this.#a = grow32(this.#a);
    this.#b = grow32(this.#b);
  }
}

// How many present peers hold each piece, kept sorted by count in O(1) per change (libtorrent's piece-picker layout):
// rarest-first's order, and the swarm's "distributed copies" as clients display availability.

export class Availability {
  readonly piece_count: number;
  /** count[p]: present peers holding piece p. */
  readonly count: Int32Array;
  /** Pieces ordered by count, ascending. */
  readonly order: Int32Array;
  readonly #position: Int32Array;
  /** bucketStart[c]: first index in `order` whose count is ≥ c. Grows with the largest count. */
  #bucketStart: Int32Array;

  constructor(piece_count: number) {
    if (!Number.isSafeInteger(piece_count) || piece_count <= 0) throw new RangeError('availability: piece_count must be positive');
    this.piece_count = piece_count;
    this.count = new Int32Array(piece_count);
    this.order = new Int32Array(piece_count);
    this.#position = new Int32Array(piece_count);
    for (let p = 0; p < piece_count; p++) {
      this.order[p] = p;
      this.#position[p] = p;
    }
    this.#bucketStart = new Int32Array(64).fill(piece_count);
    this.#bucketStart[0] = 0;
  }

  /** A present peer gained piece p (or a holder arrived). */
  increment(p: number): void {
    const c = this.count[p] as number;
    if (c + 2 >= this.#bucketStart.length) this.#grow();
    // p moves to the end of bucket c, then the boundary of bucket c + 1 moves left over it.
    const last = (this.#bucketStart[c + 1] as number) - 1;
    this.#swap(this.#position[p] as number, last);
    this.#bucketStart[c + 1] = last;
    this.count[p] = c + 1;
  }

  /** A holder of piece p left. */
  decrement(p: number): void {
    const c = this.count[p] as number;
    if (c <= 0) throw new Error(`availability: piece ${p} count would go negative`);
    const first = this.#bucketStart[c] as number;
    this.#swap(this.#position[p] as number, first);
    this.#bucketStart[c] = first + 1;
    this.count[p] = c - 1;
  }

  /** Smallest count over all pieces: 0 means some piece is held by nobody present. */
  minCount(): number {
    return this.count[this.order[0] as number] as number;
  }

  /** Index in `order` just past the pieces with the smallest count. */
  rarestEnd(): number {
    return this.#bucketStart[this.minCount() + 1] as number;
  }

  /** Index in `order` just past the pieces whose count is `c`. */
  bucketEnd(c: number): number {
    return c + 1 < this.#bucketStart.length ? (this.#bucketStart[c + 1] as number) : this.piece_count;
  }

  /** Distributed copies, as clients show it: full copies plus the fraction of pieces held once more than that. */
  distributedCopies(): number {
    const min = this.minCount();
    return min + (this.piece_count - this.rarestEnd()) / this.piece_count;
  }

  /** Pieces held by nobody present. */
  missingPieces(): number {
    return this.minCount() === 0 ? this.rarestEnd() : 0;
  }

  #swap(i: number, j: number): void {
    if (i === j) return;
    const a = this.order[i] as number;
    const b = this.order[j] as number;
    this.order[i] = b;
    this.order[j] = a;
    this.#position[b] = i;
    this.#position[a] = j;
  }

  #grow(): void {
    const next = new Int32Array(this.#bucketStart.length * 2).fill(this.piece_count);
    next.set(this.#bucketStart);
    this.#bucketStart = next;
  }
}

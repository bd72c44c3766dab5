// Piece bitfields as Uint32Array words: the simulator's hottest data. Word-at-a-time tests keep "is this neighbour
// interesting?" at 32 operations for a 1,000-piece torrent instead of 1,000.

export function wordsFor(piece_count: number): number {
  return (piece_count + 31) >>> 5;
}

export function hasBit(bits: Uint32Array, index: number): boolean {
  return ((bits[index >>> 5] as number) & (1 << (index & 31))) !== 0;
}

export function setBit(bits: Uint32Array, index: number): void {
  bits[index >>> 5] = (bits[index >>> 5] as number) | (1 << (index & 31));
}

export function clearBit(bits: Uint32Array, index: number): void {
  bits[index >>> 5] = (bits[index >>> 5] as number) & ~(1 << (index & 31));
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** True when `source` holds a piece that `target` lacks and has not requested: `target` is interested in `source`. */
export function hasWanted(source: Uint32Array, target: Uint32Array, requested: Uint32Array): boolean {
  for (let w = 0; w < source.length; w++) {
    if (((source[w] as number) & ~((target[w] as number) | (requested[w] as number))) !== 0) return true;
  }
  return false;
}

/** True when `source` holds any piece `target` lacks: BitTorrent's "interested". */
export function hasMissing(source: Uint32Array, target: Uint32Array): boolean {
  for (let w = 0; w < source.length; w++) if (((source[w] as number) & ~(target[w] as number)) !== 0) return true;
  return false;
}

/** Sets the low `piece_count` bits (a complete copy). */
export function fillAll(bits: Uint32Array, piece_count: number): void {
  bits.fill(0xffffffff);
  const spare = bits.length * 32 - piece_count;
  if (spare > 0) bits[bits.length - 1] = 0xffffffff >>> spare;
}

// The player's bar model: verified pieces as runs of free/paid/missing, and buffered time as fractions.
import { describe, expect, it } from 'vitest';
import type { FilePieces } from '../../src/stream/serve/worker-stream.ts';
import { bufferedSpans, isBuffered, pieceCounts, pieceRuns } from '../../src/stream/piece-map.ts';

function pieces(bits: string, first_piece = 0): FilePieces {
  const have = new Uint8Array(Math.ceil(bits.length / 8));
  [...bits].forEach((b, i) => {
    if (b === '1') have[i >> 3] = (have[i >> 3] ?? 0) | (0x80 >> (i & 7));
  });
  return { piece_length: 16384, first_piece, piece_count: bits.length, file_offset: 0, file_length: bits.length * 16384, have, done: !bits.includes('0') };
}

describe('pieceRuns', () => {
  it('groups pieces into runs and marks the paid ones by torrent index', () => {
    const p = pieces('1110011', 10);
    expect(pieceRuns(p, new Set([11, 16]))).toEqual([
      { from: 0, to: 1, state: 'free' },
      { from: 1, to: 2, state: 'paid' },
      { from: 2, to: 3, state: 'free' },
      { from: 3, to: 5, state: 'missing' },
      { from: 5, to: 6, state: 'free' },
      { from: 6, to: 7, state: 'paid' },
    ]);
    expect(pieceCounts(p, new Set([11, 16]))).toEqual({ total: 7, free: 3, paid: 2 });
  });

  it('a payment for a piece not yet verified does not colour it', () => {
    expect(pieceCounts(pieces('0000'), new Set([0, 1]))).toEqual({ total: 4, free: 0, paid: 0 });
    expect(pieceRuns(pieces(''), new Set())).toEqual([]);
  });
});

describe('bufferedSpans', () => {
  const ranges = (list: Array<[number, number]>) => ({ length: list.length, start: (i: number) => list[i]![0], end: (i: number) => list[i]![1] });

  it('maps buffered seconds to fractions of the duration, clamped', () => {
    expect(bufferedSpans(ranges([[0, 5], [10, 30]]), 20)).toEqual([{ start: 0, end: 0.25 }, { start: 0.5, end: 1 }]);
    expect(bufferedSpans(ranges([[0, 5]]), Number.POSITIVE_INFINITY)).toEqual([]);
    expect(isBuffered(ranges([[10, 12]]), 11)).toBe(true);
    expect(isBuffered(ranges([[10, 12]]), 13)).toBe(false);
  });
});

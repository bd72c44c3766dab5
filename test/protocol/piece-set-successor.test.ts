// isValidSuccessor, the payer's per-payment shape check of its paid-piece set: it examines only the chunks a new set
// does not share with a valid old one, and must agree with the full isValidPieceSet on every such pair.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emptyPieceSet, isValidPieceSet, isValidSuccessor, withPiece, type PieceSet } from '../../src/protocol/piece-set.ts';

/** `set` with chunk `at` replaced by `chunk` (a hand-made, possibly broken successor). */
const replaced = (set: PieceSet, at: number, chunk: Uint8Array): PieceSet => {
  const chunks = set.chunks.slice();
  chunks[at] = chunk;
  return { piece_count: set.piece_count, chunks };
};

describe('isValidSuccessor', () => {
  it('agrees with isValidPieceSet for withPiece successors and for broken chunks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.array(fc.nat(), { maxLength: 20 }), fc.nat(), fc.nat(), (count, picks, at, delta) => {
        let set = emptyPieceSet(count);
        for (const pick of picks) {
          const next = withPiece(set, pick % count);
          expect(isValidSuccessor(set, next)).toBe(true);
          set = next;
        }
        const c = at % set.chunks.length;
        const old = set.chunks[c] as Uint8Array;
        // A chunk of the wrong size, and (where the torrent leaves spare bits) the last chunk with a spare bit set.
        const resized = replaced(set, c, new Uint8Array(old.length + 1 + (delta % 3)));
        expect(isValidSuccessor(set, resized)).toBe(isValidPieceSet(resized));
        expect(isValidSuccessor(set, resized)).toBe(false);
        const last = set.chunks.length - 1;
        const spare = replaced(set, last, Uint8Array.from(set.chunks[last] as Uint8Array));
        const bytes = spare.chunks[last] as Uint8Array;
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) | 1;
        expect(isValidSuccessor(set, spare)).toBe(isValidPieceSet(spare));
        expect(isValidSuccessor(set, spare)).toBe(count % 8 === 0);
      }),
    );
  });

  it('falls back to the full check when the shape differs', () => {
    const a = emptyPieceSet(100);
    const b = emptyPieceSet(2_000);
    expect(isValidSuccessor(a, b)).toBe(true);
    expect(isValidSuccessor(a, { piece_count: 2_000, chunks: [new Uint8Array(3)] })).toBe(false);
  });
});

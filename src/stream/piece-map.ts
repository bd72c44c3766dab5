// What the player's bar draws: a file's pieces as runs of missing / free / paid (paid pieces are the ones a
// `payment_sent` wallet event names; every other verified piece came free, from a legacy or free peer), and the
// media element's buffered time ranges as fractions of the duration. Pure, so the bar stays a dumb view.
import type { FilePieces } from './serve/worker-stream.ts';

export type PieceState = 'missing' | 'free' | 'paid';

/** Pieces [from, to) of the file, all in one state; from/to count from the file's first piece. */
export interface PieceRun {
  readonly from: number;
  readonly to: number;
  readonly state: PieceState;
}

export interface PieceCounts {
  readonly total: number;
  readonly free: number;
  readonly paid: number;
}

/** A fraction [start, end) of the bar. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export function hasPiece(pieces: FilePieces, i: number): boolean {
  return ((pieces.have[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0;
}

/** `paid` holds torrent piece indexes (as payment events name them). */
export function pieceState(pieces: FilePieces, i: number, paid: ReadonlySet<number>): PieceState {
  if (!hasPiece(pieces, i)) return 'missing';
  return paid.has(pieces.first_piece + i) ? 'paid' : 'free';
}

export function pieceRuns(pieces: FilePieces, paid: ReadonlySet<number>): PieceRun[] {
  const runs: PieceRun[] = [];
  let from = 0;
  let state: PieceState | null = null;
  for (let i = 0; i < pieces.piece_count; i++) {
    const s = pieceState(pieces, i, paid);
    if (s === state) continue;
    if (state !== null) runs.push({ from, to: i, state });
    from = i;
    state = s;
  }
  if (state !== null) runs.push({ from, to: pieces.piece_count, state });
  return runs;
}

export function pieceCounts(pieces: FilePieces, paid: ReadonlySet<number>): PieceCounts {
  let free = 0;
  let paidCount = 0;
  for (let i = 0; i < pieces.piece_count; i++) {
    const s = pieceState(pieces, i, paid);
    if (s === 'free') free++;
    else if (s === 'paid') paidCount++;
  }
  return { total: pieces.piece_count, free, paid: paidCount };
}

/** A run as a fraction of the bar. */
export function runSpan(run: PieceRun, piece_count: number): Span {
  return piece_count > 0 ? { start: run.from / piece_count, end: run.to / piece_count } : { start: 0, end: 0 };
}

/** The media element's buffered ranges as fractions of its duration (empty while the duration is unknown). */
export function bufferedSpans(buffered: { readonly length: number; start(i: number): number; end(i: number): number }, duration: number): Span[] {
  if (!Number.isFinite(duration) || duration <= 0) return [];
  const spans: Span[] = [];
  for (let i = 0; i < buffered.length; i++) {
    const start = Math.max(0, Math.min(1, buffered.start(i) / duration));
    const end = Math.max(start, Math.min(1, buffered.end(i) / duration));
    spans.push({ start, end });
  }
  return spans;
}

/** Is the media time `t` inside a buffered range? */
export function isBuffered(buffered: { readonly length: number; start(i: number): number; end(i: number): number }, t: number): boolean {
  for (let i = 0; i < buffered.length; i++) if (buffered.start(i) <= t && t <= buffered.end(i)) return true;
  return false;
}

// Piece transfer at piece granularity: one piece at a time per unchoked stream, at the smaller of the uploader's and
// the downloader's link shares fixed when it starts; rarest-first over global counts. Bytes are never simulated.
import { clearBit, hasBit, setBit } from './bitset.ts';
import { refreshBidIfDue } from './bidding.ts';
import { afterPaidPiece, mayStartPaid, startPaidPiece } from './payments.ts';
import type { SimPeer, Stream } from './peer.ts';
import { EV_PIECE, type Swarm } from './swarm.ts';

/** Rarest pieces examined first, in rarity order; beyond them a random scan of the uploader's offer takes over. */
const RAREST_SCAN = 48;
/** Candidates the random scan compares by count before it settles for the rarest seen. */
const FALLBACK_CANDIDATES = 24;

/** Starts the next piece on an unchoked, idle stream if there is one to send and the payment rules allow it. */
export function tryStart(sw: Swarm, s: Stream, now: number): void {
  if (!s.conn.open || !s.unchoked || s.piece >= 0 || s.down.phase !== 'leeching') return;
  const paid = s.price_units_per_kib !== null;
  if (paid && !mayStartPaid(sw, s, now)) return;
  const piece = pickPiece(sw, s);
  if (piece >= 0) startPiece(sw, s, piece, paid, now);
}

/**
 * `peer` just got `piece`: an idle stream it unchokes went idle because it had nothing the other side wanted, so
 * the new piece is the one thing worth offering — start it without a full rarest-first scan.
 */
export function offerNewPiece(sw: Swarm, peer: SimPeer, piece: number, now: number): void {
  const unchoked = peer.unchoked;
  for (let i = 0; i < unchoked.length; i++) {
    const s = unchoked[i];
    if (!s || s.piece >= 0 || s.down.phase !== 'leeching') continue;
    if (hasBit(s.down.have, piece) || hasBit(s.down.requested, piece)) continue;
    const paid = s.price_units_per_kib !== null;
    if (paid && !mayStartPaid(sw, s, now)) continue;
    if (s.conn.open && s.unchoked && s.piece < 0) startPiece(sw, s, piece, paid, now);
  }
}

function startPiece(sw: Swarm, s: Stream, piece: number, paid: boolean, now: number): void {
  const { up, down } = s;
  const bytes = sw.config.piece_bytes;
  if (paid) startPaidPiece(sw, s, piece, bytes, now);
  s.piece = piece;
  s.piece_paid = paid;
  setBit(down.requested, piece);
  up.active_out++;
  down.active_in++;
  const upRate = up.spec.up_bytes_per_ms / Math.max(up.unchoked_out, up.active_out);
  const downRate = down.spec.down_bytes_per_ms / Math.max(down.unchoked_in, down.active_in);
  const duration_ms = Math.max(1, Math.ceil(bytes / Math.min(upRate, downRate)));
  sw.queue.push(now + duration_ms, EV_PIECE, s.id, s.token);
}

export function onPieceDone(sw: Swarm, stream_id: number, token: number, now: number): void {
  const s = sw.streams[stream_id];
  if (!s || s.token !== token || s.piece < 0) return;
  const { up, down } = s;
  const piece = s.piece;
  const bytes = sw.config.piece_bytes;
  release(s);
  s.bytes_total += bytes;
  up.uploaded_bytes += bytes;
  const bad = up.spec.cheat === 'bad_data';
  if (bad) {
    down.bad_pieces_received++;
    s.bad_pieces++;
    sw.recorder.bad_pieces++;
    if (s.bad_pieces > sw.recorder.max_bad_pieces_per_pair) sw.recorder.max_bad_pieces_per_pair = s.bad_pieces;
  } else {
    setBit(down.have, piece);
    down.have_count++;
    down.last_progress_ms = now;
    sw.availability.increment(piece);
  }
  if (s.piece_paid) afterPaidPiece(sw, s, piece, bad, now);
  else sw.recorder.free_pieces++;
  // A requester bans a provider whose data fails the hash; on a paid slot the payer machine said so already.
  if (bad && s.conn.open) sw.ban(down, up, now + sw.config.horizon_ms, now);
  if (bad) return;
  if (down.have_count === sw.config.piece_count) {
    sw.complete(down, now);
    return;
  }
  refreshBidIfDue(sw, down, now);
  tryStart(sw, s, now);
  offerNewPiece(sw, down, piece, now);
}

/** Drops the piece in flight (the connection closed); the downloader may fetch it elsewhere. */
export function cancelStream(s: Stream): void {
  s.token++;
  if (s.piece >= 0) release(s);
  setChoked(s);
}

export function setUnchoked(s: Stream): void {
  if (s.unchoked) return;
  s.unchoked = true;
  s.up.unchoked.push(s);
  s.down.unchoked_in++;
}

export function setChoked(s: Stream): void {
  if (!s.unchoked) return;
  s.unchoked = false;
  const list = s.up.unchoked;
  list[list.indexOf(s)] = list[list.length - 1] as Stream;
  list.pop();
  s.down.unchoked_in--;
}

function release(s: Stream): void {
  clearBit(s.down.requested, s.piece);
  s.piece = -1;
  s.up.active_out--;
  s.down.active_in--;
}

/**
 * Rarest first: scan the pieces in ascending count, starting at a random place among the rarest held by anyone,
 * so simultaneous downloaders spread over equally rare pieces; then, if none of those is on offer here, take the
 * rarest of a random sample of what this uploader offers. Returns −1 when it offers nothing wanted.
 */
export function pickPiece(sw: Swarm, s: Stream): number {
  const av = sw.availability;
  const order = av.order;
  const count = av.count;
  const offer = s.up.have;
  const have = s.down.have;
  const requested = s.down.requested;
  const n = av.piece_count;
  let base = 0;
  if (av.minCount() === 0) base = av.rarestEnd();
  if (base >= n) return -1;
  const end = av.bucketEnd(count[order[base] as number] as number);
  const width = end - base;
  const start = width > 1 ? sw.pickerRng.int(width) : 0;
  const limit = Math.min(RAREST_SCAN, n - base);
  for (let k = 0; k < limit; k++) {
    const i = k < width ? base + ((start + k) % width) : base + k;
    const p = order[i] as number;
    if (hasBit(offer, p) && !hasBit(have, p) && !hasBit(requested, p)) return p;
  }
  return sampleRarest(sw, offer, have, requested, count);
}

function sampleRarest(sw: Swarm, offer: Uint32Array, have: Uint32Array, requested: Uint32Array, count: Int32Array): number {
  const words = offer.length;
  const first = sw.pickerRng.int(words);
  let best = -1;
  let bestCount = Infinity;
  let seen = 0;
  for (let k = 0; k < words && seen < FALLBACK_CANDIDATES; k++) {
    const w = (first + k) % words;
    let bits = ((offer[w] as number) & ~((have[w] as number) | (requested[w] as number))) >>> 0;
    while (bits !== 0 && seen < FALLBACK_CANDIDATES) {
      const low = bits & -bits;
      const p = (w << 5) + (31 - Math.clz32(low));
      bits = (bits ^ low) >>> 0;
      seen++;
      const c = count[p] as number;
      if (c < bestCount) {
        bestCount = c;
        best = p;
      }
    }
  }
  return best;
}

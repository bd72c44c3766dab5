// When a downloading torrent may fetch a piece from its BEP 19 web seed (the publisher's HTTP origin): the origin is
// the last resort, so paid and free peers offload it (issue 17's paid CDN: "once providers hold it, the origin may go
// away"). A piece a live peer holds is left to the peers; the web seed takes pieces no live peer has.

/** A torrent that announces to trackers gives its peers this long to connect before it uses the web seed. */
export const WEB_SEED_START_WAIT_MS = 2_000;
/** A peer that holds the piece but chokes us still counts this long after it connected or last choked us. */
export const PEER_UNCHOKE_PATIENCE_MS = 3_000;
/** An unchoked peer with requests outstanding that sent no block for this long has stalled. */
export const PEER_STALL_MS = 4_000;

/** What the torrent knows of one connected peer (never the web seed itself) and one piece. */
export interface PeerSource {
  /** The peer's own bitfield has the piece (not the picker's filtered view of it). */
  readonly has_piece: boolean;
  readonly choking_us: boolean;
  /** We stopped requesting from it (we stopped paying it). */
  readonly blocked: boolean;
  /** When it connected, or last choked or unchoked us. */
  readonly changed_at_ms: number;
  /** When it last sent us a block, unchoked us, or was asked for blocks while it had none outstanding. */
  readonly progress_at_ms: number;
  readonly requests_outstanding: number;
}

/** `waiting`: choking us, but recently connected or choked, so it may unchoke us soon. */
export type PeerState = 'delivering' | 'waiting' | 'choking' | 'stalled' | 'blocked';

export function peerState(peer: PeerSource, now_ms: number): PeerState {
  if (peer.blocked) return 'blocked';
  if (peer.choking_us) return now_ms - peer.changed_at_ms < PEER_UNCHOKE_PATIENCE_MS ? 'waiting' : 'choking';
  if (peer.requests_outstanding > 0 && now_ms - peer.progress_at_ms >= PEER_STALL_MS) return 'stalled';
  return 'delivering';
}

/** A peer that holds the piece and is delivering or about to: the web seed leaves the piece to it. */
export function isLiveSource(peer: PeerSource, now_ms: number): boolean {
  if (!peer.has_piece) return false;
  const state = peerState(peer, now_ms);
  return state === 'delivering' || state === 'waiting';
}

export type WebSeedDecision =
  | { readonly fetch: true; readonly reason: 'no_peer_has_it' | 'peers_not_delivering' }
  | { readonly fetch: false; readonly reason: 'waiting_for_peers' | 'peer_has_it' };

export interface WebSeedQuery {
  /** Peers connected now, as sources of the piece asked about. */
  readonly peers: readonly PeerSource[];
  /** When the web seed joined the torrent. */
  readonly web_seed_since_ms: number;
  /** The torrent announces to a tracker (or otherwise looks for peers); false: the web seed is all it has. */
  readonly expects_peers: boolean;
  readonly now_ms: number;
}

export function webSeedDecision(q: WebSeedQuery): WebSeedDecision {
  if (q.expects_peers && q.now_ms - q.web_seed_since_ms < WEB_SEED_START_WAIT_MS) {
    return { fetch: false, reason: 'waiting_for_peers' };
  }
  let held = false;
  for (const peer of q.peers) {
    if (isLiveSource(peer, q.now_ms)) return { fetch: false, reason: 'peer_has_it' };
    held ||= peer.has_piece;
  }
  return { fetch: true, reason: held ? 'peers_not_delivering' : 'no_peer_has_it' };
}

/**
 * A torrent not played in order (a provider fetching rarest first to serve others) takes its web seed pieces from
 * the end of the file backwards: players fetch from the start, so the two ask the origin for the same piece at most
 * where they meet, instead of at random wherever the provider's pick lands near a player's next pieces. Returns the
 * `slots` highest pieces the web seed could take (`open(i)`), highest first.
 */
export function highestOpenPieces(piece_count: number, slots: number, open: (index: number) => boolean): number[] {
  const picked: number[] = [];
  for (let i = piece_count - 1; i >= 0 && picked.length < slots; i--) if (open(i)) picked.push(i);
  return picked;
}

// The simulator's mutable records: a peer, a connection between two peers, and one direction of a connection (a
// stream: who uploads to whom, whether unchoked, the piece in flight, and the payment sessions when both run Speed).
import { INITIAL_BIDDER_STATE, type BidderState } from '../protocol/bidder.ts';
import type { PayeeState } from '../protocol/channel-payee.ts';
import type { PayerState } from '../protocol/channel-payer.ts';
import { INITIAL_CHOKE_STATE, type ChokeState, type PeerId } from '../protocol/choker.ts';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import { wordsFor } from './bitset.ts';
import type { PeerSpec } from './population.ts';

export type Phase = 'pending' | 'leeching' | 'seeding' | 'gone';

export class SimPeer {
  readonly spec: PeerSpec;
  readonly id: PeerId;
  readonly key: PublicKeyHex;
  phase: Phase = 'pending';
  readonly have: Uint32Array;
  /** Pieces in flight to this peer from anyone, so two uploaders never send it the same piece. */
  readonly requested: Uint32Array;
  have_count = 0;
  /** One per connection: the stream on which this peer uploads (its `twin` is the one it downloads on). */
  readonly outs: Stream[] = [];
  /** The out-streams it currently unchokes (its upload slots in use or reserved). */
  readonly unchoked: Stream[] = [];
  active_out = 0;
  /** Streams on which others currently unchoke this peer, and of those, the ones carrying a piece now. */
  unchoked_in = 0;
  active_in = 0;
  choke_state: ChokeState = INITIAL_CHOKE_STATE;
  /** A choke round is scheduled (paused while a seed has no downloader to decide about). */
  choke_armed = false;
  bidder: BidderState = INITIAL_BIDDER_STATE;
  /** The bid last broadcast (what providers see); null before the first and after completion. */
  bid_units_per_kib: Units | null = null;
  next_bid_check_ms = 0;
  next_announce_ms = 0;
  /** Ledger balance not locked in escrow. */
  free_units: Units;
  /** Escrow of this peer's open payer channels not yet signed over. */
  locked_units: Units = 0n;
  spent_units: Units = 0n;
  earned_units: Units = 0n;
  /** Exponentially weighted earnings, in units, decayed to `earn_at_ms` (the earnings-rate response model). */
  earn_ewma_units = 0;
  earn_at_ms = 0;
  completed_ms = -1;
  left_ms = -1;
  last_progress_ms = 0;
  /** Bumped whenever a scheduled departure check must be superseded. */
  departure_token = 0;
  /** When it would have left had it earned nothing: extensions are measured from here. */
  departure_base_ms: number | null = null;
  /** Peers this one refuses to talk to, until the given time. */
  readonly bans = new Map<number, number>();
  bad_pieces_received = 0;
  /** Bytes of pieces it finished uploading (the CDN report's origin bytes). */
  uploaded_bytes = 0;
  /** Highest bid it ever broadcast (the no-charge-above-bid check). */
  max_bid_units_per_kib: Units = 0n;
  /** Most pieces this peer, as a provider, ever had started-but-unpaid towards one requester. */
  max_unpaid_out = 0;

  constructor(spec: PeerSpec, piece_count: number, key: PublicKeyHex) {
    this.spec = spec;
    this.id = `p${spec.index}` as PeerId;
    this.key = key;
    this.have = new Uint32Array(wordsFor(piece_count));
    this.requested = new Uint32Array(wordsFor(piece_count));
    this.free_units = spec.balance_units;
  }

  get index(): number {
    return this.spec.index;
  }

  get unchoked_out(): number {
    return this.unchoked.length;
  }

  get present(): boolean {
    return this.phase === 'leeching' || this.phase === 'seeding';
  }
}

export class Stream {
  readonly id: number;
  readonly conn: Conn;
  readonly up: SimPeer;
  readonly down: SimPeer;
  /** The reverse direction of the same connection. */
  twin!: Stream;
  unchoked = false;
  /** Piece in flight, or -1. */
  piece = -1;
  /** Bumped to invalidate a scheduled piece completion (cancelled on departure). */
  token = 0;
  /** The piece in flight was started on a paid slot: it is owed whatever the slot becomes meanwhile. */
  piece_paid = false;
  bytes_total = 0;
  /** `bytes_total` at the uploader's last choke round, and at the downloader's (for tit-for-tat windows). */
  snap_up = 0;
  snap_down = 0;
  /** The auction price for this round; null when the slot is free (tit-for-tat, optimistic, legacy). */
  price_units_per_kib: Units | null = null;
  payee: PayeeState | null = null;
  payer: PayerState | null = null;
  /** Pieces started on a paid slot minus pieces paid: the provider's exposure, counted by the shell. */
  unpaid_pieces = 0;
  max_unpaid_pieces = 0;
  /** The payee chose to choke it for a late payment; it stays out of the auction until it pays. */
  payment_late = false;
  /** Payments the requester made on this stream. */
  paid_pieces = 0;
  /** Corrupt pieces the uploader sent on this stream (a requester bans after the first). */
  bad_pieces = 0;
  /** Payments the requester withheld (cheater) — for the report. */
  withheld = 0;

  constructor(id: number, conn: Conn, up: SimPeer, down: SimPeer) {
    this.id = id;
    this.conn = conn;
    this.up = up;
    this.down = down;
  }
}

export class Conn {
  readonly a: SimPeer;
  readonly b: SimPeer;
  /** [a → b, b → a] */
  readonly streams: [Stream, Stream];
  open = true;

  constructor(a: SimPeer, b: SimPeer, first_stream_id: number) {
    this.a = a;
    this.b = b;
    this.streams = [new Stream(first_stream_id, this, a, b), new Stream(first_stream_id + 1, this, b, a)];
    this.streams[0].twin = this.streams[1];
    this.streams[1].twin = this.streams[0];
  }
}

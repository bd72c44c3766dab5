// Speed for one torrent: puts the extension on every wire, runs the provider's auction choker in place of
// webtorrent's, routes Speed messages to each wire's provider and requester sessions, attributes verified and
// failed pieces to the wires that delivered them. Payee channels that outlive a wire live in speed-payees.ts.
import { INITIAL_CHOKE_STATE, type ChokeState } from '../protocol/choker.ts';
import type { PayerState } from '../protocol/channel-payer.ts';
import { banUntil } from '../protocol/bans.ts';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import type { ManagedTorrent, TorrentHooks } from './engine.ts';
import type { PeerStatus } from './rpc-schema.ts';
import type { SpeedContext } from './speed-context.ts';
import { chokeRound, wireStatus, type WireState } from './speed-choke.ts';
import { speedExtension, speedOf, type SpeedExtension } from './speed-extension.ts';
import { SpeedBidding } from './speed-bidding.ts';
import { PiecePins } from './speed-pins.ts';
import { PayeeKeeper } from './speed-payees.ts';
import { PayerStore } from './payer-store.ts';
import { ProviderSession } from './speed-provider.ts';
import { RequesterSession } from './speed-requester.ts';
import type { Wire } from './wire.ts';
import { gateUnchoke, replaceRechoke } from './wire-patches.ts';

/** Sessions are cranked (deadlines, rollovers, bids) this often. */
export const TICK_MS = 1000;
/** A new interested peer or a new bid waits at most this long for a choke round, so service starts promptly. */
const INTEREST_ROUND_DELAY_MS = 500;
const FAILED_PIECE = /Piece (\d+) failed verification/;

export class SpeedTorrent implements TorrentHooks {
  readonly #m: ManagedTorrent;
  readonly #ctx: SpeedContext;
  readonly #wires = new Map<Wire, WireState>();
  readonly #pins: PiecePins;
  readonly #contributions = new Map<number, Set<Wire>>();
  readonly #unsettled = new Set<number>();
  /** Wires that negotiated Speed before the metadata arrived (magnets): their sessions start at 'ready'. */
  readonly #early: Array<() => void> = [];
  readonly #payees: PayeeKeeper;
  readonly #payers: PayerStore;
  readonly #bidding: SpeedBidding;
  #choke: ChokeState = INITIAL_CHOKE_STATE;
  #roundTimer: ReturnType<typeof setTimeout> | null = null;
  #tickTimer: ReturnType<typeof setInterval>;
  #destroyed = false;
  readonly #restoreRechoke: () => void;

  constructor(managed: ManagedTorrent, ctx: SpeedContext) {
    this.#m = managed;
    this.#ctx = ctx;
    const torrent = managed.torrent;
    this.#payees = new PayeeKeeper(ctx, torrent.infoHash);
    this.#payers = new PayerStore(ctx, torrent.infoHash);
    // Paced from the moment Speed is negotiated, not from the first bid response: requests sent before the response
    // (after a reload, to a provider resuming our channel) would otherwise span pieces the gate holds back.
    this.#pins = new PiecePins(this.#pieceBytes, (wire) => this.#wires.get(wire)?.requester != null, {
      now: () => ctx.now(),
      expectsPeers: () => torrent.announce.length > 0,
      fromEnd: () => torrent.strategy === 'rarest',
      pieceCount: () => torrent.pieces.length,
      have: (index) => torrent.bitfield.get(index),
    });
    this.#bidding = new SpeedBidding(ctx, () => this.#remainingBytes(), () => this.#requesters());
    // The auction choker replaces webtorrent's tit-for-tat rounds for this torrent (until destroy puts them back).
    this.#restoreRechoke = replaceRechoke(torrent);
    this.#listen('wire', (wire: Wire) => this.#onWire(wire));
    for (const wire of torrent.wires) this.#onWire(wire);
    this.#listen('ready', () => {
      for (const start of this.#early.splice(0)) start();
      void this.#payees.restore();
    });
    this.#listen('verified', (index: number) => this.#onVerified(index));
    this.#listen('warning', (warning: Error | string) => this.#onWarning(warning));
    this.#listen('done', () => {
      for (const r of this.#requesters()) r.finish();
      this.#scheduleRound(0);
    });
    this.#tickTimer = setInterval(() => this.#tick(), TICK_MS);
    this.#scheduleRound(INTEREST_ROUND_DELAY_MS);
    if (torrent.ready) void this.#payees.restore();
  }

  /** Torrent listeners, removed on destroy: a torrent may switch Speed off and on again while it runs. */
  readonly #listeners: Array<[string, (...args: never[]) => void]> = [];

  #listen<A extends unknown[]>(event: string, listener: (...args: A) => void): void {
    const l = listener as unknown as (...args: never[]) => void;
    this.#listeners.push([event, l]);
    (this.#m.torrent as unknown as { on(event: string, listener: (...args: never[]) => void): void }).on(event, l);
  }

  /**
   * Stops Speed for this torrent: webtorrent's own choking comes back, and payee channels whose wires end from now
   * on are closed at once instead of after the rejoin grace (wires already gone keep their sessions' close paths).
   */
  destroy(): void {
    this.#destroyed = true;
    clearInterval(this.#tickTimer);
    if (this.#roundTimer) clearTimeout(this.#roundTimer);
    for (const [event, listener] of this.#listeners.splice(0)) this.#m.torrent.removeListener(event, listener);
    this.#restoreRechoke();
    this.#payees.destroy();
  }

  #requesters(): RequesterSession[] {
    return [...this.#wires.values()].flatMap((s) => (s.requester ? [s.requester] : []));
  }

  /** Bytes still wanted; 0 before metadata (a magnet's length is unknown until then: nothing to bid for yet). */
  #remainingBytes(): number {
    const t = this.#m.torrent;
    return t.done || !t.ready ? 0 : Math.max(0, Math.floor(t.length - t.downloaded));
  }

  #pieceBytes = (index: number): number => {
    const t = this.#m.torrent;
    return index === t.pieces.length - 1 ? t.lastPieceLength : t.pieceLength;
  };

  #onWire(wire: Wire): void {
    if (this.#wires.has(wire) || wire.destroyed) return;
    if (this.#ctx.bans.isBanned([wire.peerId], this.#ctx.now())) {
      wire.destroy();
      return;
    }
    wire.use(speedExtension(this.#ctx.localHandshake()));
    const ext = speedOf(wire);
    if (!ext) return;
    const state: WireState = { ext, provider: null, requester: null, allowUnchoke: false, lastUploaded: 0, lastDownloaded: 0 };
    this.#wires.set(wire, state);
    gateUnchoke(wire, () => state.allowUnchoke);
    this.#pins.install(wire);
    for (const tap of this.#ctx.wireTaps) tap(wire, ext);
    ext.handler = {
      negotiated: (negotiation, remote) => {
        if (!negotiation.speed || !remote) return;
        if (this.#ctx.bans.isBanned([remote.payment_pk], this.#ctx.now())) return wire.destroy();
        const start = () => {
          if (wire.destroyed || !this.#wires.has(wire)) return;
          state.provider = this.#providerSession(wire, ext, remote.payment_pk);
          if (!this.#m.torrent.done) {
            state.requester = new RequesterSession(wire, ext, this.#requesterDeps());
            this.#bidding.greet(ext);
          }
        };
        if (this.#m.torrent.ready) start();
        else this.#early.push(start);
      },
      message: (message) => {
        if (message.type === 'bid_response') state.requester?.onBidResponse(message);
        else if (message.type === 'error') {
          this.#ctx.log('info', `speed ${wire.peerId?.slice(0, 8)}: ${message.code} ${message.reason}`);
          // Its word that we are free now can only cost it: we stop paying this session (channel-payer.ts).
          if (message.code === 'not_charged' || message.code === 'not_selling') state.requester?.notCharged();
        }
        else state.provider?.onMessage(message);
      },
      warning: (reason) => this.#ctx.log('warn', `speed ${wire.peerId?.slice(0, 8)}: ${reason}`),
    };
    wire.on('piece', ((index: number) => {
      let set = this.#contributions.get(index);
      if (!set) this.#contributions.set(index, (set = new Set()));
      set.add(wire);
    }) as (...args: never[]) => void);
    wire.on('interested', () => this.#scheduleRound(INTEREST_ROUND_DELAY_MS));
    wire.once('close', () => this.#onClose(wire, state));
  }

  #providerSession(wire: Wire, ext: SpeedExtension, payer_key: PublicKeyHex): ProviderSession {
    return new ProviderSession(wire, ext, payer_key, {
      ctx: this.#ctx,
      info_hash: this.#m.torrent.infoHash,
      piece_length: this.#m.torrent.pieceLength,
      pieceBytes: this.#pieceBytes,
      persist: (key, state) => this.#payees.persist(key, state),
      closeChannel: (state) => this.#payees.closeChannel(state),
      earned: (channel_id, amount_units) => this.#m.money.earned(channel_id, amount_units),
      // A bid can make a winner while a regular slot is free: award it now, not after up to a whole round of free
      // units (within the short delay that lets bids arriving together meet in one round).
      bidChanged: () => this.#scheduleRound(INTEREST_ROUND_DELAY_MS),
    }, this.#payees.take(payer_key));
  }

  #requesterDeps() {
    const t = this.#m.torrent;
    return {
      ctx: this.#ctx,
      info_hash: t.infoHash,
      piece_length: t.pieceLength,
      piece_count: t.pieces.length,
      remainingBytes: () => this.#remainingBytes(),
      currentBid: () => this.#bidding.lastSent(),
      persist: (payee_key: PublicKeyHex, state: PayerState) => this.#payers.save(payee_key, state),
      restore: (payee_key: PublicKeyHex) => this.#payers.restore(payee_key),
      stopRequesting: (wire: Wire) => this.#pins.block(wire),
      paid: (channel_id: ChannelId, amount_units: Units, index: number | null) =>
        this.#m.money.paid(channel_id, amount_units, index === null ? 0 : this.#pieceBytes(index)),
    };
  }

  #onClose(wire: Wire, state: WireState): void {
    this.#wires.delete(wire);
    this.#pins.releaseWire(wire);
    state.requester?.close();
    const provider = state.provider;
    if (provider) {
      this.#payees.release(provider.payer_key, provider.detach(), () => provider.session_earned_units);
    }
    this.#scheduleRound(INTEREST_ROUND_DELAY_MS);
  }

  #onVerified(index: number): void {
    const wires = this.#contributions.get(index);
    this.#contributions.delete(index);
    this.#pins.release(index);
    if (!wires) return; // resumed from the store: nothing to pay
    for (const wire of wires) {
      const session = this.#wires.get(wire)?.requester;
      if (!session?.paying) continue;
      this.#unsettled.add(index);
      void session.pieceVerified(index, this.#pieceBytes(index)).finally(() => this.#unsettled.delete(index));
    }
  }

  /** Verified pieces whose payment is not saved yet: left out of the saved bitfield, so a reload refetches them. */
  unsettledPieces(): ReadonlySet<number> {
    return this.#unsettled;
  }

  #onWarning(warning: Error | string): void {
    const match = FAILED_PIECE.exec(String(warning instanceof Error ? warning.message : warning));
    if (!match) return;
    const index = Number(match[1]);
    const wires = this.#contributions.get(index);
    this.#contributions.delete(index);
    this.#pins.release(index);
    for (const wire of wires ?? []) {
      const session = this.#wires.get(wire)?.requester;
      if (session?.payer) {
        session.pieceFailed(index);
        continue;
      }
      // A legacy provider (or one we never paid) that sent data failing its hash is banned the same way.
      const until_ms = banUntil(this.#ctx.now());
      this.#ctx.bans.ban([wire.peerId, this.#wires.get(wire)?.ext.remote?.payment_pk], until_ms);
      this.#ctx.wallet({ kind: 'peer_banned', info_hash: this.#m.torrent.infoHash, peer_id: wire.peerId ?? '', role: 'provider', reason: 'bad_piece', until_ms });
      wire.destroy();
    }
  }

  #tick(): void {
    if (this.#destroyed) return;
    const now = this.#ctx.now();
    for (const s of this.#wires.values()) {
      s.provider?.tick(now);
      s.requester?.tick();
    }
    this.#bidding.tick(this.#m.torrent.done);
    const t = this.#m.torrent;
    if (t.ready && !t.done && this.#pins.webSeedIdle()) t._update(); // a web seed's wait may be over (speed-pins.ts)
    if (this.#m.torrent.ready) this.#bidding.refreshDemandBid(this.#m.torrent.infoHash, this.#m.torrent.done);
  }

  demand_bid = () => this.#bidding.demand_bid;

  /** Runs the next round in `delay_ms`, unless one is already due sooner. */
  #scheduleRound(delay_ms: number): void {
    if (this.#destroyed) return;
    const due_ms = this.#ctx.now() + delay_ms;
    if (this.#roundTimer) {
      if (this.#roundDue_ms <= due_ms) return;
      clearTimeout(this.#roundTimer);
    }
    this.#roundDue_ms = due_ms;
    this.#roundTimer = setTimeout(() => {
      this.#roundTimer = null;
      this.#round();
      this.#scheduleRound(this.#ctx.settings.choke_round_ms);
    }, delay_ms);
  }

  #roundDue_ms = 0;

  #round(): void {
    this.#choke = chokeRound(this.#wires, this.#ctx, this.#m.torrent.done, this.#choke);
  }

  peers(): PeerStatus[] {
    const now = this.#ctx.now();
    return [...this.#wires.entries()].map(([wire, s]) => wireStatus(wire, s, this.#bidding.lastSent(), this.#ctx.bans, now));
  }
}

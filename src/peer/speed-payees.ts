// Provider side, per torrent: the payee channel states that outlive a wire. A requester that vanished may come back
// (a reload) and continue on the same channel; if it does not within the grace period, we close the channel with
// the best state it signed, before the ledger's timeout would refund it all. States are saved (throttled) so a
// reload of our own tab can still close them; channel closes are retried with backoff.
import { crankPayee, earnedUnits, type PayeeState } from '../protocol/channel-payee.ts';
import { payeeFromJson, payeeToJson } from '../protocol/channel-payee-json.ts';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import type { SignedPaymentState } from '../protocol/payment-state.ts';
import type { SpeedContext } from './speed-context.ts';
import { forgiveInFlight, MAX_FORGIVEN_UNITS } from '../protocol/channel-payee-end.ts';

/** A requester that vanished may come back within this long and keep its channel; then we close it. */
export const REJOIN_GRACE_MS = 20_000;
/** Payee states are saved at most this often per requester (promptly once closing). */
export const PERSIST_INTERVAL_MS = 1000;
/** Attempts to close one channel on the ledger, 1 s doubling between them. */
export const MAX_CLOSE_ATTEMPTS = 5;

export class PayeeKeeper {
  readonly #ctx: SpeedContext;
  readonly #info_hash: string;
  readonly #orphans = new Map<PublicKeyHex, { state: PayeeState; timer: ReturnType<typeof setTimeout> }>();
  readonly #forgiven = new Map<PublicKeyHex, number>();
  readonly #persistTimers = new Map<PublicKeyHex, ReturnType<typeof setTimeout>>();
  readonly #persistLatest = new Map<PublicKeyHex, PayeeState>();
  /** Earnings of sessions that ended (closed channels), and of sessions whose close was still in flight. */
  #settled_units = 0n;
  readonly #closing: Array<() => bigint> = [];

  constructor(ctx: SpeedContext, info_hash: string) {
    this.#ctx = ctx;
    this.#info_hash = info_hash;
  }

  earned_units(): bigint {
    let sum = this.#settled_units;
    for (const earned of this.#closing) sum += earned();
    for (const o of this.#orphans.values()) sum += earnedUnits(o.state);
    return sum;
  }

  /** A requester came back: its channel state, with the piece it lost in flight forgiven (a bounded number of times). */
  take(payer_key: PublicKeyHex): PayeeState | null {
    const orphan = this.#orphans.get(payer_key);
    if (!orphan) return null;
    clearTimeout(orphan.timer);
    this.#orphans.delete(payer_key);
    const forgiven = this.#forgiven.get(payer_key) ?? 0;
    if (forgiven >= MAX_FORGIVEN_UNITS) return orphan.state;
    const next = forgiveInFlight(orphan.state, true);
    if (next !== orphan.state) this.#forgiven.set(payer_key, forgiven + 1);
    return next;
  }

  /** A wire ended: keep a resumable session for the grace period; count one already closing as it finishes. */
  release(payer_key: PublicKeyHex, state: PayeeState | null, earned: () => bigint): void {
    const resumable = state !== null && (state.phase === 'Serving' || state.phase === 'WaitingForChannel' || state.phase === 'WaitingForLedgerCheck');
    if (state && resumable) {
      // Once Speed is off for the torrent (destroyed) nobody can rejoin: close at once.
      const timer = setTimeout(() => void this.#closeOrphan(payer_key), this.#destroyed ? 0 : REJOIN_GRACE_MS);
      this.#orphans.set(payer_key, { state, timer });
    } else if (state) {
      this.#closing.push(earned);
    }
  }

  async restore(): Promise<void> {
    for (const [key, json] of (await this.#ctx.storage?.loadChannels(`payee:${this.#info_hash}:`)) ?? []) {
      try {
        const state = payeeFromJson(json);
        if (state.phase !== 'Closed') this.release(state.terms.payer_key, state, () => earnedUnits(state));
      } catch {
        void this.#ctx.storage?.deleteChannel(key);
      }
    }
  }

  persist(payer_key: PublicKeyHex, state: PayeeState): void {
    this.#persistLatest.set(payer_key, state);
    if (this.#persistTimers.has(payer_key)) return;
    const urgent = state.phase === 'Closing' || state.phase === 'Closed';
    this.#persistTimers.set(payer_key, setTimeout(() => {
      this.#persistTimers.delete(payer_key);
      const latest = this.#persistLatest.get(payer_key);
      if (latest) void this.#ctx.storage?.saveChannel(`payee:${this.#info_hash}:${payer_key}`, payeeToJson(latest));
    }, urgent ? 0 : PERSIST_INTERVAL_MS));
  }

  async closeChannel(state: SignedPaymentState): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_CLOSE_ATTEMPTS; attempt++) {
      try {
        await this.#ctx.signedCall((ledger, signer) => ledger.closeChannel(signer, { state }));
        this.#ctx.wallet({ kind: 'channel_closed', info_hash: this.#info_hash, channel_id: state.channel_id, paid_units: state.amount_units });
        void this.#ctx.refreshBalance(true);
        return true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'channel_closed' || code === 'channel_expired') return true;
        this.#ctx.wallet({
          kind: 'channel_close_failed', info_hash: this.#info_hash, channel_id: state.channel_id, message: String((error as Error).message).slice(0, 1000),
        });
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** attempt));
      }
    }
    return false;
  }

  /**
   * Speed ends for this torrent (switched off, or the torrent removed): channels waiting for their requester to
   * rejoin are closed now with the best state signed, so earnings are collected instead of refunded at timeout.
   * Pending saves still run, so a reload knows which closes finished.
   */
  destroy(): void {
    this.#destroyed = true;
    for (const [payer_key, o] of this.#orphans) {
      clearTimeout(o.timer);
      void this.#closeOrphan(payer_key);
    }
  }

  #destroyed = false;

  async #closeOrphan(payer_key: PublicKeyHex): Promise<void> {
    const orphan = this.#orphans.get(payer_key);
    if (!orphan) return;
    const step = crankPayee(orphan.state, { type: 'done' }, this.#ctx.now());
    orphan.state = step.state;
    this.persist(payer_key, step.state);
    for (const effect of step.effects) {
      if (effect.type !== 'close_channel' || !(await this.closeChannel(effect.state))) continue;
      orphan.state = crankPayee(orphan.state, { type: 'channel_closed', channel_id: effect.state.channel_id }, this.#ctx.now()).state;
    }
    this.persist(payer_key, orphan.state);
    if (orphan.state.phase === 'Closed' && this.#orphans.get(payer_key) === orphan) {
      this.#orphans.delete(payer_key);
      this.#settled_units += earnedUnits(orphan.state);
    }
  }
}

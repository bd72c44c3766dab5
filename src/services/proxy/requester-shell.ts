// The requester's imperative shell for one proxy session (browser or Node): feeds frames and ledger answers into
// crankRequester one at a time and performs its effects — open the job's channel, sign each payment over the job's
// context, store each checked chunk, then persist the job so a reload resumes from exactly what arrived and was paid.
import type { Units } from '../../protocol/money.ts';
import type { ChannelId, PaymentState, SessionContext, SignedPaymentState } from '../../protocol/payment-state.ts';
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { ProxyJob } from './chunk-plan.ts';
import type { ProxyFrame } from './proxy-frames.ts';
import {
  crankRequester, isActive, startRequester, type RequesterEffect, type RequesterEvent, type RequesterStart, type RequesterState,
} from './requester-session.ts';

export interface OpenedChannel {
  readonly channel_id: ChannelId;
  readonly escrow_units: Units;
  readonly expires_at_ms: number;
}

export interface RequesterPorts {
  send(frame: ProxyFrame): void;
  /** Opens (and funds) the channel on the ledger with this context; null when the ledger refused. */
  openChannel(payee_key: PublicKeyHex, escrow_units: Units, timeout_ms: number, context: SessionContext): Promise<OpenedChannel | null>;
  sign(state: PaymentState, context: SessionContext): Promise<SignedPaymentState>;
  store(index: number, offset: number, bytes: Uint8Array): Promise<void>;
  /** Called after every step that changed the job or the spend; the job record is the resume state. */
  persist(job: ProxyJob | null, job_spent_units: Units): Promise<void>;
  now(): number;
  /** Every effect, after it was performed: progress, restarts, bans and the end reach the UI from here. */
  observe?(effect: RequesterEffect, state: RequesterState): void;
}

export class RequesterShell {
  #state: RequesterState;
  readonly #ports: RequesterPorts;
  #chain: Promise<void> = Promise.resolve();
  error: unknown = null;
  /** The last payment this session signed: what the next session re-sends if the link dropped (RequesterStart.resend). */
  last_payment: SignedPaymentState | null = null;
  readonly #settled: Promise<RequesterState>;
  #settle: (state: RequesterState) => void = () => {};

  constructor(ports: RequesterPorts, start: RequesterStart) {
    this.#ports = ports;
    const first = startRequester(start);
    this.#state = first.state;
    this.#settled = new Promise((resolve) => (this.#settle = resolve));
    this.#chain = this.#apply(first.effects).catch((e: unknown) => this.#fail(e));
  }

  get state(): RequesterState {
    return this.#state;
  }

  /** Resolves when the session is over (done, stopped, banned or dropped), with its last state. */
  get settled(): Promise<RequesterState> {
    return this.#settled;
  }

  frame(frame: ProxyFrame): Promise<void> {
    return this.#enqueue({ type: 'frame', frame });
  }

  dropped(): Promise<void> {
    return this.#enqueue({ type: 'dropped' });
  }

  cancel(): Promise<void> {
    return this.#enqueue({ type: 'cancel' });
  }

  /** This session's chunks and what the job's other sessions hold of the caps (a job split between providers). */
  share(chunks: readonly number[], job_reserved_units: Units, day_reserved_units: Units): Promise<void> {
    return this.#enqueue({ type: 'share', chunks, job_reserved_units, day_reserved_units });
  }

  #enqueue(event: RequesterEvent): Promise<void> {
    this.#chain = this.#chain.then(() => (this.error === null ? this.#run(event) : undefined)).catch((e: unknown) => this.#fail(e));
    return this.#chain;
  }

  #fail(e: unknown): void {
    this.error = e;
    this.#settle(this.#state);
  }

  async #run(event: RequesterEvent): Promise<void> {
    const step = crankRequester(this.#state, event, this.#ports.now());
    if (step.state === this.#state && step.effects.length === 0) return;
    this.#state = step.state;
    await this.#apply(step.effects);
  }

  async #apply(effects: readonly RequesterEffect[]): Promise<void> {
    const p = this.#ports;
    let dirty = false;
    for (const fx of effects) {
      switch (fx.type) {
        case 'send': p.send(fx.frame); break;
        case 'store_chunk': await p.store(fx.index, fx.offset, fx.bytes); dirty = true; break;
        case 'pay': {
          // Save before send: the job (this chunk received and paid, the spend) is persisted with the signed state
          // before it leaves. Sent first, a reload in between would fetch and pay the same chunk again; persisted
          // first, a payment lost with the link is re-sent by the next session (RequesterStart.resend).
          const payment = await p.sign(fx.state, this.#state.context);
          this.last_payment = payment;
          await p.persist(this.#state.job, this.#state.job_spent_units);
          dirty = false;
          p.send({ type: 'payment', job_id: this.#state.request.job_id, payment });
          break;
        }
        case 'restarted': dirty = true; break;
        case 'open_channel': {
          const opened = await p.openChannel(fx.payee_key, fx.escrow_units, fx.timeout_ms, fx.context);
          p.observe?.(fx, this.#state);
          await this.#run(opened ? { type: 'channel_opened', ...opened } : { type: 'channel_open_failed' });
          continue;
        }
        case 'ban': case 'finished': break;
      }
      p.observe?.(fx, this.#state);
    }
    if (dirty) await p.persist(this.#state.job, this.#state.job_spent_units);
    if (!isActive(this.#state)) this.#settle(this.#state);
  }
}

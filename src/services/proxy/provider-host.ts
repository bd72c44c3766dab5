// The provider's host (Node): every `sp_proxy` wire a relay reports becomes one ProxyExtension and, once a requester
// says hello, one ProviderShell; a re-sent payment is routed to the lingering session it pays; the day's served bytes
// are counted across sessions; a timer ticks every session. The wires themselves live elsewhere (in the terminal
// provider, a headless page: WebRTC does not run in Node here), reached through `ProxyTransport`.
import { toPublicKeyHex, type PublicKeyHex, type Signer } from '../../protocol/ed25519.ts';
import type { ChannelId, SessionContext, SignedPaymentState } from '../../protocol/payment-state.ts';
import type { JobId, ProviderLimits } from './job-request.ts';
import { proxyExtension, type ProxyExtension } from './proxy-extension.ts';
import type { ProxyFrame } from './proxy-frames.ts';
import { ProviderShell, type ProviderLedgerChannel, type ProviderPorts } from './provider-shell.ts';
import type { ProviderPhase } from './provider-session.ts';

/** How often sessions are ticked (payment deadlines, channel timeouts, the end of a drop's grace). */
export const HOST_TICK_MS = 5_000;
/** Wires served at once; more are refused, as a seeder refuses peers past its connection limit. */
export const MAX_SESSIONS = 64;
const DAY_MS = 24 * 60 * 60_000;

export interface ProxyTransport {
  send(wire_id: string, bytes: Uint8Array): void;
  drop(wire_id: string): void;
}

export interface ProviderHostOptions {
  readonly signer: Signer;
  readonly limits: ProviderLimits;
  readonly transport: ProxyTransport;
  fetch: ProviderPorts['fetch'];
  ledgerChannel(channel_id: ChannelId): Promise<ProviderLedgerChannel | null>;
  verify(payment: SignedPaymentState, payer_key: PublicKeyHex, context: SessionContext): Promise<boolean>;
  close(state: SignedPaymentState): Promise<void>;
  now(): number;
  log?(line: string): void;
}

interface Session {
  readonly ext: ProxyExtension;
  shell: ProviderShell | null;
  payer_key: PublicKeyHex | null;
  queue: Promise<void>;
}

/** A session in these phases is over: a new `request` on the same wire (a resume after a pause or a cap) starts another. */
const ENDED: ReadonlySet<ProviderPhase> = new Set(['Lingering', 'Done']);

export class ProviderHost {
  readonly #o: ProviderHostOptions;
  readonly #wires = new Map<string, Session>();
  /** Sessions by job id, until they end (lingering ones included): where re-sent payments go. */
  readonly #jobs = new Map<JobId, ProviderShell>();
  #day_started_ms: number;
  day_served_bytes = 0;
  jobs_served = 0;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: ProviderHostOptions) {
    this.#o = options;
    this.#day_started_ms = options.now();
  }

  start(): void {
    this.#timer ??= setInterval(() => this.tick(), HOST_TICK_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  get sessions(): number {
    return this.#wires.size;
  }

  /** A relay saw a new wire and its peer's extended handshake. */
  hello(wire_id: string, handshake: Record<string, unknown>): void {
    if (this.#wires.has(wire_id)) return;
    if (this.#wires.size >= MAX_SESSIONS) return this.#o.transport.drop(wire_id);
    const transport = this.#o.transport;
    const wire = {
      destroyed: false,
      extendedHandshake: {} as Record<string, unknown>,
      extended: (_name: string, bytes: Uint8Array) => transport.send(wire_id, bytes),
      destroy: () => transport.drop(wire_id),
    };
    const Ext = proxyExtension({ role: 'provider', payment_pk: toPublicKeyHex(this.#o.signer.publicKey) });
    const ext = new Ext(wire);
    const session: Session = { ext, shell: null, payer_key: null, queue: Promise.resolve() };
    ext.handler = {
      ready: (remote) => {
        if (remote === null) return;
        session.payer_key = remote.payment_pk;
        session.shell = this.#shell(ext, remote.payment_pk);
      },
      // One frame at a time per wire: a `request` after a `done` (a resume on the same wire) sees that session ended.
      frame: (frame) => void (session.queue = session.queue.then(() => this.#route(session, frame)).catch(() => {})),
      warning: (w) => this.#o.log?.(`wire ${wire_id}: ${w}`),
    };
    this.#wires.set(wire_id, session);
    ext.onExtendedHandshake(handshake);
  }

  #route(session: Session, frame: ProxyFrame): Promise<void> {
    if (frame.type === 'request' && session.shell && session.payer_key && ENDED.has(session.shell.state.phase)) {
      // A banned payer stays banned on this wire (Banned is not in ENDED); a lingering session stays in #jobs.
      session.shell = this.#shell(session.ext, session.payer_key);
    }
    const shell = session.shell;
    if (!shell) return Promise.resolve();
    // A re-sent payment, and the `done` after it, name an earlier session of the same payer (dropped, or not yet
    // noticed as dropped): they go to that session, so it is paid and closes at once.
    const own = shell.state.request?.job_id;
    if ((frame.type === 'payment' || frame.type === 'done') && frame.job_id !== own) {
      const earlier = this.#jobs.get(frame.job_id);
      if (earlier && earlier !== shell && earlier.state.payer_key === shell.state.payer_key) return earlier.frame(frame);
    }
    return shell.frame(frame).then(() => {
      const id = shell.state.request?.job_id;
      if (id !== undefined && shell.state.phase !== 'Done' && shell.state.phase !== 'Banned') this.#jobs.set(id, shell);
    });
  }

  message(wire_id: string, bytes: Uint8Array): void {
    this.#wires.get(wire_id)?.ext.onMessage(bytes);
  }

  closed(wire_id: string): void {
    const session = this.#wires.get(wire_id);
    if (!session) return;
    this.#wires.delete(wire_id);
    void session.shell?.dropped();
  }

  tick(): void {
    const now = this.#o.now();
    if (now - this.#day_started_ms >= DAY_MS) {
      this.#day_started_ms = now;
      this.day_served_bytes = 0;
    }
    for (const s of this.#wires.values()) void s.shell?.tick();
    for (const shell of this.#jobs.values()) if (shell.state.phase === 'Lingering') void shell.tick();
  }

  #shell(ext: ProxyExtension, payer_key: PublicKeyHex): ProviderShell {
    const o = this.#o;
    return new ProviderShell({
      signer: o.signer,
      send: (frame) => void ext.send(frame),
      fetch: o.fetch,
      ledgerChannel: o.ledgerChannel,
      verify: o.verify,
      close: async (state) => {
        try {
          await o.close(state);
        } catch (e) {
          o.log?.(`close of ${state.channel_id} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
      now: o.now,
      served: (bytes) => (this.day_served_bytes += bytes),
      ended: (state) => {
        if (state.request) this.#jobs.delete(state.request.job_id);
        if (state.served_bytes > 0) this.jobs_served++;
        o.log?.(`job ${state.request?.job_id.slice(0, 8) ?? '?'} ended: ${state.end_reason ?? state.phase}, ${state.served_bytes} bytes`);
      },
    }, o.limits, payer_key, this.day_served_bytes);
  }
}

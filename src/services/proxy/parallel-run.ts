// The imperative shell of one job split between providers (browser or Node): a session per provider, each asked to
// wait after its offer; once the offers are in (or OFFER_WAIT_MS passed) parallel-plan.ts gives each its disjoint
// share and cap allotment; every step persists the one job record (all sessions' chunks) and the spend, and a session
// that ends short hands its missing chunks to a provider that finished or is still free.
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';
import type { ProxyJob } from './chunk-plan.ts';
import { toJSON } from './chunk-record.ts';
import {
  allOffered, createPlan, decide, ended, isFinished, offered, snapshot, started, toStart, type ParallelPlan,
} from './parallel-plan.ts';
import type { ProxyExtension } from './proxy-extension.ts';
import type { JobTerms, ProxyJobStore, RequesterClientPorts, ResendRecord } from './requester-client.ts';
import type { RequesterEffect, RequesterState } from './requester-session.ts';
import { RequesterShell } from './requester-shell.ts';
import { readStored, requestFor, resendFrom, toResendRecord } from './stored-job.ts';

/** How long the first offers are awaited before the job is split between those that came. */
export const OFFER_WAIT_MS = 3_000;

export interface ParallelDeps {
  readonly ports: RequesterClientPorts;
  readonly store: ProxyJobStore;
  readonly payer_key: PublicKeyHex;
  /** The wires to providers now (they come and go while the job runs). */
  providers(): ReadonlyMap<PublicKeyHex, ProxyExtension>;
  /** Routes the wire's frames to this session and its close to `shell.dropped()`. */
  attach(ext: ProxyExtension, shell: RequesterShell): void;
  detach(ext: ProxyExtension, shell: RequesterShell): void;
}

export interface ParallelEnd {
  /** Every chunk received and paid. */
  readonly finished: boolean;
  readonly paused: boolean;
  readonly plan: ParallelPlan;
  /** Each session's last state, in the order they ended. */
  readonly sessions: ReadonlyArray<{ readonly provider_key: PublicKeyHex; readonly state: RequesterState }>;
}

export type ParallelObserver = (provider_key: PublicKeyHex, fx: RequesterEffect, state: RequesterState) => void;

export class ParallelRun {
  readonly #d: ParallelDeps;
  readonly #url: string;
  readonly #terms: JobTerms;
  readonly #only: ReadonlySet<PublicKeyHex> | null;
  readonly #observe: ParallelObserver | undefined;
  #plan: ParallelPlan;
  #resends: Record<string, ResendRecord>;
  readonly #legacy_resend: ResendRecord | null;
  readonly #live = new Map<PublicKeyHex, { shell: RequesterShell; job_spent: Units }>();
  readonly #ended: Array<{ provider_key: PublicKeyHex; state: RequesterState }> = [];
  #paused = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #waited = false;
  #resolve: (end: ParallelEnd) => void = () => {};
  readonly settled: Promise<ParallelEnd>;

  /** Loads the job from the store and starts; `only` limits the providers used (null: any connected). */
  static async start(d: ParallelDeps, url: string, terms: JobTerms, only: readonly PublicKeyHex[] | null, observe?: ParallelObserver): Promise<ParallelRun> {
    const stored = await d.store.load(url);
    const { job, spent_units } = readStored(stored);
    const plan = createPlan(job, spent_units, terms.cap_units, terms.day_spent_units, terms.day_cap_units);
    const run = new ParallelRun(d, url, terms, only, plan, stored?.resends ?? {}, stored?.resend ?? null, observe);
    run.providersChanged();
    return run;
  }

  private constructor(d: ParallelDeps, url: string, terms: JobTerms, only: readonly PublicKeyHex[] | null, plan: ParallelPlan,
    resends: Readonly<Record<string, ResendRecord>>, legacy: ResendRecord | null, observe: ParallelObserver | undefined) {
    this.#d = d;
    this.#url = url;
    this.#terms = terms;
    this.#only = only === null ? null : new Set(only);
    this.#plan = plan;
    this.#resends = { ...resends };
    this.#legacy_resend = legacy;
    this.#observe = observe;
    this.settled = new Promise((resolve) => (this.#resolve = resolve));
  }

  get plan(): ParallelPlan {
    return this.#plan;
  }

  /** Ends every session now (each keeps what arrived and was paid); a later run resumes the job. */
  async pause(): Promise<void> {
    this.#paused = true;
    await Promise.all([...this.#live.values()].map((l) => l.shell.cancel()));
    this.#step();
  }

  /** A provider came or went: starts sessions with newly usable ones. */
  providersChanged(): void {
    this.#step();
  }

  #step(): void {
    if (!this.#paused) {
      const wires = this.#d.providers();
      const connected = [...wires.keys()].filter((p) => this.#only === null || this.#only.has(p));
      for (const p of toStart(this.#plan, connected)) this.#startSession(p, wires.get(p) as ProxyExtension);
      const fetching = [...this.#plan.sessions.values()].some((s) => s.phase === 'fetching');
      if (allOffered(this.#plan) || fetching || this.#waited) this.#decide();
    }
    if (this.#live.size === 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#resolve({ finished: isFinished(this.#plan), paused: this.#paused, plan: this.#plan, sessions: this.#ended });
    }
  }

  #decide(): void {
    const d = decide(this.#plan);
    this.#plan = d.plan;
    for (const [p, share] of d.shares) void this.#live.get(p)?.shell.share(share.chunks, share.job_reserved_units, share.day_reserved_units);
    for (const p of d.cancel) void this.#live.get(p)?.shell.cancel();
  }

  #startSession(provider_key: PublicKeyHex, ext: ProxyExtension): void {
    const d = this.#d;
    const job_id = d.ports.newJobId();
    this.#plan = started(this.#plan, provider_key);
    const resend = this.#resends[provider_key] ?? (this.#live.size === 0 && this.#ended.length === 0 ? this.#legacy_resend : null);
    const shell: RequesterShell = new RequesterShell({
      send: (f) => void ext.send(f),
      openChannel: d.ports.openChannel,
      sign: async (state, context) => {
        const signed = await d.ports.sign(state, context);
        this.#resends[provider_key] = toResendRecord(job_id, signed);
        return signed;
      },
      store: (index, offset, bytes) => d.store.writeChunk(this.#url, index, offset, bytes),
      persist: async (_job, job_spent) => {
        const live = this.#live.get(provider_key);
        if (live) live.job_spent = job_spent;
        await this.#save();
      },
      now: d.ports.now,
      observe: (fx, state) => {
        if (fx.type === 'offered') {
          this.#plan = offered(this.#plan, provider_key, fx.job);
          if (!this.#timer && !this.#waited) this.#timer = setTimeout(() => ((this.#waited = true), this.#step()), OFFER_WAIT_MS);
          queueMicrotask(() => this.#step());
        }
        this.#observe?.(provider_key, fx, state);
      },
    }, {
      request: requestFor(job_id, this.#url, this.#plan.job, this.#terms), payer_key: d.payer_key, job: this.#plan.job,
      job_spent_units: 0n, day_cap_units: this.#terms.day_cap_units, day_spent_units: 0n, resend: resendFrom(resend), await_share: true,
    });
    this.#live.set(provider_key, { shell, job_spent: 0n });
    d.attach(ext, shell);
    void shell.settled.then(async (end) => {
      d.detach(ext, shell);
      this.#live.delete(provider_key);
      this.#ended.push({ provider_key, state: end });
      // A session that finished needs no re-send; one that was cut keeps its last payment for the next.
      if (end.phase === 'Done') delete this.#resends[provider_key];
      this.#plan = ended(this.#plan, provider_key, {
        job: end.job, spent_units: end.job_spent_units, day_spent_units: end.day_spent_units, finished: end.phase === 'Done',
      });
      await this.#save();
      this.#step();
    });
  }

  /** The job as it stands: the plan's job with every running session's chunks, and the spend of all of them. */
  progress(): { readonly job: ProxyJob | null; readonly spent_units: Units } {
    const live = new Map([...this.#live].map(([p, l]) => [p, l.shell.state.job] as const));
    let spent_units = this.#plan.spent_units;
    for (const l of this.#live.values()) spent_units += l.job_spent;
    return { job: snapshot(this.#plan, live), spent_units };
  }

  /** The one job record, with the last payment per provider to re-send. */
  #save(): Promise<void> {
    const { job, spent_units: spent } = this.progress();
    return this.#d.store.save(this.#url, { record: job === null ? null : toJSON(job), spent_units: spent.toString(), resend: null, resends: { ...this.#resends } });
  }
}

// The requester's side of the paid proxy for an app (browser or Node): the providers it has a wire to, and sessions
// of one job run against a store that keeps the resume state — the job record, what the job has cost, and the last
// signed payment to re-send after a drop — so a pause, a dropped wire or a reload picks the job up where it stopped.
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';
import { toJSON } from './chunk-record.ts';
import type { JobId } from './job-request.ts';
import { ParallelRun, type ParallelObserver } from './parallel-run.ts';
import type { ProxyExtension } from './proxy-extension.ts';
import { RequesterShell, type RequesterPorts } from './requester-shell.ts';
import type { RequesterEffect, RequesterState } from './requester-session.ts';
import { readStored, requestFor, resendFrom, toResendRecord } from './stored-job.ts';

/** A signed payment as stored, to re-send after a drop. */
export interface ResendRecord {
  readonly job_id: string;
  readonly channel_id: string;
  readonly amount_units: string;
  readonly seq: string;
  readonly signature: string;
}

/** What survives a reload, per URL (JSON-safe: the app keeps it in IndexedDB). */
export interface StoredJob {
  readonly record: string | null;
  readonly spent_units: string;
  readonly resend: ResendRecord | null;
  /** The same per provider, for a job split between providers (parallel-run.ts). */
  readonly resends?: Readonly<Record<string, ResendRecord>>;
}

export interface ProxyJobStore {
  load(url: string): Promise<StoredJob | null>;
  save(url: string, job: StoredJob): Promise<void>;
  /** The fetched bytes; chunk `index` starts at `offset`. */
  writeChunk(url: string, index: number, offset: number, bytes: Uint8Array): Promise<void>;
}

export interface RequesterClientPorts extends Pick<RequesterPorts, 'openChannel' | 'sign' | 'now'> {
  /** 32 fresh random bytes per session, as hex. */
  newJobId(): JobId;
}

export interface JobTerms {
  readonly chunk_size: number;
  readonly max_price_units_per_kib: Units;
  readonly cap_units: Units;
  readonly max_bytes: number;
  readonly day_cap_units: Units;
  readonly day_spent_units: Units;
}

export interface RunningSession {
  readonly settled: Promise<RequesterState>;
  /** Ends the session now (the job keeps what arrived and was paid); a later `run` resumes it. */
  pause(): Promise<void>;
}

export class RequesterClient {
  readonly #ports: RequesterClientPorts;
  readonly #store: ProxyJobStore;
  readonly #payer_key: PublicKeyHex;
  readonly #providers = new Map<PublicKeyHex, ProxyExtension>();
  readonly #running = new Map<ProxyExtension, RequesterShell>();

  constructor(ports: RequesterClientPorts, store: ProxyJobStore, payer_key: PublicKeyHex) {
    this.#ports = ports;
    this.#store = store;
    this.#payer_key = payer_key;
  }

  /** A wire whose peer said hello as a provider. */
  addProvider(provider_key: PublicKeyHex, ext: ProxyExtension): void {
    this.#providers.set(provider_key, ext);
  }

  /** That wire is gone: its session, if any, ends as dropped (nothing in flight is paid). */
  wireClosed(ext: ProxyExtension): void {
    for (const [key, e] of this.#providers) if (e === ext) this.#providers.delete(key);
    void this.#running.get(ext)?.dropped();
  }

  providers(): PublicKeyHex[] {
    return [...this.#providers.keys()];
  }

  /**
   * `url` split between providers at once (parallel-run.ts): every connected provider (or those of `only`) that offers
   * the same version fetches its own disjoint share through its own channel, into the one stored job.
   */
  runParallel(url: string, terms: JobTerms, only: readonly PublicKeyHex[] | null, observe?: ParallelObserver): Promise<ParallelRun> {
    return ParallelRun.start({
      ports: this.#ports, store: this.#store, payer_key: this.#payer_key,
      providers: () => this.#providers,
      attach: (ext, shell) => this.#attach(ext, shell),
      detach: (ext, shell) => {
        if (this.#running.get(ext) === shell) this.#running.delete(ext);
      },
    }, url, terms, only, observe);
  }

  #attach(ext: ProxyExtension, shell: RequesterShell): void {
    this.#running.set(ext, shell);
    const prev = ext.handler;
    ext.handler = { ready: prev?.ready ?? (() => {}), warning: prev?.warning ?? (() => {}), frame: (f) => void shell.frame(f) };
  }

  /** One session of `url` with `provider_key`, resumed from the store; `observe` sees every effect (progress). */
  async run(url: string, provider_key: PublicKeyHex, terms: JobTerms, observe?: (fx: RequesterEffect, state: RequesterState) => void): Promise<RunningSession> {
    const ext = this.#providers.get(provider_key);
    if (!ext) throw new Error('run: no wire to that provider');
    const stored = await this.#store.load(url);
    const { job, spent_units: spent } = readStored(stored);
    const job_id = this.#ports.newJobId();
    const request = requestFor(job_id, url, job, terms);
    let resend = stored?.resend ?? null;
    const resends = stored?.resends;
    const save = (record: string | null, spent_units: Units) =>
      this.#store.save(url, { record, spent_units: spent_units.toString(), resend, ...(resends ? { resends } : {}) });
    const shell: RequesterShell = new RequesterShell({
      send: (f) => void ext.send(f),
      openChannel: this.#ports.openChannel,
      sign: async (state, context) => {
        const signed = await this.#ports.sign(state, context);
        resend = toResendRecord(job_id, signed);
        return signed;
      },
      store: (index, offset, bytes) => this.#store.writeChunk(url, index, offset, bytes),
      persist: (j, s) => save(j === null ? null : toJSON(j), s),
      now: this.#ports.now,
      ...(observe ? { observe } : {}),
    }, {
      request, payer_key: this.#payer_key, job, job_spent_units: spent, day_cap_units: terms.day_cap_units, day_spent_units: terms.day_spent_units,
      resend: resendFrom(stored?.resend),
    });
    this.#attach(ext, shell);
    const settled = shell.settled.then(async (end) => {
      if (this.#running.get(ext) === shell) this.#running.delete(ext);
      // A session that finished cleanly needs no re-send; one that was cut keeps its last payment for the next.
      if (end.phase === 'Done') resend = null;
      await save(end.job === null ? null : toJSON(end.job), end.job_spent_units);
      return end;
    });
    return { settled, pause: () => shell.cancel() };
  }
}

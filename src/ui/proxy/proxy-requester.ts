// The app's proxy requester: the wallet's unlocked payment key pays, channels open on this origin's ledger, the
// resume state lives in IndexedDB, and the sp_proxy wire runs on the page. Why the page and not the peer worker: the
// worker has no RTCPeerConnection (its WebRTC is relayed through the page anyway), the service swarm needs no chunk
// store, OPFS or Speed, and the wallet's non-extractable key already lives here; the worker's RPC stays torrent-only.
import { toPublicKeyHex, type PublicKeyHex, type Signer } from '../../protocol/ed25519.ts';
import { signPaymentState } from '../../protocol/payment-state.ts';
import { PROXY_SWARM_NAME, proxyExtension, type ProxyExtension, type ProxyWire } from '../../services/proxy/proxy-extension.ts';
import type { JobId } from '../../services/proxy/job-request.ts';
import type { ParallelRun } from '../../services/proxy/parallel-run.ts';
import { RequesterClient, type JobTerms, type RunningSession } from '../../services/proxy/requester-client.ts';
import type { RequesterEffect, RequesterState, RequesterStop } from '../../services/proxy/requester-session.ts';
import type { LedgerClient } from '../../wallet/ledger-client.ts';
import type { ServiceSwarm } from '../../peer/service-swarm.ts';
import type { IdbJobStore } from './job-store.ts';

/** How long a job waits for a usable provider to appear in the swarm before it says there is none. */
export const PROVIDER_WAIT_MS = 20_000;
/** Sessions one fetch may run (each drop or switch is one): a link that drops this often is not worth paying. */
export const MAX_SESSIONS_PER_FETCH = 200;
/** Drops in a row with no chunk arriving: the link is not working, and each session opens a channel. */
export const MAX_DROPS_WITHOUT_PROGRESS = 5;

/** The merged job of a split run is recomputed at most this often for the view. */
export const PROGRESS_MS = 100;

interface RunOutcome {
  readonly done: RequesterState | null;
  readonly ends: ReadonlyArray<{ readonly key: PublicKeyHex; readonly state: RequesterState }>;
  readonly chunks: number;
}

export type FetchEnd =
  | { readonly kind: 'done'; readonly state: RequesterState }
  | { readonly kind: 'paused' }
  | { readonly kind: 'no_provider' }
  | { readonly kind: 'too_many_drops' }
  | { readonly kind: 'stopped'; readonly stop: RequesterStop | null; readonly state: RequesterState };

export interface RequesterEvents {
  providers(keys: readonly PublicKeyHex[]): void;
  effect(fx: RequesterEffect, state: RequesterState): void;
  /** Each session's last state (done, paused, capped, dropped, banned). */
  settled(state: RequesterState): void;
}

export class ProxyRequester {
  readonly payer_key: PublicKeyHex;
  readonly #client: RequesterClient;
  readonly #store: IdbJobStore;
  readonly #events: RequesterEvents;
  #swarm: Promise<ServiceSwarm> | null = null;
  #session: Pick<RunningSession, 'pause'> | null = null;
  #split: ParallelRun | null = null;
  #paused = false;
  #providerWaiters = new Set<() => void>();

  constructor(signer: Signer, ledger: LedgerClient, store: IdbJobStore, events: RequesterEvents) {
    this.payer_key = toPublicKeyHex(signer.publicKey);
    this.#store = store;
    this.#events = events;
    this.#client = new RequesterClient({
      openChannel: async (payee, escrow_units, timeout_ms, context) => {
        try {
          const ch = await ledger.openChannel(signer, { payee, escrow_units, timeout_ms, context });
          return { channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms };
        } catch {
          return null;
        }
      },
      sign: (state, context) => signPaymentState(signer, state, context),
      now: () => Date.now(),
      newJobId: () => [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('') as JobId,
    }, store, this.payer_key);
  }

  providers(): PublicKeyHex[] {
    return this.#client.providers();
  }

  /** Joins the proxy's service swarm (webtorrent is loaded only now, when the view is used). */
  async join(): Promise<void> {
    // One swarm at a time, even when the view asks twice before the first join finished.
    const swarm = (this.#swarm ??= this.#open());
    try {
      await swarm;
    } catch (error) {
      if (this.#swarm === swarm) this.#swarm = null;
      throw error;
    }
  }

  async #open(): Promise<ServiceSwarm> {
    const { joinServiceSwarm } = await import('../../peer/service-swarm.ts');
    const Ext = proxyExtension({ role: 'requester', payment_pk: this.payer_key });
    return joinServiceSwarm<ProxyExtension>(PROXY_SWARM_NAME, Ext as new (wire: ProxyWire) => ProxyExtension, {
      opened: (ext) => {
        ext.handler = {
          ready: (remote) => {
            // Not our own browser provider (same wallet key): a channel to oneself pays nothing.
            if (remote?.role !== 'provider' || remote.payment_pk === this.payer_key) return;
            this.#client.addProvider(remote.payment_pk, ext);
            this.#changed();
          },
          frame: () => {},
          warning: () => {},
        };
      },
      closed: (ext) => {
        this.#client.wireClosed(ext);
        this.#changed();
      },
    });
  }

  /** Leaves and joins again: a new connection to every provider (after a drop, the old wire will not come back). */
  async rejoin(): Promise<void> {
    this.#leaveSwarm();
    await this.join();
  }

  leave(): void {
    this.#paused = true;
    void this.#session?.pause();
    this.#leaveSwarm();
  }

  #leaveSwarm(): void {
    void this.#swarm?.then((swarm) => swarm.leave());
    this.#swarm = null;
  }

  /**
   * Fetches `url` until it is complete, paused or stopped: each dropped session rejoins and resumes with only the
   * missing chunks, from the providers `pick` names among those connected, best first (it skips providers that lied).
   * With two or more named, the job is split between them at once (RequesterClient.runParallel).
   */
  async fetch(url: string, terms: JobTerms, pick: (connected: readonly PublicKeyHex[]) => readonly PublicKeyHex[]): Promise<FetchEnd> {
    this.#paused = false;
    let idle_drops = 0;
    for (let n = 0; n < MAX_SESSIONS_PER_FETCH && idle_drops < MAX_DROPS_WITHOUT_PROGRESS; n++) {
      const keys = await this.#waitForProvider(pick);
      if (this.#paused) return { kind: 'paused' };
      if (keys.length === 0) return { kind: 'no_provider' };
      const run = keys.length > 1 ? await this.#runSplit(url, terms, keys) : await this.#runOne(url, terms, keys[0] as PublicKeyHex);
      for (const { key, state } of run.ends) {
        this.#events.settled(state);
        await this.#store.updateProvider(key, (r) => ({
          ...r, sessions: r.sessions + 1, finished: r.finished + (state.phase === 'Done' ? 1 : 0),
          dropped: r.dropped + (state.stop?.kind === 'dropped' ? 1 : 0), lied: r.lied + (state.phase === 'Banned' ? 1 : 0),
        }));
      }
      if (run.done) return { kind: 'done', state: run.done };
      if (this.#paused) return { kind: 'paused' };
      // A refusal, a cap or a bad offer ends the fetch; a ban tries another provider; a drop rejoins and resumes.
      const hard = run.ends.find(({ state: s }) => s.phase !== 'Banned' && s.stop?.kind !== 'dropped' && !(s.stop?.kind === 'provider_done' && s.stop.reason === 'cancelled'));
      if (hard) return { kind: 'stopped', stop: hard.state.stop, state: hard.state };
      if (run.ends.some(({ state: s }) => s.phase === 'Banned')) continue;
      idle_drops = run.chunks === 0 ? idle_drops + 1 : 0;
      await this.rejoin();
    }
    return { kind: 'too_many_drops' };
  }

  async #runOne(url: string, terms: JobTerms, key: PublicKeyHex): Promise<RunOutcome> {
    let chunks = 0;
    const session = await this.#client.run(url, key, terms, (fx, state) => {
      if (fx.type === 'store_chunk') chunks++;
      this.#observe(key, fx, state);
    });
    this.#session = session;
    // A pause that came while the session was being set up.
    if (this.#paused) void session.pause();
    const end = await session.settled;
    this.#session = null;
    return { done: end.phase === 'Done' ? end : null, ends: [{ key, state: end }], chunks };
  }

  /** One run of the job split between `keys`; the view sees the one job (all sessions' chunks) and the whole spend. */
  async #runSplit(url: string, terms: JobTerms, keys: readonly PublicKeyHex[]): Promise<RunOutcome> {
    let chunks = 0;
    let run: ParallelRun | null = null;
    let seen = { at_ms: 0, job: null as RequesterState['job'], spent_units: 0n };
    run = await this.#client.runParallel(url, terms, keys, (key, fx, state) => {
      if (fx.type === 'store_chunk') chunks++;
      // The merged job costs a pass over the shares: taken at most every PROGRESS_MS and at the end.
      if (run !== null && (Date.now() - seen.at_ms >= PROGRESS_MS || fx.type === 'finished')) seen = { at_ms: Date.now(), ...run.progress() };
      this.#observe(key, fx, seen.job === null ? state : { ...state, job: seen.job, job_spent_units: seen.spent_units });
    });
    this.#split = run;
    this.#session = run;
    if (this.#paused) void run.pause();
    const end = await run.settled;
    this.#split = null;
    this.#session = null;
    // Each session's own job holds its share only: the view is shown the one job and the whole spend instead.
    const total = run.progress();
    const ends = end.sessions.map(({ provider_key, state }) => ({ key: provider_key, state: { ...state, job: total.job, job_spent_units: total.spent_units } }));
    const last = ends.at(-1)?.state;
    const done = end.finished && last ? { ...last, phase: 'Done' as const, stop: null, job: total.job, job_spent_units: total.spent_units } : null;
    return { done, ends, chunks };
  }

  async pause(): Promise<void> {
    this.#paused = true;
    for (const wake of this.#providerWaiters) wake();
    await this.#session?.pause();
  }

  #observe(key: PublicKeyHex, fx: RequesterEffect, state: RequesterState): void {
    if (fx.type === 'open_channel' && state.payer) {
      const price = state.payer.price_units_per_kib.toString();
      void this.#store.updateProvider(key, (r) => ({ ...r, price_units_per_kib: price }));
    }
    if (fx.type === 'store_chunk') void this.#store.updateProvider(key, (r) => ({ ...r, chunks: r.chunks + 1 }));
    this.#events.effect(fx, state);
  }

  #changed(): void {
    this.#events.providers(this.#client.providers());
    this.#split?.providersChanged();
    for (const wake of this.#providerWaiters) wake();
  }

  async #waitForProvider(pick: (connected: readonly PublicKeyHex[]) => readonly PublicKeyHex[]): Promise<readonly PublicKeyHex[]> {
    const deadline = Date.now() + PROVIDER_WAIT_MS;
    for (;;) {
      const keys = pick(this.#client.providers());
      if (keys.length > 0 || this.#paused) return keys;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#providerWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#providerWaiters.add(wake);
      });
    }
  }
}

// The requester's side of the paid proxy for an app (browser or Node): the providers it has a wire to, and sessions
// of one job run against a store that keeps the resume state — the job record, what the job has cost, and the last
// signed payment to re-send after a drop — so a pause, a dropped wire or a reload picks the job up where it stopped.
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';
import { isChannelId, type SignedPaymentState } from '../../protocol/payment-state.ts';
import { fromJSON, toJSON } from './chunk-record.ts';
import { isJobId, type JobId, type ProxyRequest } from './job-request.ts';
import type { ProxyExtension } from './proxy-extension.ts';
import { RequesterShell, type RequesterPorts } from './requester-shell.ts';
import type { RequesterEffect, RequesterState } from './requester-session.ts';

/** What survives a reload, per URL (JSON-safe: the app keeps it in IndexedDB). */
export interface StoredJob {
  readonly record: string | null;
  readonly spent_units: string;
  readonly resend: { readonly job_id: string; readonly channel_id: string; readonly amount_units: string; readonly seq: string; readonly signature: string } | null;
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

function resendFrom(stored: StoredJob | null): { job_id: JobId; payment: SignedPaymentState } | null {
  const r = stored?.resend;
  if (!r || !isJobId(r.job_id) || !isChannelId(r.channel_id) || !/^\d{1,20}$/.test(r.amount_units) || !/^\d{1,20}$/.test(r.seq) || !/^[0-9a-f]{128}$/.test(r.signature)) {
    return null;
  }
  return { job_id: r.job_id, payment: { channel_id: r.channel_id, amount_units: BigInt(r.amount_units), seq: BigInt(r.seq), signature: hexToBytes(r.signature) } };
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

  /** One session of `url` with `provider_key`, resumed from the store; `observe` sees every effect (progress). */
  async run(url: string, provider_key: PublicKeyHex, terms: JobTerms, observe?: (fx: RequesterEffect, state: RequesterState) => void): Promise<RunningSession> {
    const ext = this.#providers.get(provider_key);
    if (!ext) throw new Error('run: no wire to that provider');
    const stored = await this.#store.load(url);
    const loaded = stored?.record ? fromJSON(stored.record) : null;
    const job = loaded?.ok ? loaded.job : null;
    const spent = stored && /^\d{1,20}$/.test(stored.spent_units) ? BigInt(stored.spent_units) : 0n;
    const job_id = this.#ports.newJobId();
    const request: ProxyRequest = {
      job_id, url, chunk_size: job?.chunk_size ?? terms.chunk_size, max_price_units_per_kib: terms.max_price_units_per_kib, cap_units: terms.cap_units,
      max_bytes: terms.max_bytes, if_range: job?.validator.etag && !job.validator.etag.startsWith('W/') ? job.validator.etag : job?.validator.last_modified ?? null,
    };
    let resend = stored?.resend ?? null;
    const save = (record: string | null, spent_units: Units) => this.#store.save(url, { record, spent_units: spent_units.toString(), resend });
    const shell: RequesterShell = new RequesterShell({
      send: (f) => void ext.send(f),
      openChannel: this.#ports.openChannel,
      sign: async (state, context) => {
        const signed = await this.#ports.sign(state, context);
        resend = { job_id, channel_id: signed.channel_id, amount_units: signed.amount_units.toString(), seq: signed.seq.toString(), signature: bytesToHex(signed.signature) };
        return signed;
      },
      store: (index, offset, bytes) => this.#store.writeChunk(url, index, offset, bytes),
      persist: (j, s) => save(j === null ? null : toJSON(j), s),
      now: this.#ports.now,
      ...(observe ? { observe } : {}),
    }, {
      request, payer_key: this.#payer_key, job, job_spent_units: spent, day_cap_units: terms.day_cap_units, day_spent_units: terms.day_spent_units,
      resend: resendFrom(stored),
    });
    this.#running.set(ext, shell);
    const prev = ext.handler;
    ext.handler = { ready: prev?.ready ?? (() => {}), warning: prev?.warning ?? (() => {}), frame: (f) => void shell.frame(f) };
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

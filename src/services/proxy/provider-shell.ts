// The provider's imperative shell for one proxy session: feeds wire frames and I/O results into crankProvider one at a
// time and performs its effects — probe and chunk fetches through the injected safe fetch (If-Range on the offered
// version), chunk signing, ledger reads and closes, payment verification. No protocol decision is taken here.
import { toPublicKeyHex, type PublicKeyHex, type Signer } from '../../protocol/ed25519.ts';
import type { LedgerChannel } from '../../protocol/channel-payee.ts';
import type { ChannelId, SessionContext, SignedPaymentState } from '../../protocol/payment-state.ts';
import { signChunk } from './chunk-proof.ts';
import type { ProviderLimits } from './job-request.ts';
import type { ProxyFrame } from './proxy-frames.ts';
import { crankProvider, createProvider, type ProviderEffect, type ProviderEvent, type ProviderState } from './provider-session.ts';
import type { SafeFetchOptions, SafeFetchResult } from './safe-fetch.ts';

/** A ledger channel as the provider reads it, with the context it was opened for (it must be this job's). */
export interface ProviderLedgerChannel extends LedgerChannel {
  readonly context: SessionContext;
}

export interface ProviderPorts {
  readonly signer: Signer;
  send(frame: ProxyFrame): void;
  /** safeFetch with the operator's guard options (an allowlist only in tests). */
  fetch(url: string, options: Pick<SafeFetchOptions, 'range' | 'if_range' | 'max_bytes'>): Promise<SafeFetchResult>;
  ledgerChannel(channel_id: ChannelId): Promise<ProviderLedgerChannel | null>;
  verify(payment: SignedPaymentState, payer_key: PublicKeyHex, context: SessionContext): Promise<boolean>;
  close(state: SignedPaymentState): Promise<void>;
  now(): number;
  /** Bytes this session served, for the operator's day counter; called as each chunk goes out. */
  served?(bytes: number): void;
  ended?(state: ProviderState): void;
}

export class ProviderShell {
  #state: ProviderState;
  readonly #ports: ProviderPorts;
  #chain: Promise<void> = Promise.resolve();
  #ended = false;

  constructor(ports: ProviderPorts, limits: ProviderLimits, payer_key: PublicKeyHex, day_served_bytes: number) {
    this.#ports = ports;
    this.#state = createProvider(limits, toPublicKeyHex(ports.signer.publicKey), payer_key, day_served_bytes);
  }

  get state(): ProviderState {
    return this.#state;
  }

  frame(frame: ProxyFrame): Promise<void> {
    return this.#enqueue({ type: 'frame', frame });
  }

  dropped(): Promise<void> {
    return this.#enqueue({ type: 'dropped' });
  }

  /** Timers: the payee's payment deadline and channel timeout, and the end of a drop's grace period. */
  tick(): Promise<void> {
    return this.#enqueue({ type: 'tick' });
  }

  /** Settles once every queued event and its effects have run. */
  idle(): Promise<void> {
    return this.#chain;
  }

  /** Set when a step threw (a broken invariant is a bug): the session serves nothing more. */
  error: unknown = null;

  #enqueue(event: ProviderEvent): Promise<void> {
    this.#chain = this.#chain.then(() => (this.error === null ? this.#run(event) : undefined)).catch((e: unknown) => {
      this.error = e;
    });
    return this.#chain;
  }

  async #run(event: ProviderEvent): Promise<void> {
    const step = crankProvider(this.#state, event, this.#ports.now());
    this.#state = step.state;
    for (const fx of step.effects) await this.#perform(fx);
    if (!this.#ended && (this.#state.phase === 'Done' || this.#state.phase === 'Banned')) {
      this.#ended = true;
      this.#ports.ended?.(this.#state);
    }
  }

  async #perform(fx: ProviderEffect): Promise<void> {
    const p = this.#ports;
    switch (fx.type) {
      case 'send': return p.send(fx.frame);
      case 'probe': {
        const r = await p.fetch(fx.url, { range: { start: 0, end: fx.chunk_size - 1 }, max_bytes: fx.chunk_size });
        if (!r.ok && r.reason === 'cors_refused') return this.#run({ type: 'probe_failed', code: 'cors_not_allowed' });
        if (!r.ok || r.total_length === null) return this.#run({ type: 'probe_failed' });
        return this.#run({ type: 'probed', total_length: r.total_length, etag: r.etag, last_modified: r.last_modified, content_type: r.content_type });
      }
      case 'fetch_channel': {
        const ch = await p.ledgerChannel(fx.channel_id);
        // A channel opened for another job (or a torrent) is not this session's: treated as not found.
        const fits = ch !== null && ch.context === this.#state.context;
        return this.#run({ type: 'ledger_channel', channel_id: fx.channel_id, channel: fits ? ch : null });
      }
      case 'verify_payment':
        return this.#run({ type: 'payment_verified', payment: fx.payment, ok: await p.verify(fx.payment, fx.payer_key, fx.context) });
      case 'close_channel': return p.close(fx.state);
      case 'ban': return;
      case 'fetch_chunk': return this.#fetchChunk(fx);
    }
  }

  async #fetchChunk(fx: Extract<ProviderEffect, { type: 'fetch_chunk' }>): Promise<void> {
    const request = this.#state.request;
    if (request === null) return;
    const want = fx.end - fx.start + 1;
    const r = await this.#ports.fetch(request.url, { range: { start: fx.start, end: fx.end }, ...(fx.if_range === null ? {} : { if_range: fx.if_range }), max_bytes: want });
    if (!r.ok || r.status !== 206 || r.offset !== fx.start || r.body.length !== want) {
      // A 200 (or a body larger than the range) answers an If-Range whose version is gone: the resource changed.
      const changed = (r.ok && r.status === 200) || (!r.ok && r.reason === 'too_large');
      return this.#run({ type: 'chunk_fetch_failed', index: fx.index, validator_changed: changed });
    }
    const proof = await signChunk(this.#ports.signer, request.job_id, fx.index, r.body);
    await this.#run({ type: 'chunk_fetched', index: fx.index, bytes: r.body.length });
    if (this.#state.phase !== 'Serving') return;
    this.#ports.send({ type: 'chunk', job_id: request.job_id, index: fx.index, hash: proof.hash, signature: proof.signature, bytes: r.body });
    this.#ports.served?.(r.body.length);
    await this.#run({ type: 'chunk_sent', index: fx.index });
  }
}

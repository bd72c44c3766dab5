// Test shell for a proxy job: the requester and provider machines joined by two frame queues that go through the
// real codec, an in-memory ledger that checks every close against the payer's signature over the job's context, and
// an origin held in memory whose version can change. Links can drop after any number of frames.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { nobleVerify, publicKeyFromHex, type PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import type { Party } from '../../protocol/channel-harness.ts';
import type { Units } from '../../../src/protocol/money.ts';
import { encodePaymentState, signPaymentState, type ChannelId, type SessionContext, type SignedPaymentState } from '../../../src/protocol/payment-state.ts';
import type { LedgerChannel } from '../../../src/protocol/channel-payee.ts';
import type { ProxyJob } from '../../../src/services/proxy/chunk-plan.ts';
import { signChunk } from '../../../src/services/proxy/chunk-proof.ts';
import type { JobId, ProviderLimits, ProxyRequest } from '../../../src/services/proxy/job-request.ts';
import { decodeFrame, encodeFrame, type ProxyFrame } from '../../../src/services/proxy/proxy-frames.ts';
import { crankProvider, createProvider, LINGER_MS, type ProviderEvent, type ProviderState } from '../../../src/services/proxy/provider-session.ts';
import { crankRequester, startRequester, type RequesterEffect, type RequesterEvent, type RequesterState } from '../../../src/services/proxy/requester-session.ts';

// The channel machines' test parties: a proxy job is paid by the same payer and payee machines.
export { party, type Party } from '../../protocol/channel-harness.ts';

export class ProxyLedger {
  readonly channels = new Map<ChannelId, LedgerChannel & { context: SessionContext; closed_units: Units | null }>();
  #next = 1;

  open(payer_key: PublicKeyHex, payee_key: PublicKeyHex, escrow_units: Units, timeout_ms: number, now_ms: number, context: SessionContext): LedgerChannel {
    const channel_id = (this.#next++).toString(16).padStart(64, '0') as ChannelId;
    const ch = { channel_id, payer_key, payee_key, escrow_units, expires_at_ms: now_ms + timeout_ms, open: true, context, closed_units: null };
    this.channels.set(channel_id, ch);
    return ch;
  }

  close(state: SignedPaymentState): void {
    const ch = this.channels.get(state.channel_id);
    if (!ch || !ch.open) throw new Error('close of an unknown or closed channel');
    if (state.amount_units > ch.escrow_units) throw new Error('close beyond escrow');
    if (!nobleVerify(state.signature, encodePaymentState(state, ch.context), publicKeyFromHex(ch.payer_key))) throw new Error('close with a bad signature');
    this.channels.set(state.channel_id, { ...ch, open: false, closed_units: state.amount_units });
  }

  settledUnits(): Units {
    let sum = 0n;
    for (const ch of this.channels.values()) sum += ch.closed_units ?? 0n;
    return sum;
  }
}

/** The origin: one file and its version; a test swaps the version mid-job. */
export interface MemoryOrigin {
  file: Uint8Array;
  etag: string;
}

export const LIMITS: ProviderLimits = {
  price_units_per_kib: 2n, max_job_bytes: 1 << 30, max_day_bytes: 1 << 30, allowed_hosts: null, allowed_content_types: null,
};

export function jobId(n: number): JobId {
  return bytesToHex(sha256(new Uint8Array([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]))) as JobId;
}

export interface SessionOptions {
  readonly request: ProxyRequest;
  readonly job: ProxyJob | null;
  readonly job_spent_units: Units;
  readonly origin: MemoryOrigin;
  readonly out: Uint8Array;
  readonly ledger: ProxyLedger;
  readonly requester: Party;
  readonly provider: Party;
  /** The link fails once this many frames have reached the requester. */
  readonly drop_after_frames?: number;
  /** The provider sends these chunk indices with one byte flipped (its signature over the true hash). */
  readonly corrupt?: ReadonlySet<number>;
  readonly limits?: ProviderLimits;
  /** Called before the provider fetches each chunk: a test changes the origin mid-session here. */
  readonly before_fetch?: (index: number) => void;
}

export interface SessionResult {
  readonly requester: RequesterState;
  readonly provider: ProviderState;
  readonly effects: RequesterEffect[];
  /** Every payment state the requester signed, in order. */
  readonly signed: SignedPaymentState[];
  readonly chunks_received: number;
  /** Highest unpaid exposure the provider carried at any moment, in chunks served but not paid for. */
  readonly max_unpaid_chunks: number;
}

/** Runs one session until it settles (finished, refused, dropped or banned). */
export async function runSession(o: SessionOptions): Promise<SessionResult> {
  const now_ms = 1_000_000;
  let req = startRequester({
    request: o.request, payer_key: o.requester.key, job: o.job, job_spent_units: o.job_spent_units, day_cap_units: 1n << 60n, day_spent_units: 0n,
  });
  let requester = req.state;
  let provider = createProvider(o.limits ?? LIMITS, o.provider.key, o.requester.key, 0);
  const toProvider: Uint8Array[] = [];
  const toRequester: Uint8Array[] = [];
  const effects: RequesterEffect[] = [];
  const signed: SignedPaymentState[] = [];
  let delivered = 0;
  let chunks_received = 0;
  let max_unpaid_chunks = 0;
  let dropped = false;

  const requesterDo = async (step: { state: RequesterState; effects: readonly RequesterEffect[] }): Promise<void> => {
    requester = step.state;
    for (const fx of step.effects) {
      effects.push(fx);
      if (fx.type === 'send') toProvider.push(encodeFrame(fx.frame));
      else if (fx.type === 'store_chunk') o.out.set(fx.bytes, fx.offset);
      else if (fx.type === 'pay') {
        const state = await signPaymentState(o.requester.signer, fx.state, requester.context);
        signed.push(state);
        toProvider.push(encodeFrame({ type: 'payment', job_id: o.request.job_id, payment: state }));
      } else if (fx.type === 'open_channel') {
        const ch = o.ledger.open(o.requester.key, fx.payee_key, fx.escrow_units, fx.timeout_ms, now_ms, fx.context);
        await requesterDo(crankRequester(requester, { type: 'channel_opened', channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms }, now_ms));
      }
    }
  };
  const providerDo = async (event: ProviderEvent, at_ms = now_ms): Promise<void> => {
    const step = crankProvider(provider, event, at_ms);
    provider = step.state;
    const p = provider.payee;
    if (p?.unpaid) max_unpaid_chunks = Math.max(max_unpaid_chunks, 1);
    for (const fx of step.effects) {
      if (fx.type === 'send') toRequester.push(encodeFrame(fx.frame));
      else if (fx.type === 'probe') {
        await providerDo({ type: 'probed', total_length: o.origin.file.length, etag: o.origin.etag, last_modified: null, content_type: 'application/octet-stream' });
      } else if (fx.type === 'fetch_channel') {
        await providerDo({ type: 'ledger_channel', channel_id: fx.channel_id, channel: o.ledger.channels.get(fx.channel_id) ?? null });
      } else if (fx.type === 'verify_payment') {
        const ch = o.ledger.channels.get(fx.payment.channel_id);
        const ok = ch !== undefined && ch.context === fx.context && nobleVerify(fx.payment.signature, encodePaymentState(fx.payment, fx.context), publicKeyFromHex(fx.payer_key));
        await providerDo({ type: 'payment_verified', payment: fx.payment, ok });
      } else if (fx.type === 'close_channel') o.ledger.close(fx.state);
      else if (fx.type === 'fetch_chunk') {
        o.before_fetch?.(fx.index);
        if (fx.if_range !== o.origin.etag) {
          await providerDo({ type: 'chunk_fetch_failed', index: fx.index, validator_changed: true });
          continue;
        }
        const bytes = o.origin.file.slice(fx.start, fx.end + 1);
        const proof = await signChunk(o.provider.signer, o.request.job_id, fx.index, bytes);
        if (o.corrupt?.has(fx.index)) bytes[0] = (bytes[0] ?? 0) ^ 0xff;
        await providerDo({ type: 'chunk_fetched', index: fx.index, bytes: bytes.length });
        toRequester.push(encodeFrame({ type: 'chunk', job_id: o.request.job_id, index: fx.index, ...proof, bytes }));
        await providerDo({ type: 'chunk_sent', index: fx.index });
      }
    }
  };

  await requesterDo(req);
  for (let guard = 0; guard < 1_000_000; guard++) {
    const up = toProvider.shift();
    if (up) {
      const d = decodeFrame(up);
      if (!d.ok) throw new Error(`requester sent an undecodable frame: ${d.error}`);
      await providerDo({ type: 'frame', frame: d.frame });
      continue;
    }
    const down = toRequester.shift();
    if (!down) break;
    if (o.drop_after_frames !== undefined && delivered >= o.drop_after_frames) {
      dropped = true;
      break;
    }
    delivered++;
    const d = decodeFrame(down);
    if (!d.ok) throw new Error(`provider sent an undecodable frame: ${d.error}`);
    if (d.frame.type === 'chunk') chunks_received++;
    await requesterDo(crankRequester(requester, { type: 'frame', frame: d.frame as ProxyFrame }, now_ms));
  }
  if (dropped) {
    toProvider.length = 0;
    toRequester.length = 0;
    await requesterDo(crankRequester(requester, { type: 'dropped' }, now_ms));
    await providerDo({ type: 'dropped' });
    // Nobody re-sends a payment here (none was lost: frames to the provider are delivered first), so the
    // provider's grace period for the chunk in flight runs out and it closes with what it was paid.
    if (provider.phase === 'Lingering') await providerDo({ type: 'tick' }, now_ms + LINGER_MS);
  }
  return { requester, provider, effects, signed, chunks_received, max_unpaid_chunks };
}

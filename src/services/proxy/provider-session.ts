// The proxy provider's session with one requester (pure): `crankProvider(state, event, now_ms)` → { state, effects }.
// It checks the request against the operator's limits, probes the origin once for the version and length it offers,
// then serves the wanted chunks one at a time through the same payee machine Speed uses: the next chunk is fetched
// only once the last one is paid (canServe), so the requester never owes more than one chunk.
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';
import type { ChannelId, SessionContext, SignedPaymentState } from '../../protocol/payment-state.ts';
import { proxyContext } from '../../protocol/session-context.ts';
import {
  canServe, crankPayee, createPayee, type LedgerChannel, type PayeeEffect, type PayeeEvent, type PayeeState,
} from '../../protocol/channel-payee.ts';
import { chunkBytes, chunkCount, createJob, ifRange, type ProxyJob } from './chunk-plan.ts';
import { refuseRequest, refuseResource, type ProviderLimits, type ProxyRequest } from './job-request.ts';
import type { DoneReason, ProxyFrame, RefuseCode } from './proxy-frames.ts';

export type ProviderPhase = 'WaitingForRequest' | 'Probing' | 'Serving' | 'Lingering' | 'Done' | 'Banned';

/**
 * After a drop with a chunk unpaid, the channel stays open this long: the chunk's payment may have been signed and
 * lost with the link, and the requester re-sends it (the job id names this session) when it reconnects.
 */
export const LINGER_MS = 60_000;

export interface ProviderState {
  readonly phase: ProviderPhase;
  readonly limits: ProviderLimits;
  readonly payee_key: PublicKeyHex;
  /** The requester's payment key (from the wire's handshake): the only key whose payment states count. */
  readonly payer_key: PublicKeyHex;
  readonly request: ProxyRequest | null;
  readonly context: SessionContext | null;
  /** The version offered: every chunk is fetched with If-Range on it, so a changed origin cannot be spliced in. */
  readonly job: ProxyJob | null;
  readonly payee: PayeeState | null;
  /** Chunks still to serve, in order, and the one being fetched. */
  readonly queue: readonly number[];
  readonly fetching: number | null;
  readonly served_bytes: number;
  /** Served today before this session (the shell keeps the day's total across sessions). */
  readonly day_served_bytes: number;
  readonly end_reason: DoneReason | RefuseCode | null;
  /** When the link dropped while a chunk was unpaid (phase Lingering). */
  readonly dropped_at_ms: number | null;
}

export type ProviderEvent =
  | { readonly type: 'frame'; readonly frame: ProxyFrame }
  | { readonly type: 'probed'; readonly total_length: number; readonly etag: string | null; readonly last_modified: string | null; readonly content_type: string | null }
  /** `code`: why, when the requester should hear more than fetch_failed (a browser provider's URL without CORS). */
  | { readonly type: 'probe_failed'; readonly code?: 'cors_not_allowed' }
  | { readonly type: 'ledger_channel'; readonly channel_id: ChannelId; readonly channel: LedgerChannel | null }
  | { readonly type: 'chunk_fetched'; readonly index: number; readonly bytes: number }
  /** The origin answered the chunk with another version (200 to an If-Range) or not at all. */
  | { readonly type: 'chunk_fetch_failed'; readonly index: number; readonly validator_changed: boolean }
  | { readonly type: 'chunk_sent'; readonly index: number }
  | { readonly type: 'payment_verified'; readonly payment: SignedPaymentState; readonly ok: boolean }
  | { readonly type: 'dropped' }
  | { readonly type: 'tick' };

export type ProviderEffect =
  | { readonly type: 'send'; readonly frame: ProxyFrame }
  | { readonly type: 'probe'; readonly url: string; readonly chunk_size: number }
  | { readonly type: 'fetch_channel'; readonly channel_id: ChannelId }
  /** Fetch bytes start..end with If-Range, then sign and send them as chunk `index` (and report chunk_sent). */
  | { readonly type: 'fetch_chunk'; readonly index: number; readonly start: number; readonly end: number; readonly if_range: string | null }
  | { readonly type: 'verify_payment'; readonly payment: SignedPaymentState; readonly payer_key: PublicKeyHex; readonly context: SessionContext }
  | { readonly type: 'close_channel'; readonly state: SignedPaymentState }
  | { readonly type: 'ban'; readonly until_ms: number; readonly reason: string };

export interface ProviderStep {
  readonly state: ProviderState;
  readonly effects: readonly ProviderEffect[];
  readonly ignored: string | null;
}

export function createProvider(limits: ProviderLimits, payee_key: PublicKeyHex, payer_key: PublicKeyHex, day_served_bytes: number): ProviderState {
  return {
    phase: 'WaitingForRequest', limits, payee_key, payer_key, request: null, context: null, job: null, payee: null, queue: [], fetching: null,
    served_bytes: 0, day_served_bytes, end_reason: null, dropped_at_ms: null,
  };
}

export function crankProvider(s: ProviderState, e: ProviderEvent, now_ms: number): ProviderStep {
  if (s.phase === 'Done' || s.phase === 'Banned') return ignore(s, 'session over');
  if (s.phase === 'Lingering') return linger(s, e, now_ms);
  switch (e.type) {
    case 'frame': return onFrame(s, e.frame, now_ms);
    case 'probed': return onProbed(s, e);
    case 'probe_failed': return s.phase === 'Probing' ? refuse(s, e.code ?? 'fetch_failed') : ignore(s, 'not probing');
    case 'ledger_channel': return payeeStep(s, e, now_ms, []);
    case 'chunk_fetched': {
      if (s.fetching !== e.index || s.payee === null) return ignore(s, 'not fetching that chunk');
      const next = { ...s, fetching: null, served_bytes: s.served_bytes + e.bytes };
      return payeeStep(next, { type: 'piece_started', index: e.index, bytes: e.bytes }, now_ms, []);
    }
    case 'chunk_fetch_failed': {
      if (s.fetching !== e.index) return ignore(s, 'not fetching that chunk');
      return finish({ ...s, fetching: null }, e.validator_changed ? 'validator_changed' : 'fetch_failed', now_ms);
    }
    case 'chunk_sent': return payeeStep(s, { type: 'piece_delivered', index: e.index }, now_ms, []);
    case 'payment_verified': return payeeStep(s, e, now_ms, []);
    case 'dropped':
      if (s.payee?.unpaid) return { state: { ...s, phase: 'Lingering', queue: [], fetching: null, dropped_at_ms: now_ms }, effects: [], ignored: null };
      return finish(s, 'stopped', now_ms, false);
    case 'tick': return s.payee ? payeeStep(s, { type: 'tick' }, now_ms, []) : ignore(s, 'nothing to time');
  }
}

/** Dropped with a chunk unpaid: only its payment (re-sent on a new link) or the end of the grace period matter. */
function linger(s: ProviderState, e: ProviderEvent, now_ms: number): ProviderStep {
  const settled = (step: ProviderStep): ProviderStep =>
    step.state.phase === 'Lingering' && step.state.payee?.unpaid === null ? finish(step.state, 'stopped', now_ms, false, step.effects) : step;
  if (e.type === 'frame' && e.frame.type === 'payment' && e.frame.job_id === s.request?.job_id) {
    return settled(payeeStep(s, { type: 'payment', payment: e.frame.payment }, now_ms, []));
  }
  if (e.type === 'payment_verified') return settled(payeeStep(s, e, now_ms, []));
  if (e.type === 'frame' && e.frame.type === 'done' && e.frame.job_id === s.request?.job_id) return finish(s, 'stopped', now_ms, false);
  if (e.type === 'tick' && now_ms >= (s.dropped_at_ms ?? now_ms) + LINGER_MS) return finish(s, 'stopped', now_ms, false);
  return ignore(s, 'lingering');
}

function onFrame(s: ProviderState, f: ProxyFrame, now_ms: number): ProviderStep {
  if (f.type === 'request') return onRequest(s, f.request);
  if (f.type === 'offer' || f.type === 'refuse' || f.type === 'chunk') return ignore(s, `${f.type} is a provider's frame`);
  if (s.request === null || f.job_id !== s.request.job_id) return ignore(s, 'another job');
  switch (f.type) {
    case 'channel': return s.payee ? payeeStep(s, { type: 'channel_announced', channel_id: f.channel_id }, now_ms, []) : ignore(s, 'no offer yet');
    case 'payment': return s.payee ? payeeStep(s, { type: 'payment', payment: f.payment }, now_ms, []) : ignore(s, 'no offer yet');
    case 'done': return finish(s, f.reason, now_ms, false);
    case 'want': {
      const job = s.job;
      if (s.phase !== 'Serving' || job === null) return ignore(s, 'no offer yet');
      const queue: number[] = [];
      for (const r of f.runs) for (let i = r.first; i <= r.last && i < chunkCount(job); i++) queue.push(i);
      return pump({ state: { ...s, queue }, effects: [], ignored: null }, now_ms);
    }
  }
}

function onRequest(s: ProviderState, request: ProxyRequest): ProviderStep {
  if (s.phase !== 'WaitingForRequest') return ignore(s, 'one job per session');
  const next: ProviderState = { ...s, request, context: proxyContext(request.job_id) };
  const refusal = refuseRequest(request, s.limits, s.day_served_bytes);
  if (refusal) return refuse(next, refusal);
  return { state: { ...next, phase: 'Probing' }, effects: [{ type: 'probe', url: request.url, chunk_size: request.chunk_size }], ignored: null };
}

function onProbed(s: ProviderState, e: Extract<ProviderEvent, { type: 'probed' }>): ProviderStep {
  const request = s.request;
  if (s.phase !== 'Probing' || request === null) return ignore(s, 'not probing');
  const refusal = refuseResource(request, s.limits, s.day_served_bytes, e.total_length, e.content_type);
  if (refusal) return refuse(s, refusal);
  const made = createJob(request.url, { etag: e.etag, last_modified: e.last_modified }, e.total_length, request.chunk_size);
  if (!made.ok) return refuse(s, 'fetch_failed');
  if (ifRange(made.job) === null) return refuse(s, 'no_validator');
  const payee = createPayee(
    { payee_key: s.payee_key, payer_key: s.payer_key, piece_length_bytes: request.chunk_size, min_escrow_units: 0n }, s.limits.price_units_per_kib,
  );
  const offer: ProxyFrame = {
    type: 'offer',
    offer: {
      job_id: request.job_id, payee_key: s.payee_key, price_units_per_kib: s.limits.price_units_per_kib, min_escrow_units: 0n,
      total_length: e.total_length, etag: e.etag, last_modified: e.last_modified, content_type: e.content_type,
    },
  };
  return { state: { ...s, phase: 'Serving', job: made.job, payee }, effects: [{ type: 'send', frame: offer }], ignored: null };
}

/** Runs the payee machine, maps its effects, then starts the next chunk if the last one is paid. */
function payeeStep(s: ProviderState, event: PayeeEvent, now_ms: number, effects: ProviderEffect[]): ProviderStep {
  if (s.payee === null || s.context === null) return ignore(s, 'no payee yet');
  if (event.type === 'ledger_channel' && (s.payee.phase !== 'WaitingForLedgerCheck' || s.payee.candidate_id !== event.channel_id)) {
    return ignore(s, 'ledger answer for a channel not being checked');
  }
  if (event.type === 'piece_delivered' && s.payee.unpaid?.index !== event.index) return ignore(s, 'not in flight');
  const step = crankPayee(s.payee, event, now_ms);
  const out = [...effects];
  let next: ProviderState = { ...s, payee: step.state };
  for (const fx of step.effects) next = applyPayeeEffect(next, fx, out);
  if (next.phase === 'Banned') return { state: next, effects: out, ignored: null };
  return pump({ state: next, effects: out, ignored: step.rejection?.code ?? null }, now_ms);
}

function applyPayeeEffect(s: ProviderState, fx: PayeeEffect, out: ProviderEffect[]): ProviderState {
  switch (fx.type) {
    case 'fetch_channel': out.push(fx); return s;
    case 'verify_payment': out.push({ ...fx, context: s.context as SessionContext }); return s;
    case 'close_channel': out.push(fx); return s;
    case 'ban':
      out.push({ type: 'ban', until_ms: fx.until_ms, reason: fx.reason });
      return { ...s, phase: 'Banned', end_reason: 'banned', queue: [] };
    // A proxy session has no auction: prices are fixed for the job, and a late payer is simply not served (canServe).
    case 'reject_channel': case 'announce_price': case 'choke': return s;
  }
}

/** Starts fetching the next wanted chunk when the payee may serve it and the limits allow; ends when all are served. */
function pump(step: ProviderStep, now_ms: number): ProviderStep {
  const s = step.state;
  const job = s.job;
  if (s.phase !== 'Serving' || job === null || s.payee === null || s.fetching !== null) return step;
  const index = s.queue[0];
  // Nothing left to serve: the requester pays the last chunk and says done; until then the channel stays open.
  if (index === undefined || !canServe(s.payee, now_ms)) return step;
  const { start, end } = chunkBytes(job, index);
  const bytes = end - start + 1;
  if (s.served_bytes + bytes > s.limits.max_job_bytes || s.day_served_bytes + s.served_bytes + bytes > s.limits.max_day_bytes) {
    const ended = finish(s, 'limit_reached', now_ms);
    return { ...ended, effects: [...step.effects, ...ended.effects] };
  }
  const fetch: ProviderEffect = { type: 'fetch_chunk', index, start, end, if_range: ifRange(job) };
  return { state: { ...s, queue: s.queue.slice(1), fetching: index }, effects: [...step.effects, fetch], ignored: step.ignored };
}

function refuse(s: ProviderState, code: RefuseCode): ProviderStep {
  const job_id = s.request?.job_id;
  const effects: ProviderEffect[] = job_id ? [{ type: 'send', frame: { type: 'refuse', job_id, code } }] : [];
  return { state: { ...s, phase: 'Done', end_reason: code }, effects, ignored: null };
}

/** Ends the session: tell the requester why (unless it told us), and close the channel with its best state. */
function finish(s: ProviderState, reason: DoneReason, now_ms: number, tell = true, before: readonly ProviderEffect[] = []): ProviderStep {
  const effects: ProviderEffect[] = [...before];
  if (tell && s.request) effects.push({ type: 'send', frame: { type: 'done', job_id: s.request.job_id, reason } });
  let payee = s.payee;
  if (payee) {
    const step = crankPayee(payee, { type: 'done' }, now_ms);
    payee = step.state;
    for (const fx of step.effects) if (fx.type === 'close_channel') effects.push(fx);
  }
  return { state: { ...s, phase: 'Done', payee, queue: [], end_reason: reason }, effects, ignored: null };
}

function ignore(s: ProviderState, why: string): ProviderStep {
  return { state: s, effects: [], ignored: why };
}

/** What this session has earned so far (accepted cumulative states over all its channels). */
export function earnedUnits(s: ProviderState): Units {
  const p = s.payee;
  if (!p) return 0n;
  return p.settled_units + (p.channel?.paid_units ?? 0n);
}

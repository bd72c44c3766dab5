// The proxy requester's session with one provider (pure): `crankRequester(state, event, now_ms)` → { state, effects }.
// It joins the resumable chunk plan (chunk-plan.ts) to the same payer machine Speed uses: each chunk whose signed hash
// checks out is stored, then paid by one signed cumulative state on a channel bound to the job (proxyContext). What
// did not arrive is never paid; a chunk that fails its check bans the provider; a changed validator restarts the file.
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';
import type { ChannelId, PaymentState, SessionContext, SignedPaymentState } from '../../protocol/payment-state.ts';
import { proxyContext } from '../../protocol/session-context.ts';
import { crankPayer, createPayer, type Budget, type PayerEffect, type PayerEvent, type PayerState } from '../../protocol/channel-payer.ts';
import { bytesOfChunks, chunkBytes, chunkCount, createJob, isCompleteIn, missingIn, onValidatorChanged, pay, receive, toRuns, type ProxyJob } from './chunk-plan.ts';
import { checkChunk, type ChunkVerdict } from './chunk-proof.ts';
import { checkRequest, type JobId, type ProxyRequest } from './job-request.ts';
import type { ChunkFrame, DoneReason, ProxyFrame, ProxyOffer, RefuseCode } from './proxy-frames.ts';

export type RequesterPhase = 'WaitingForOffer' | 'WaitingForShare' | 'WaitingForChannel' | 'Fetching' | 'Done' | 'Stopped' | 'Banned';

/** Why a session ended without the file: each is a typed outcome the UI words, none is an exception. */
export type RequesterStop =
  | { readonly kind: 'refused'; readonly code: RefuseCode }
  | { readonly kind: 'provider_done'; readonly reason: DoneReason }
  | { readonly kind: 'bad_offer'; readonly code: 'wrong_job' | 'too_large' | 'no_validator' | 'unusable' | 'price_above_bid' }
  | { readonly kind: 'payer'; readonly reason: string }
  | { readonly kind: 'dropped' }
  | { readonly kind: 'lied'; readonly verdict: Exclude<ChunkVerdict, 'ok'>; readonly index: number };

export interface RequesterState {
  readonly phase: RequesterPhase;
  readonly request: ProxyRequest;
  readonly context: SessionContext;
  readonly payer_key: PublicKeyHex;
  /** Null until the first offer of a fresh job; carried over from IndexedDB when resuming. */
  readonly job: ProxyJob | null;
  readonly provider_key: PublicKeyHex | null;
  readonly payer: PayerState | null;
  /** Spent on this job so far (all sessions) and today (all jobs): the payer's caps are checked against these. */
  readonly job_spent_units: Units;
  readonly day_cap_units: Units;
  readonly day_spent_units: Units;
  readonly stop: RequesterStop | null;
  /** The chunks this session may ask for (a job split between providers, parallel-plan.ts); null: all missing. */
  readonly share: ReadonlySet<number> | null;
  /** Set when the session waits after the offer for its share (`share` event) before opening a channel. */
  readonly await_share: boolean;
  readonly offer: ProxyOffer | null;
  /** Counted as spent against the job cap and the day cap: what the job's other sessions may spend at once. */
  readonly job_reserved_units: Units;
  readonly day_reserved_units: Units;
}

export type RequesterEvent =
  | { readonly type: 'frame'; readonly frame: ProxyFrame }
  | { readonly type: 'channel_opened'; readonly channel_id: ChannelId; readonly escrow_units: Units; readonly expires_at_ms: number }
  | { readonly type: 'channel_open_failed' }
  /** The chunks this session fetches, and what the job's other sessions hold of the caps (WaitingForShare only). */
  | { readonly type: 'share'; readonly chunks: readonly number[]; readonly job_reserved_units: Units; readonly day_reserved_units: Units }
  /** The connection went away (drop, reload, switch): whatever was in flight did not arrive and is not paid. */
  | { readonly type: 'dropped' }
  | { readonly type: 'cancel' };

export type RequesterEffect =
  /** The provider offered this version (`job`, already restarted if it changed); the session waits for its share. */
  | { readonly type: 'offered'; readonly job: ProxyJob; readonly price_units_per_kib: Units }
  | { readonly type: 'send'; readonly frame: ProxyFrame }
  | { readonly type: 'open_channel'; readonly payee_key: PublicKeyHex; readonly escrow_units: Units; readonly timeout_ms: number; readonly context: SessionContext }
  /** Sign `state` over the session context and send it as a `payment` frame; `index` is the chunk it pays. */
  | { readonly type: 'pay'; readonly state: PaymentState; readonly delta_units: Units; readonly index: number }
  /** Write these bytes at the chunk's offset; the job (with its bitmaps) is persisted after the step. */
  | { readonly type: 'store_chunk'; readonly index: number; readonly offset: number; readonly bytes: Uint8Array }
  | { readonly type: 'restarted'; readonly reason: string; readonly discarded_chunks: number }
  | { readonly type: 'ban'; readonly provider_key: PublicKeyHex; readonly evidence: ChunkFrame; readonly verdict: Exclude<ChunkVerdict, 'ok'> }
  | { readonly type: 'finished' };

export interface RequesterStep {
  readonly state: RequesterState;
  readonly effects: readonly RequesterEffect[];
  /** Set when an input was dropped without a state change (a stray or duplicate frame). */
  readonly ignored: string | null;
}

export interface RequesterStart {
  readonly request: ProxyRequest;
  readonly payer_key: PublicKeyHex;
  readonly job: ProxyJob | null;
  readonly job_spent_units: Units;
  readonly day_cap_units: Units;
  readonly day_spent_units: Units;
  /**
   * The last payment of an earlier session whose link dropped: it may have been lost with the link, so it is sent
   * again first (the provider keeps that session's channel open for it, provider-session.ts LINGER_MS).
   */
  readonly resend?: { readonly job_id: JobId; readonly payment: SignedPaymentState } | null;
  /** A session of a job split between providers: after the offer it waits for a `share` event (parallel-plan.ts). */
  readonly await_share?: boolean;
}

/** A session and its opening frame (`request`), asking with If-Range when a job is being resumed. */
export function startRequester(start: RequesterStart): RequesterStep {
  // The caller checks what the user typed with checkRequest first; a request that fails it here is a bug.
  const checked = checkRequest(start.request);
  if (!checked.ok) throw new TypeError(`startRequester: invalid request (${checked.reason})`);
  const state: RequesterState = {
    phase: 'WaitingForOffer', request: start.request, context: proxyContext(start.request.job_id), payer_key: start.payer_key,
    job: start.job, provider_key: null, payer: null, job_spent_units: start.job_spent_units, day_cap_units: start.day_cap_units,
    day_spent_units: start.day_spent_units, stop: null, share: null, await_share: start.await_share === true, offer: null,
    job_reserved_units: 0n, day_reserved_units: 0n,
  };
  const effects: RequesterEffect[] = [];
  if (start.resend) {
    // Then end that session: its provider may not have noticed the drop yet, and closes its channel on this.
    effects.push({ type: 'send', frame: { type: 'payment', job_id: start.resend.job_id, payment: start.resend.payment } });
    effects.push({ type: 'send', frame: { type: 'done', job_id: start.resend.job_id, reason: 'stopped' } });
  }
  effects.push({ type: 'send', frame: { type: 'request', request: start.request } });
  return { state, effects, ignored: null };
}

export function isActive(s: RequesterState): boolean {
  return s.phase === 'WaitingForOffer' || s.phase === 'WaitingForShare' || s.phase === 'WaitingForChannel' || s.phase === 'Fetching';
}

export function crankRequester(s: RequesterState, e: RequesterEvent, now_ms: number): RequesterStep {
  if (!isActive(s)) return ignore(s, 'session over');
  switch (e.type) {
    case 'dropped': return end(s, 'Stopped', { kind: 'dropped' }, []);
    case 'cancel': return end(s, 'Stopped', { kind: 'provider_done', reason: 'cancelled' }, [done(s, 'cancelled')]);
    case 'channel_open_failed': return payerStep(s, { type: 'channel_open_failed' }, now_ms, []);
    case 'share': {
      if (s.phase !== 'WaitingForShare' || s.offer === null || s.job === null) return ignore(s, 'no share asked for');
      const share = new Set(e.chunks.filter((i) => Number.isInteger(i) && i >= 0 && i < chunkCount(s.job as ProxyJob)));
      const next = { ...s, share, job_reserved_units: e.job_reserved_units, day_reserved_units: e.day_reserved_units };
      return accept(next, s.job, s.offer, now_ms, []);
    }
    case 'channel_opened': {
      if (s.phase !== 'WaitingForChannel' && s.phase !== 'Fetching') return ignore(s, 'no channel asked for');
      return payerStep(s, { ...e, budget: budget(s), remaining_bytes: remainingBytes(s) }, now_ms, []);
    }
    case 'frame': return onFrame(s, e.frame, now_ms);
  }
}

function onFrame(s: RequesterState, f: ProxyFrame, now_ms: number): RequesterStep {
  if (f.type === 'request' || f.type === 'channel' || f.type === 'want' || f.type === 'payment') return ignore(s, `${f.type} is a requester's frame`);
  const job_id = f.type === 'offer' ? f.offer.job_id : f.job_id;
  if (job_id !== s.request.job_id) return ignore(s, 'another job');
  switch (f.type) {
    case 'refuse': return end(s, 'Stopped', { kind: 'refused', code: f.code }, []);
    case 'done': return end(s, 'Stopped', { kind: 'provider_done', reason: f.reason }, []);
    case 'offer': return s.phase === 'WaitingForOffer' ? onOffer(s, f.offer, now_ms) : ignore(s, 'second offer');
    case 'chunk': return onChunk(s, f, now_ms);
  }
}

function onOffer(s: RequesterState, o: ProxyOffer, now_ms: number): RequesterStep {
  if (o.total_length > s.request.max_bytes) return end(s, 'Stopped', { kind: 'bad_offer', code: 'too_large' }, [done(s, 'stopped')]);
  if (o.price_units_per_kib > s.request.max_price_units_per_kib) return end(s, 'Stopped', { kind: 'bad_offer', code: 'price_above_bid' }, [done(s, 'stopped')]);
  const validator = { etag: o.etag, last_modified: o.last_modified };
  const effects: RequesterEffect[] = [];
  let job: ProxyJob;
  if (s.job === null) {
    const made = createJob(s.request.url, validator, o.total_length, s.request.chunk_size);
    if (!made.ok) return end(s, 'Stopped', { kind: 'bad_offer', code: 'unusable' }, [done(s, 'stopped')]);
    job = made.job;
  } else {
    const change = onValidatorChanged(s.job, validator, o.total_length);
    job = change.job;
    if (change.restarted) effects.push({ type: 'restarted', reason: change.reason, discarded_chunks: change.discarded_chunks });
  }
  // Without a strong ETag or Last-Modified a drop could splice two versions together: such a job is not sold.
  if (o.etag?.startsWith('W/') !== false && o.last_modified === null) {
    return end({ ...s, job }, 'Stopped', { kind: 'bad_offer', code: 'no_validator' }, [...effects, done(s, 'stopped')]);
  }
  if (s.await_share) {
    const waiting: RequesterState = { ...s, job, offer: o, provider_key: o.payee_key, phase: 'WaitingForShare' };
    return { state: waiting, effects: [...effects, { type: 'offered', job, price_units_per_kib: o.price_units_per_kib }], ignored: null };
  }
  return accept(s, job, o, now_ms, effects);
}

/** Takes the offer for this session's chunks: bids, and opens the channel (or ends at once when nothing is wanted). */
function accept(s: RequesterState, job: ProxyJob, o: ProxyOffer, now_ms: number, effects: RequesterEffect[]): RequesterStep {
  if (missingIn(job, s.share).length === 0) return end({ ...s, job }, 'Done', null, [...effects, done(s, 'complete'), { type: 'finished' }]);
  const payer = createPayer(s.payer_key, job.chunk_size, chunkCount(job));
  const next: RequesterState = { ...s, job, payer, provider_key: o.payee_key, phase: 'WaitingForChannel' };
  const bid: PayerEvent = {
    type: 'bid_response', payee_key: o.payee_key, price_units_per_kib: o.price_units_per_kib, min_escrow_units: o.min_escrow_units,
    bid_units_per_kib: s.request.max_price_units_per_kib, remaining_bytes: remainingBytes(next), budget: budget(next),
  };
  return payerStep(next, bid, now_ms, effects);
}

function onChunk(s: RequesterState, f: ChunkFrame, now_ms: number): RequesterStep {
  const job = s.job;
  if (s.phase !== 'Fetching' || job === null || s.provider_key === null) return ignore(s, 'chunk before the channel');
  if (f.index >= chunkCount(job) || job.received.get(f.index) || (s.share !== null && !s.share.has(f.index))) return ignore(s, 'chunk not asked for');
  const { start, end: last } = chunkBytes(job, f.index);
  const verdict = checkChunk(s.provider_key, s.request.job_id, f.index, last - start + 1, f, f.bytes);
  if (verdict !== 'ok') {
    const ban: RequesterEffect = { type: 'ban', provider_key: s.provider_key, evidence: f, verdict };
    return end(s, 'Banned', { kind: 'lied', verdict, index: f.index }, [ban, done(s, 'banned')]);
  }
  const received = receive(job, f.index).job;
  const stored: RequesterState = { ...s, job: received };
  const event: PayerEvent = {
    type: 'piece_verified', index: f.index, bytes: f.bytes.length, remaining_bytes: remainingBytes(stored), budget: budget(stored),
    bid_units_per_kib: s.request.max_price_units_per_kib,
  };
  return payerStep(stored, event, now_ms, [{ type: 'store_chunk', index: f.index, offset: start, bytes: f.bytes }]);
}

/** Runs the payer machine and turns its effects into the proxy's, marking paid chunks and counting spend. */
function payerStep(s: RequesterState, event: PayerEvent, now_ms: number, effects: RequesterEffect[]): RequesterStep {
  if (s.payer === null || s.job === null) return ignore(s, 'no payer yet');
  const step = crankPayer(s.payer, event, now_ms);
  let next: RequesterState = { ...s, payer: step.state };
  const out = [...effects];
  for (const fx of step.effects) next = applyPayerEffect(next, fx, out);
  if (step.state.phase === 'Paying' && next.phase === 'WaitingForChannel') {
    next = { ...next, phase: 'Fetching' };
    const runs = toRuns(missingIn(next.job as ProxyJob, next.share));
    if (runs.length > 0) out.push({ type: 'send', frame: { type: 'want', job_id: s.request.job_id, runs } });
  }
  if (step.state.phase === 'Done' || (next.job !== null && isCompleteIn(next.job, next.share))) {
    return end(next, 'Done', null, [...out, { type: 'finished' }]);
  }
  if (step.state.phase === 'Stopped' || step.state.phase === 'Banned') {
    return end(next, 'Stopped', { kind: 'payer', reason: step.state.stop_reason ?? step.state.phase }, out);
  }
  return { state: next, effects: out, ignored: step.rejection ? step.rejection.code : null };
}

function applyPayerEffect(s: RequesterState, fx: PayerEffect, out: RequesterEffect[]): RequesterState {
  switch (fx.type) {
    case 'open_channel':
      out.push({ type: 'open_channel', payee_key: fx.payee_key, escrow_units: fx.escrow_units, timeout_ms: fx.timeout_ms, context: s.context });
      return s;
    case 'send_channel':
      out.push({ type: 'send', frame: { type: 'channel', job_id: s.request.job_id, channel_id: fx.channel_id } });
      return s;
    case 'pay': {
      out.push({ type: 'pay', state: fx.state, delta_units: fx.delta_units, index: fx.index });
      const job = s.job === null ? null : pay(s.job, fx.index).job;
      return { ...s, job, job_spent_units: s.job_spent_units + fx.delta_units, day_spent_units: s.day_spent_units + fx.delta_units };
    }
    case 'send_done':
      out.push(done(s, missingIn(s.job as ProxyJob, s.share).length === 0 ? 'complete' : 'stopped'));
      return s;
    case 'stop_requesting':
    case 'ban_provider':
      return s;
  }
}

function done(s: RequesterState, reason: DoneReason): RequesterEffect {
  return { type: 'send', frame: { type: 'done', job_id: s.request.job_id, reason } };
}

function end(s: RequesterState, phase: 'Done' | 'Stopped' | 'Banned', stop: RequesterStop | null, effects: RequesterEffect[]): RequesterStep {
  return { state: { ...s, phase, stop }, effects, ignored: null };
}

function ignore(s: RequesterState, why: string): RequesterStep {
  return { state: s, effects: [], ignored: why };
}

function budget(s: RequesterState): Budget {
  return {
    torrent_cap_units: s.request.cap_units, torrent_spent_units: s.job_spent_units + s.job_reserved_units, day_cap_units: s.day_cap_units,
    day_spent_units: s.day_spent_units + s.day_reserved_units,
  };
}

/** Bytes of the chunks still missing (of this session's share): what the payer sizes its escrow for. */
export function remainingBytes(s: RequesterState): number {
  return s.job === null ? 0 : bytesOfChunks(s.job, missingIn(s.job, s.share));
}

// One timeline per transfer, derived (pure) from what the chain and the ledger say: signed → broadcast → k/19
// confirmations → credited / paid / queued (position, time) / refunded. No step says "done" before its source does.
import type { DepositView, WithdrawalView } from './exchange-api.ts';

export type StepStatus = 'done' | 'current' | 'waiting' | 'failed';
export interface Step {
  readonly label: string;
  readonly status: StepStatus;
  readonly detail: string;
}
export type Outcome = 'in_progress' | 'queued' | 'credited' | 'paid' | 'refunded' | 'failed';
export interface Timeline {
  readonly id: string;
  readonly kind: 'deposit' | 'withdrawal';
  readonly amount_units: bigint;
  readonly outcome: Outcome;
  readonly steps: readonly Step[];
}

/** A deposit this browser signed: what the node said to the broadcast, and the exchange's latest view of it. */
export interface LocalDeposit {
  readonly tx_id: string;
  readonly amount_units: bigint;
  readonly broadcast: 'sending' | 'accepted' | 'refused';
  readonly refusal: string | null;
  readonly view: DepositView | null;
  /** Past this time a transaction the chain never included can no longer be (its expiration). */
  readonly expires_at_ms: number;
}

const step = (label: string, status: StepStatus, detail = ''): Step => ({ label, status, detail });
const confirmationsText = (k: number, required: number) => `${Math.min(k, required)} of ${required} confirmations`;

export function depositTimeline(d: LocalDeposit, required: number, now_ms: number): Timeline {
  const base = { id: d.tx_id, kind: 'deposit' as const, amount_units: d.amount_units };
  const signed = step('Signed', 'done', 'by your wallet\'s TRON key');
  if (d.broadcast === 'refused') {
    return { ...base, outcome: 'failed', steps: [signed, step('Broadcast', 'failed', `The node refused it: ${d.refusal ?? 'no reason given'}. Nothing left your address.`)] };
  }
  if (d.broadcast === 'sending') return { ...base, outcome: 'in_progress', steps: [signed, step('Broadcast', 'current', 'sending to the TRON node'), step('Confirmations', 'waiting'), step('Credited', 'waiting')] };
  const v = d.view;
  const broadcast = step('Broadcast', 'done', 'accepted by the TRON node');
  if (v === null && now_ms > d.expires_at_ms) {
    return { ...base, outcome: 'failed', steps: [signed, broadcast, step('Confirmations', 'failed', 'It expired without entering a block: nothing left your address.')] };
  }
  if (v === null || v.state === 'broadcast') {
    return { ...base, outcome: 'in_progress', steps: [signed, broadcast, step('Confirmations', 'current', `waiting for a block · ${confirmationsText(0, required)}`), step('Credited', 'waiting')] };
  }
  if (v.state === 'confirming') {
    const credited = step('Credited', 'waiting', 'once solidified');
    return { ...base, outcome: 'in_progress', steps: [signed, broadcast, step('Confirmations', 'current', confirmationsText(v.confirmations, required)), credited] };
  }
  if (v.state === 'unattributed') {
    return { ...base, outcome: 'failed', steps: [signed, broadcast, step('Confirmations', 'done', confirmationsText(required, required)), step('Credited', 'failed', 'It named no Seedpay account.')] };
  }
  return { ...base, outcome: 'credited', steps: [signed, broadcast, step('Confirmations', 'done', confirmationsText(required, required)), step('Credited', 'done', 'to your Seedpay balance')] };
}

export function withdrawalTimeline(w: WithdrawalView, required: number, formatTime: (ms: number) => string): Timeline {
  const base = { id: w.id, kind: 'withdrawal' as const, amount_units: w.amount_units };
  const signed = step('Signed', 'done', 'by your payment key');
  const held = step('Held', w.state === 'requested' ? 'current' : 'done', w.state === 'requested' ? 'the ledger is putting it on hold' : 'on the ledger until it is paid or refunded');
  const tx = w.tx_id ? ` · TRON tx ${w.tx_id.slice(0, 10)}…` : '';
  if (w.state === 'requested') return { ...base, outcome: 'in_progress', steps: [signed, held, step('Paid', 'waiting')] };
  if (w.state === 'queued') {
    const when = w.eta_ms === null ? '' : `, paid from ${formatTime(w.eta_ms)}`;
    const detail = `position ${w.position ?? '?'} under the exchange's daily limit${when}. Your BTT is held, not lost.`;
    return { ...base, outcome: 'queued', steps: [signed, held, step('Queued', 'current', detail), step('Paid', 'waiting')] };
  }
  if (w.state === 'paying') {
    const detail = w.confirmations > 0 ? confirmationsText(w.confirmations, required) : `broadcast, waiting for a block${tx}`;
    return { ...base, outcome: 'in_progress', steps: [signed, held, step('Broadcast', 'done', `to ${w.to_address}${tx}`), step('Confirmations', 'current', detail), step('Paid', 'waiting')] };
  }
  if (w.state === 'completed') {
    const done = [step('Broadcast', 'done', `to ${w.to_address}${tx}`), step('Confirmations', 'done', confirmationsText(required, required))];
    return { ...base, outcome: 'paid', steps: [signed, held, ...done, step('Paid', 'done', 'final on TRON')] };
  }
  return { ...base, outcome: 'refunded', steps: [signed, held, step('Refunded', 'failed', `back in your Seedpay balance: ${w.reason ?? 'not paid'}`)] };
}

export const OUTCOME_LABEL: Readonly<Record<Outcome, string>> = {
  in_progress: 'In progress',
  queued: 'Queued',
  credited: 'Credited',
  paid: 'Paid',
  refunded: 'Refunded',
  failed: 'Not sent',
};

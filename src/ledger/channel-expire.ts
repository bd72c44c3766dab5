// A channel whose payee never closed it in time: the escrow goes back to the payer, all of it. Run by the sweeper
// (and on read) once `expires_at_ms` has passed; the white paper's timeout, so a vanished provider locks nothing.
import { assert } from './invariant.ts';
import type { LedgerView, Of, StepResult } from './ledger.ts';

export function channelExpire(view: LedgerView, c: Of<'channel_expire'>, now_ms: number, seq: number): StepResult {
  const channel = view.channel(c.channel_id);
  if (!channel) return { code: 'unknown_channel' };
  if (channel.state !== 'open') return { code: 'channel_closed' };
  if (now_ms < channel.expires_at_ms) return { code: 'channel_not_expired' };
  const payer = view.account(channel.payer);
  assert(payer !== undefined && payer.escrow_units >= channel.escrow_units, `payer of open channel ${channel.id} lacks its escrow`);
  return {
    code: 'ok',
    accounts: [
      { ...payer, escrow_units: payer.escrow_units - channel.escrow_units, balance_units: payer.balance_units + channel.escrow_units },
    ],
    channels: [{ ...channel, state: 'expired', refund_units: channel.escrow_units, closed_at_ms: now_ms, close_seq: seq }],
    event: {
      kind: 'channel_expire',
      account_a: channel.payer,
      account_b: null,
      channel_id: channel.id,
      fields: { channel_id: channel.id, payer: channel.payer, refund_units: String(channel.escrow_units) },
    },
  };
}

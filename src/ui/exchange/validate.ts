// What the Deposit and Withdraw forms check before anything is signed: amounts in BTT text (exact, no floats)
// against the on-chain balance, the ledger balance and the exchange's limits; TRON addresses by their checksum.
import { parseBtt, type Units } from '../../protocol/money.ts';
import { isTronAddress } from '../../wallet/index.ts';
import { formatMoney } from '../lib/format.ts';
import type { ExchangeInfo } from './exchange-api.ts';

export type Checked = { readonly ok: true; readonly amount_units: Units } | { readonly ok: false; readonly field: 'amount' | 'address'; readonly message: string };

function amountOf(text: string): Units | null {
  try {
    return parseBtt(text.trim());
  } catch {
    return null;
  }
}

export function checkDeposit(text: string, chain_btt_units: Units | null): Checked {
  const amount_units = amountOf(text);
  if (amount_units === null || amount_units <= 0n) return { ok: false, field: 'amount', message: 'Enter an amount like 50 or 2.5 (up to 6 decimals).' };
  if (chain_btt_units !== null && amount_units > chain_btt_units) return { ok: false, field: 'amount', message: `Your TRON address holds ${formatMoney(chain_btt_units)}.` };
  return { ok: true, amount_units };
}

export function checkWithdrawal(to: string, text: string, ledger_balance_units: Units | null, info: ExchangeInfo): Checked {
  const address = to.trim();
  if (!isTronAddress(address)) return { ok: false, field: 'address', message: 'Not a TRON address: it starts with T, has 34 characters, and its checksum must match.' };
  if (address === info.hot_wallet) return { ok: false, field: 'address', message: 'That is the exchange\'s own address.' };
  const amount_units = amountOf(text);
  if (amount_units === null || amount_units <= 0n) return { ok: false, field: 'amount', message: 'Enter an amount like 20 or 2.5 (up to 6 decimals).' };
  if (amount_units < info.min_withdrawal_units) return { ok: false, field: 'amount', message: `The smallest withdrawal is ${formatMoney(info.min_withdrawal_units)}.` };
  if (amount_units > info.max_withdrawal_units) return { ok: false, field: 'amount', message: `The largest withdrawal is ${formatMoney(info.max_withdrawal_units)} (the exchange's daily limit).` };
  if (ledger_balance_units !== null && amount_units > ledger_balance_units) return { ok: false, field: 'amount', message: `Your Seedpay balance is ${formatMoney(ledger_balance_units)}.` };
  return { ok: true, amount_units };
}

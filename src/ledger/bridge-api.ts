// The ledger's bridge commands as the exchange calls them (through service.ts): typed results, never exceptions,
// for expected refusals. The withdrawal request's Ed25519 signature is checked here, by the ledger, like any other.
import { hexToBytes } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { depositRecordIdFor, encodeWithdrawRequest, withdrawalIdFor } from '../protocol/exchange-request.ts';
import type { Units } from '../protocol/money.ts';
import type { ChannelId } from '../protocol/payment-state.ts';
import { BRIDGE_RESERVE_ID } from './bridge.ts';
import { LedgerOverloadedError, type LedgerEngine } from './engine.ts';
import { RESERVES } from './genesis.ts';
import type { LedgerResultCode } from './ledger.ts';
import type { Store } from './store.ts';
import type { AsyncVerifier } from './verify-pool.ts';

export type BridgeResult = { readonly code: 'ok'; readonly seq: number } | { readonly code: LedgerResultCode | 'invalid_signature' | 'overloaded' };

export interface HoldView {
  readonly withdrawal_id: ChannelId;
  readonly account: PublicKeyHex;
  readonly amount_units: Units;
  /** held: waiting; final: paid on TRON and settled; released: refunded to the account. */
  readonly state: 'held' | 'final' | 'released';
}

export interface SignedWithdrawal {
  readonly account: PublicKeyHex;
  readonly to_address_hex: string;
  readonly amount_units: Units;
  readonly nonce: bigint;
  readonly signature_hex: string;
}

const BRIDGE_RESERVE_GENESIS_UNITS = RESERVES.find((r) => r.id === BRIDGE_RESERVE_ID)?.amount_units ?? 0n;

export class LedgerBridge {
  readonly #store: Store;
  readonly #engine: LedgerEngine;
  readonly #verifier: AsyncVerifier;
  readonly ledger_id: PublicKeyHex;

  constructor(store: Store, engine: LedgerEngine, verifier: AsyncVerifier, ledger_id: PublicKeyHex) {
    this.#store = store;
    this.#engine = engine;
    this.#verifier = verifier;
    this.ledger_id = ledger_id;
  }

  async #submit(command: Parameters<LedgerEngine['submit']>[0]): Promise<BridgeResult> {
    try {
      const outcome = await this.#engine.submit(command);
      return outcome.code === 'ok' ? { code: 'ok', seq: outcome.entry.seq } : { code: outcome.code };
    } catch (error) {
      if (error instanceof LedgerOverloadedError) return { code: 'overloaded' };
      throw error;
    }
  }

  /** Credits a solidified TRON deposit from the bridge reserve; a second call for the same txID is `already_credited`. */
  deposit(tx_id: string, account: PublicKeyHex, amount_units: Units, tron_from: string): Promise<BridgeResult> {
    return this.#submit({ kind: 'bridge_deposit', tx_id, account, amount_units, tron_from });
  }

  /** Holds a withdrawal the account signed (encodeWithdrawRequest); its id is withdrawalIdFor(account, nonce). */
  async hold(w: SignedWithdrawal): Promise<BridgeResult> {
    const message = encodeWithdrawRequest(this.ledger_id, { kind: 'withdraw', account: w.account, to_address_hex: w.to_address_hex, amount_units: w.amount_units, nonce: w.nonce });
    if (!(await this.#verifier.verify(hexToBytes(w.signature_hex), message, hexToBytes(w.account)))) return { code: 'invalid_signature' };
    return this.#submit({ kind: 'bridge_hold', account: w.account, amount_units: w.amount_units, to_address_hex: w.to_address_hex, nonce: w.nonce, signature: w.signature_hex });
  }

  finalize(withdrawal_id: ChannelId, account: PublicKeyHex, tx_id: string): Promise<BridgeResult> {
    return this.#submit({ kind: 'bridge_finalize', withdrawal_id, account, tx_id });
  }

  release(withdrawal_id: ChannelId, account: PublicKeyHex, reason: string): Promise<BridgeResult> {
    return this.#submit({ kind: 'bridge_release', withdrawal_id, account, reason });
  }

  async holdOf(account: PublicKeyHex, nonce: bigint): Promise<HoldView | null> {
    const id = withdrawalIdFor(account, nonce);
    const row = await this.#store.channel(id);
    if (!row || row.payee !== BRIDGE_RESERVE_ID) return null;
    return { withdrawal_id: id, account: row.payer, amount_units: row.escrow_units, state: row.state === 'open' ? 'held' : row.state === 'closed' ? 'final' : 'released' };
  }

  async credited(tx_id: string): Promise<boolean> {
    return (await this.#store.channel(depositRecordIdFor(tx_id))) !== null;
  }

  async balance(account: PublicKeyHex): Promise<{ balance_units: Units; escrow_units: Units; nonce: bigint } | null> {
    const row = await this.#store.account(account);
    return row && { balance_units: row.balance_units, escrow_units: row.escrow_units, nonce: row.nonce };
  }

  /** What the ledger owes to TRON: credited deposits less final withdrawals (holds still count, being unpaid). */
  async liabilities(): Promise<Units> {
    const reserve = await this.#store.account(BRIDGE_RESERVE_ID);
    if (!reserve) throw new Error('bridge reserve missing');
    return BRIDGE_RESERVE_GENESIS_UNITS - reserve.balance_units;
  }
}

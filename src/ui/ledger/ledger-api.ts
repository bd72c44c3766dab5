// The app's view of the ledger: the account's totals and history, and the airdrop. Adapted from the ledger's typed
// client (src/wallet/ledger-client.ts) in ledger-adapter.ts, so the screens never see HTTP shapes.
import type { PublicKeyHex, Signer } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';

export interface AccountTotals {
  readonly balance_units: Units;
  /** Locked in open payment channels: not spendable, not lost. */
  readonly escrowed_units: Units;
  readonly earned_units: Units;
  readonly spent_units: Units;
}

export type HistoryKind =
  | 'airdrop' | 'transfer_in' | 'transfer_out' | 'channel_open' | 'channel_paid' | 'channel_earned' | 'channel_refund'
  | 'deposit' | 'withdrawal_hold' | 'withdrawal_paid' | 'withdrawal_refund' | 'other';

export interface HistoryEntry {
  readonly seq: number;
  readonly at_ms: number;
  readonly kind: HistoryKind;
  /** Signed change to the spendable balance (escrow moves show as the amount locked or released). */
  readonly amount_units: Units;
  readonly counterparty: string | null;
  readonly description: string;
}

export interface AirdropChallenge {
  readonly challenge: Uint8Array;
  readonly difficulty_bits: number;
  readonly amount_units: Units;
}

export type ClaimResult = { readonly ok: true; readonly amount_units: Units } | { readonly ok: false; readonly message: string };

export interface AccountOverview {
  readonly totals: AccountTotals;
  /** Newest first. */
  readonly history: readonly HistoryEntry[];
  /** The ledger already granted this account its airdrop. */
  readonly airdropped: boolean;
  /** The ledger has this account (it has held money); false for a key it has never seen. */
  readonly exists: boolean;
}

export interface LedgerApi {
  overview(account: PublicKeyHex, history_rows: number): Promise<AccountOverview>;
  airdropChallenge(account: PublicKeyHex): Promise<AirdropChallenge>;
  claimAirdrop(signer: Signer, challenge: AirdropChallenge, pow_nonce: number): Promise<ClaimResult>;
}

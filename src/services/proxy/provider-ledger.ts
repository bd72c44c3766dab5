// The provider host's ledger ports, built from the wallet's ledger client (or anything of its shape): the terminal
// provider and the browser provider read channels, check payment states and close channels the same way.
import { nobleVerify, publicKeyFromHex, type PublicKeyHex, type Signer } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';
import { encodePaymentState, type ChannelId, type SessionContext, type SignedPaymentState } from '../../protocol/payment-state.ts';
import type { ProviderHostOptions } from './provider-host.ts';

/** The slice of the ledger client (src/wallet/ledger-client.ts) a provider uses. */
export interface ProviderLedgerClient {
  channel(id: ChannelId): Promise<{
    channel_id: ChannelId; payer: PublicKeyHex; payee: PublicKeyHex; escrow_units: Units; expires_at_ms: number;
    state: 'open' | 'closed' | 'expired'; context: SessionContext;
  }>;
  closeChannel(signer: Signer, args: { state: SignedPaymentState }): Promise<unknown>;
}

/** A channel the ledger does not know (or cannot be asked about now) reads as null: the session refuses it. */
export function providerLedgerPorts(ledger: ProviderLedgerClient, signer: Signer): Pick<ProviderHostOptions, 'ledgerChannel' | 'verify' | 'close' | 'now'> {
  return {
    ledgerChannel: async (id) => {
      try {
        const ch = await ledger.channel(id);
        return {
          channel_id: ch.channel_id, payer_key: ch.payer, payee_key: ch.payee, escrow_units: ch.escrow_units,
          expires_at_ms: ch.expires_at_ms, open: ch.state === 'open', context: ch.context,
        };
      } catch {
        return null;
      }
    },
    verify: async (p, key, context) => nobleVerify(p.signature, encodePaymentState(p, context), publicKeyFromHex(key)),
    close: async (state) => void (await ledger.closeChannel(signer, { state })),
    now: () => Date.now(),
  };
}

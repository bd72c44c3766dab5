// Connects the app to the ledger mounted at /ledger on this origin, through the ledger's typed client. Totals
// come from the account (balance, escrow) and its journal (earned and spent are sums of channel closes).
import { hexToBytes } from '@noble/hashes/utils.js';
import type { PublicKeyHex } from '../../protocol/ed25519.ts';
import { LedgerApiError, LedgerClient, type JournalEntryView } from '../../wallet/ledger-client.ts';
import { earnedAndSpent, historyEntry } from './history.ts';
import type { AccountOverview, AirdropChallenge, HistoryEntry, LedgerApi } from './ledger-api.ts';

/** The ledger serves at most this many journal rows per page. */
const PAGE_ROWS = 1000;
/** Earned/spent sum at most this many journal entries: a browser wallet's whole life for any real user. */
export const MAX_TOTALS_ENTRIES = 5_000;
/** Human text from the ledger is shown in the UI; keep it short. */
const MAX_MESSAGE_CHARS = 200;

export function createLedgerApi(origin: string): LedgerApi {
  const client = new LedgerClient({ baseUrl: `${origin}/ledger` });

  async function journal(account: PublicKeyHex): Promise<JournalEntryView[]> {
    const entries: JournalEntryView[] = [];
    let before: number | undefined;
    while (entries.length < MAX_TOTALS_ENTRIES) {
      const page = await client.history(account, { limit: PAGE_ROWS, ...(before === undefined ? {} : { before_seq: before }) });
      entries.push(...page);
      if (page.length < PAGE_ROWS) break;
      before = page[page.length - 1]?.seq;
    }
    return entries;
  }

  return {
    async overview(account, history_rows): Promise<AccountOverview> {
      let balance_units = 0n;
      let escrowed_units = 0n;
      let airdropped = false;
      try {
        const found = await client.account(account);
        balance_units = found.balance_units;
        escrowed_units = found.escrow_units;
        airdropped = found.airdropped;
      } catch (error) {
        // A key the ledger has never seen is an empty account, not an error.
        if (!(error instanceof LedgerApiError && error.status === 404)) throw error;
        return { totals: { balance_units, escrowed_units, earned_units: 0n, spent_units: 0n }, history: [], airdropped, exists: false };
      }
      const entries = await journal(account);
      const history: HistoryEntry[] = [];
      for (const entry of entries) {
        const mapped = historyEntry(account, entry);
        if (mapped) history.push(mapped);
        if (history.length >= history_rows) break;
      }
      return { totals: { balance_units, escrowed_units, ...earnedAndSpent(account, entries) }, history, airdropped, exists: true };
    },

    async airdropChallenge(account): Promise<AirdropChallenge> {
      const challenge = await client.airdropChallenge(account);
      return { challenge: hexToBytes(challenge.challenge), difficulty_bits: challenge.difficulty_bits, amount_units: challenge.amount_units };
    },

    async claimAirdrop(signer, challenge, pow_nonce) {
      try {
        // The ledger credits exactly the amount its challenge announced.
        await client.claimAirdrop(signer, { challenge: challenge.challenge, pow_nonce });
        return { ok: true, amount_units: challenge.amount_units };
      } catch (error) {
        if (error instanceof LedgerApiError) return { ok: false, message: claimMessage(error) };
        throw error;
      }
    },
  };
}

function claimMessage(error: LedgerApiError): string {
  switch (error.code) {
    case 'already_claimed':
      return 'This wallet already received its airdrop.';
    case 'rate_limited':
      return 'Too many airdrop requests from this network right now. Try again in a minute.';
    case 'challenge_expired':
      return 'The puzzle expired before it was solved. Try again.';
    default:
      return `The ledger refused the claim: ${(error.message || error.code).slice(0, MAX_MESSAGE_CHARS)}`;
  }
}

// Funding a terminal wallet: the ledger's airdrop, claimed the way the app claims it (a challenge bound to the payment
// key, its proof of work solved here in chunks between event-loop turns, a signed claim) — once per key.
import { toPublicKeyHex, type Signer } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import { solvePowChunk } from '../protocol/pow.ts';
import { LedgerApiError, type LedgerClient } from '../wallet/ledger-client.ts';

/** Hashes per chunk: ~50-100 ms of sha256 in Node, so a Ctrl-C or a timer still gets its turn. */
export const AIRDROP_TRIES_PER_CHUNK = 100_000;
/** The ledger rate-limits airdrop requests per address: wait this long and retry, this many times. */
export const AIRDROP_RATE_LIMIT_WAIT_MS = 5_000;
export const AIRDROP_MAX_RATE_LIMIT_RETRIES = 12;

export type AirdropOutcome =
  | { readonly kind: 'claimed'; readonly amount_units: Units; readonly balance_units: Units; readonly tries: number }
  | { readonly kind: 'already_claimed'; readonly balance_units: Units };

/** Claims the airdrop for the signer's key, or reports that this key has had it. Other ledger errors throw. */
export async function claimAirdrop(ledger: LedgerClient, signer: Signer, wait = (ms: number) => new Promise((done) => setTimeout(done, ms))): Promise<AirdropOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await claimOnce(ledger, signer);
    } catch (error) {
      if (error instanceof LedgerApiError && error.code === 'already_claimed') {
        return { kind: 'already_claimed', balance_units: (await ledger.account(toPublicKeyHex(signer.publicKey))).balance_units };
      }
      if (!(error instanceof LedgerApiError) || error.code !== 'rate_limited' || attempt >= AIRDROP_MAX_RATE_LIMIT_RETRIES) throw error;
      await wait(AIRDROP_RATE_LIMIT_WAIT_MS);
    }
  }
}

async function claimOnce(ledger: LedgerClient, signer: Signer): Promise<AirdropOutcome> {
  const id = toPublicKeyHex(signer.publicKey);
  const before = await ledger.account(id).catch((error: unknown) => {
    if (error instanceof LedgerApiError && error.status === 404) return null; // a key the ledger has not seen yet
    throw error;
  });
  if (before?.airdropped) return { kind: 'already_claimed', balance_units: before.balance_units };
  const puzzle = await ledger.airdropChallenge(id);
  const challenge = new Uint8Array(Buffer.from(puzzle.challenge, 'hex'));
  for (let start_nonce = 0; ; ) {
    const result = solvePowChunk({ challenge, public_key: signer.publicKey, difficulty_bits: puzzle.difficulty_bits, start_nonce, max_tries: AIRDROP_TRIES_PER_CHUNK });
    if (result.found) {
      const account = await ledger.claimAirdrop(signer, { challenge, pow_nonce: result.nonce });
      return { kind: 'claimed', amount_units: puzzle.amount_units, balance_units: account.balance_units, tries: result.nonce + 1 };
    }
    start_nonce = result.next_nonce;
    await new Promise((done) => setImmediate(done));
  }
}

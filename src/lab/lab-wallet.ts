// The lab's stand-in for the wallet: a non-extractable WebCrypto Ed25519 key kept in IndexedDB per namespace (a
// CryptoKey survives structured clone, so a reload finds the same key and the same ledger account), and an
// airdrop claim solved right here. The real wallet (src/wallet) hands the peer its key the same way.
import { hexToBytes } from '@noble/hashes/utils.js';
import { createStore, get, set } from 'idb-keyval';
import { signerFromCryptoKey, toPublicKeyHex, type Signer } from '../protocol/ed25519.ts';
import { solvePowChunk } from '../protocol/pow.ts';
import { LedgerApiError, LedgerClient } from '../wallet/ledger-client.ts';

export interface LabWallet {
  key: CryptoKey;
  public_key: Uint8Array;
  signer: Signer;
}

export async function loadOrCreateWallet(namespace: string): Promise<LabWallet> {
  const store = createStore(`seedpay-lab-${namespace}`, 'wallet');
  let record = await get<{ key: CryptoKey; public_key: Uint8Array }>('key', store);
  if (!record) {
    const pair = (await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify'])) as CryptoKeyPair;
    const public_key = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    record = { key: pair.privateKey, public_key };
    await set('key', record, store);
  }
  return { ...record, signer: signerFromCryptoKey(crypto.subtle, record.key, record.public_key) };
}

/** The ledger rate-limits airdrops per IP (every test tab is 127.0.0.1): wait and retry this many times. */
const MAX_RATE_LIMIT_RETRIES = 12;
const RATE_LIMIT_WAIT_MS = 5_000;

/** Claims the airdrop once per key (a second claim is refused by the ledger and ignored here). */
export async function claimAirdrop(ledger: LedgerClient, wallet: LabWallet): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await claimOnce(ledger, wallet);
    } catch (error) {
      if (!(error instanceof LedgerApiError) || error.code !== 'rate_limited' || attempt >= MAX_RATE_LIMIT_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, RATE_LIMIT_WAIT_MS));
    }
  }
}

async function claimOnce(ledger: LedgerClient, wallet: LabWallet): Promise<void> {
  const id = toPublicKeyHex(wallet.public_key);
  const account = await ledger.account(id).catch(() => null);
  if (account?.airdropped) return;
  const puzzle = await ledger.airdropChallenge(id);
  const challenge = hexToBytes(puzzle.challenge);
  let start_nonce = 0;
  for (;;) {
    const result = solvePowChunk({ challenge, public_key: wallet.public_key, difficulty_bits: puzzle.difficulty_bits, start_nonce, max_tries: 50_000 });
    if (result.found) {
      await ledger.claimAirdrop(wallet.signer, { challenge, pow_nonce: result.nonce });
      return;
    }
    start_nonce = result.next_nonce;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

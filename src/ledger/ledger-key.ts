// The ledger's own Ed25519 key: it signs the journal head at every commit; its public key is the ledger id.
// node:crypto (OpenSSL) signs synchronously inside the store transaction; the secret never leaves this module.
import { createHash, createHmac, createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { abytes, PUBLIC_KEY_BYTES, SECRET_KEY_BYTES, type PublicKeyHex } from '../protocol/ed25519.ts';
import { createNodeVerifier } from './ed25519-node.ts';

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
export const LEDGER_KEY_FILE = 'ledger.key';

export interface LedgerKey {
  readonly ledger_id: PublicKeyHex;
  sign(message: Uint8Array): Uint8Array;
  /** HMAC-SHA256 under a key derived from the ledger secret (airdrop challenges survive restarts and processes). */
  mac(message: Uint8Array): Uint8Array;
}

const MAC_KEY_DOMAIN = 'seedpay/ledger-mac/v1';

export function ledgerKeyFromSecret(secretKey: Uint8Array): LedgerKey {
  abytes(secretKey, SECRET_KEY_BYTES, 'ledgerSecretKey');
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, secretKey]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const ledger_id = Buffer.from(spki.subarray(SPKI_ED25519_PREFIX.length)).toString('hex') as PublicKeyHex;
  const macKey = createHash('sha256').update(MAC_KEY_DOMAIN).update(secretKey).digest();
  return {
    ledger_id,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
    mac: (message) => new Uint8Array(createHmac('sha256', macKey).update(message).digest()),
  };
}

/** Verifies signatures by the ledger key; the audit checks every journal entry with one of these. */
export function ledgerVerifier(ledger_id: PublicKeyHex): (signature: Uint8Array, message: Uint8Array) => boolean {
  const raw = new Uint8Array(Buffer.from(ledger_id, 'hex'));
  abytes(raw, PUBLIC_KEY_BYTES, 'ledger_id');
  const verifier = createNodeVerifier();
  return (signature, message) => verifier.verify(signature, message, raw);
}

/** Reads `dataDir/ledger.key` (hex seed, mode 0600), creating it on first start. */
export function loadOrCreateLedgerSecret(dataDir: string): Uint8Array {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LEDGER_KEY_FILE);
  if (!existsSync(path)) writeFileSync(path, `${randomBytes(SECRET_KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  const hex = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${path}: expected 64 lowercase hex characters`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

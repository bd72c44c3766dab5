// The one stored wallet record (IndexedDB) and its portable twin (the encrypted key file): public fields in clear
// so the lock screen can name the account, the secret (BIP-39 entropy) only as AES-GCM ciphertext.
// Everything read back — from storage or from a file a user picked — is validated here before it is trusted.
import { isPublicKeyHex, type PublicKeyHex } from '../protocol/ed25519.ts';
import { isTronAddress, type TronAddress } from './tron-address.ts';
import {
  GCM_TAG_BYTES,
  IV_BYTES,
  MAX_PBKDF2_ITERATIONS,
  MAX_PLAINTEXT_BYTES,
  MIN_PBKDF2_ITERATIONS,
  SALT_BYTES,
  type SealedBox,
} from './vault-crypto.ts';

export const VAULT_FORMAT = 'seedpay-wallet';
export const VAULT_VERSION = 1;
/** A key file is a few hundred bytes; anything far larger is not one, and is refused before JSON.parse. */
export const MAX_KEY_FILE_BYTES = 16 * 1024;
const MAX_DATE_CHARS = 40;

export interface VaultRecord extends SealedBox {
  readonly format: typeof VAULT_FORMAT;
  readonly version: typeof VAULT_VERSION;
  readonly payment_public_key: PublicKeyHex;
  readonly tron_address: TronAddress;
  /** ISO time of creation or restore; shown, never trusted for anything. */
  readonly created_at: string;
  /** The user confirmed they wrote the phrase down; until then the app keeps reminding them. */
  readonly backed_up: boolean;
}

export type PublicFields = Pick<VaultRecord, 'format' | 'version' | 'payment_public_key' | 'tron_address'>;

/** Authenticated data: format, version, account and KDF/cipher parameters, so none can be swapped unnoticed. */
export function vaultAad(fields: PublicFields, header: Omit<SealedBox, 'ciphertext_hex'>): Uint8Array {
  const text = [
    fields.format,
    String(fields.version),
    fields.payment_public_key,
    fields.tron_address,
    header.kdf.name,
    String(header.kdf.iterations),
    header.kdf.salt_hex,
    header.cipher.name,
    header.cipher.iv_hex,
  ].join('\n');
  return new TextEncoder().encode(text);
}

function hexOf(value: unknown, bytes: number, title: string): string {
  if (typeof value !== 'string' || value.length !== bytes * 2 || !/^[0-9a-f]*$/.test(value)) {
    throw new VaultFormatError(`${title}: expected ${bytes} bytes of lowercase hex`);
  }
  return value;
}

function object(value: unknown, title: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new VaultFormatError(`${title}: expected an object`);
  return value as Record<string, unknown>;
}

export class VaultFormatError extends Error {
  override name = 'VaultFormatError';
}

/** Validates an untrusted value as a VaultRecord; throws VaultFormatError naming the first bad field. */
export function parseVaultRecord(value: unknown): VaultRecord {
  const record = object(value, 'record');
  if (record.format !== VAULT_FORMAT) throw new VaultFormatError('not a Seedpay wallet file');
  if (record.version !== VAULT_VERSION) throw new VaultFormatError(`unsupported wallet version ${String(record.version)}`);
  if (!isPublicKeyHex(record.payment_public_key)) throw new VaultFormatError('payment_public_key: expected 64 hex characters');
  if (!isTronAddress(record.tron_address)) throw new VaultFormatError('tron_address: not a TRON address');
  if (typeof record.created_at !== 'string' || record.created_at.length > MAX_DATE_CHARS) throw new VaultFormatError('created_at: expected a date');
  if (typeof record.backed_up !== 'boolean') throw new VaultFormatError('backed_up: expected true or false');
  const kdf = object(record.kdf, 'kdf');
  if (kdf.name !== 'PBKDF2-SHA256') throw new VaultFormatError('kdf.name: expected PBKDF2-SHA256');
  const iterations = kdf.iterations;
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations) || iterations < MIN_PBKDF2_ITERATIONS || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new VaultFormatError(`kdf.iterations: expected ${MIN_PBKDF2_ITERATIONS}..${MAX_PBKDF2_ITERATIONS}`);
  }
  const cipher = object(record.cipher, 'cipher');
  if (cipher.name !== 'AES-256-GCM') throw new VaultFormatError('cipher.name: expected AES-256-GCM');
  const ciphertext = record.ciphertext_hex;
  if (
    typeof ciphertext !== 'string' ||
    ciphertext.length <= GCM_TAG_BYTES * 2 ||
    ciphertext.length > (MAX_PLAINTEXT_BYTES + GCM_TAG_BYTES) * 2 ||
    !/^(?:[0-9a-f]{2})+$/.test(ciphertext)
  ) {
    throw new VaultFormatError('ciphertext_hex: malformed');
  }
  return {
    format: VAULT_FORMAT,
    version: VAULT_VERSION,
    payment_public_key: record.payment_public_key,
    tron_address: record.tron_address,
    created_at: record.created_at,
    backed_up: record.backed_up,
    kdf: { name: 'PBKDF2-SHA256', iterations, salt_hex: hexOf(kdf.salt_hex, SALT_BYTES, 'kdf.salt_hex') },
    cipher: { name: 'AES-256-GCM', iv_hex: hexOf(cipher.iv_hex, IV_BYTES, 'cipher.iv_hex') },
    ciphertext_hex: ciphertext,
  };
}

/** The encrypted key file's text: the record itself, pretty-printed (it holds no plaintext secret). */
export function keyFileText(record: VaultRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

export function parseKeyFile(text: string): VaultRecord {
  if (typeof text !== 'string' || text.length > MAX_KEY_FILE_BYTES) throw new VaultFormatError('not a Seedpay wallet file');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VaultFormatError('not a Seedpay wallet file (not JSON)');
  }
  return parseVaultRecord(value);
}

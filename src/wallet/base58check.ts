// Base58Check (Bitcoin alphabet, 4-byte double-SHA-256 checksum): the text form of TRON addresses.
import { sha256 } from '@noble/hashes/sha2.js';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const CHECKSUM_BYTES = 4;
/** Addresses and key files are short; a longer string is not ours and is refused before any quadratic work. */
export const MAX_BASE58_CHARS = 128;

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(sha256(payload)).slice(0, CHECKSUM_BYTES);
}

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = '';
  while (value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

export function base58Decode(text: string): Uint8Array {
  if (text.length > MAX_BASE58_CHARS) throw new Error(`base58: longer than ${MAX_BASE58_CHARS} characters`);
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let value = 0n;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new Error(`base58: invalid character ${JSON.stringify(char)}`);
    value = value * 58n + BigInt(digit);
  }
  const body: number[] = [];
  while (value > 0n) {
    body.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return Uint8Array.from([...new Array<number>(zeros).fill(0), ...body]);
}

export function base58CheckEncode(payload: Uint8Array): string {
  const out = new Uint8Array(payload.length + CHECKSUM_BYTES);
  out.set(payload, 0);
  out.set(checksum(payload), payload.length);
  return base58Encode(out);
}

/** The payload, or an error when the text is not Base58 or its checksum does not match. */
export function base58CheckDecode(text: string): Uint8Array {
  const bytes = base58Decode(text);
  if (bytes.length < CHECKSUM_BYTES) throw new Error('base58check: too short');
  const payload = bytes.slice(0, -CHECKSUM_BYTES);
  const expected = checksum(payload);
  for (let i = 0; i < CHECKSUM_BYTES; i++) {
    if (bytes[payload.length + i] !== expected[i]) throw new Error('base58check: checksum mismatch');
  }
  return payload;
}

// A TRC-10 transfer as TRON signs it, built in the browser without tronweb (~1 MB of bundle): raw_data as JSON
// for broadcasttransaction, its protobuf bytes (Transaction.raw, fields in number order as java-tron and tronweb
// encode them), txID = SHA-256 of those bytes, and the r||s||v signature. Pure: the head block and clock are inputs.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { base58CheckDecode } from './base58check.ts';
import { isTronAddress } from './tron-address.ts';

/** java-tron's default lifetime of a built transaction: 60 s after the head block it references. */
export const TRANSFER_EXPIRATION_MS = 60_000;
/** A memo (raw_data.data) is short text; java-tron charges per byte and caps it far higher. */
export const MAX_MEMO_BYTES = 200;
/** TRON amounts are int64; the JSON form carries a number, so an amount stays exact only up to 2^53 − 1. */
const MAX_JSON_AMOUNT = BigInt(Number.MAX_SAFE_INTEGER);
const BLOCK_ID = /^[0-9a-f]{64}$/;

export interface Trc10TransferSpec {
  /** Base58Check ("T…") addresses, checksum verified. */
  readonly from: string;
  readonly to: string;
  /** The TRC-10 token id as text ("1002000" for BTT). */
  readonly token_id: string;
  readonly amount_units: bigint;
  readonly memo: string;
  /** The head block to reference (TAPOS): its 64-hex blockID and its timestamp. */
  readonly head_block_id: string;
  readonly head_timestamp_ms: number;
  readonly now_ms: number;
}

export interface UnsignedTransfer {
  readonly txID: string;
  readonly raw_data_hex: string;
  readonly raw_data: Record<string, unknown>;
}

export interface SignedTransfer extends UnsignedTransfer {
  readonly visible: false;
  readonly signature: readonly string[];
}

/** The 21 address bytes (0x41 || 20) of a Base58Check TRON address, as lowercase hex. */
export function tronAddressHex(address: string): string {
  if (!isTronAddress(address)) throw new TypeError('address: not a TRON address (Base58Check, checksum verified)');
  return bytesToHex(base58CheckDecode(address));
}

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Proto3: default values (0, empty) are not written. */
function field(number: number, value: bigint | Uint8Array): number[] {
  if (typeof value === 'bigint') return value === 0n ? [] : [...varint(BigInt(number << 3)), ...varint(value)];
  return value.length === 0 ? [] : [...varint(BigInt((number << 3) | 2)), ...varint(BigInt(value.length)), ...value];
}

const utf8 = (text: string) => new TextEncoder().encode(text);

export function buildTrc10Transfer(spec: Trc10TransferSpec): UnsignedTransfer {
  const owner = tronAddressHex(spec.from);
  const to = tronAddressHex(spec.to);
  if (owner === to) throw new RangeError('to: TRON refuses a transfer to oneself');
  if (!/^[0-9]{1,16}$/.test(spec.token_id)) throw new TypeError('token_id: expected a TRC-10 token id');
  if (typeof spec.amount_units !== 'bigint' || spec.amount_units <= 0n || spec.amount_units > MAX_JSON_AMOUNT) throw new RangeError('amount_units: out of range');
  const memo = utf8(spec.memo);
  if (memo.length > MAX_MEMO_BYTES) throw new RangeError(`memo: at most ${MAX_MEMO_BYTES} bytes`);
  if (!BLOCK_ID.test(spec.head_block_id)) throw new TypeError('head_block_id: expected 64 lowercase hex characters');
  for (const [name, ms] of [['head_timestamp_ms', spec.head_timestamp_ms], ['now_ms', spec.now_ms]] as const) {
    if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError(`${name}: expected a positive integer`);
  }
  const ref_block_bytes = spec.head_block_id.slice(12, 16);
  const ref_block_hash = spec.head_block_id.slice(16, 32);
  const expiration = spec.head_timestamp_ms + TRANSFER_EXPIRATION_MS;
  const timestamp = spec.now_ms;

  const contract = [
    ...field(1, utf8(spec.token_id)),
    ...field(2, hexToBytes(owner)),
    ...field(3, hexToBytes(to)),
    ...field(4, spec.amount_units),
  ];
  const type_url = 'type.googleapis.com/protocol.TransferAssetContract';
  const any = [...field(1, utf8(type_url)), ...field(2, Uint8Array.from(contract))];
  /** Transaction.Contract.ContractType.TransferAssetContract */
  const TRANSFER_ASSET_CONTRACT = 2n;
  const wrapped = [...field(1, TRANSFER_ASSET_CONTRACT), ...field(2, Uint8Array.from(any))];
  const raw = Uint8Array.from([
    ...field(1, hexToBytes(ref_block_bytes)),
    ...field(4, hexToBytes(ref_block_hash)),
    ...field(8, BigInt(expiration)),
    ...field(10, memo),
    ...field(11, Uint8Array.from(wrapped)),
    ...field(14, BigInt(timestamp)),
  ]);
  const value = { amount: Number(spec.amount_units), asset_name: bytesToHex(utf8(spec.token_id)), owner_address: owner, to_address: to };
  const raw_data = {
    contract: [{ parameter: { value, type_url }, type: 'TransferAssetContract' }],
    ref_block_bytes,
    ref_block_hash,
    expiration,
    timestamp,
    ...(memo.length > 0 ? { data: bytesToHex(memo) } : {}),
  };
  return { txID: bytesToHex(sha256(raw)), raw_data_hex: bytesToHex(raw), raw_data };
}

/** Signs the txID as TRON does: r || s || v with v = 27 + recovery bit. The caller wipes the key. */
export function signTronDigest(txID: string, secretKey: Uint8Array): string {
  if (!BLOCK_ID.test(txID)) throw new TypeError('txID: expected 64 lowercase hex characters');
  const recovered = secp256k1.sign(hexToBytes(txID), secretKey, { prehash: false, format: 'recovered' });
  const sig = new Uint8Array(65);
  sig.set(recovered.subarray(1), 0);
  sig[64] = 27 + (recovered[0] as number);
  return bytesToHex(sig);
}

export function withSignature(tx: UnsignedTransfer, signatureHex: string): SignedTransfer {
  if (!/^[0-9a-f]{130}$/.test(signatureHex)) throw new TypeError('signature: expected 65 bytes of hex');
  return { ...tx, visible: false, signature: [signatureHex] };
}

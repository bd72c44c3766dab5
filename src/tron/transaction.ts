// TRON transactions as the node sees them: JSON → protobuf raw_data bytes (tronweb's own encoder, as java-tron
// re-serializes the JSON it is given), txID = SHA-256 of those bytes, then the bytes decoded and the secp256k1
// signature recovered to an address that must be the contract's owner.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { utils as tronUtils } from 'tronweb';
import { bytesField, int64Field, readFields, repeatedBytes, varintField } from './protobuf.ts';

/** TRON's contract type numbers (Tron.proto, Transaction.Contract.ContractType). */
export const CONTRACT_TYPE = { TransferContract: 1, TransferAssetContract: 2 } as const;
/** A TRON signature: r (32) || s (32) || v (1). */
const SIGNATURE_BYTES = 65;
/** One owner, one signature: the node has no multi-sig permissions. */
const MAX_SIGNATURES = 1;
/** java-tron refuses larger transactions (TOO_BIG_TRANSACTION_ERROR); 500 KB there, far less needed here. */
export const MAX_RAW_DATA_BYTES = 64 * 1024;

export type HexAddress = string & { readonly __brand: 'HexAddress' };

export interface DecodedTransfer {
  readonly type: 'TransferContract' | 'TransferAssetContract';
  readonly owner: HexAddress;
  readonly to: HexAddress;
  /** '' for TRX; the TRC-10 token id as text ("1002000") for an asset transfer. */
  readonly asset: string;
  readonly amount: bigint;
  readonly ref_block_bytes: string;
  readonly ref_block_hash: string;
  readonly expiration_ms: number;
  readonly timestamp_ms: number;
}

export interface SignedTransaction {
  readonly txID: string;
  readonly raw_data_hex: string;
  readonly transfer: DecodedTransfer;
  /** The JSON as broadcast (kept to answer gettransactionbyid). */
  readonly json: Record<string, unknown>;
}

export type TxCheck = { ok: true; tx: SignedTransaction } | { ok: false; code: 'SIGERROR' | 'OTHER_ERROR' | 'TOO_BIG_TRANSACTION_ERROR'; message: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 0x41 || last 20 bytes of keccak-256 of the uncompressed public key (without 0x04). */
export function addressOfPublicKey(uncompressed: Uint8Array): HexAddress {
  const hash = keccak_256(uncompressed.subarray(1));
  return `41${bytesToHex(hash.subarray(12))}` as HexAddress;
}

function hexAddress(bytes: Uint8Array, title: string): HexAddress {
  if (bytes.length !== 21 || bytes[0] !== 0x41) throw new Error(`${title}: not a 21-byte TRON address`);
  return bytesToHex(bytes) as HexAddress;
}

/** Decodes Transaction.raw bytes; only single-contract TRX and TRC-10 transfers are supported. */
export function decodeRawData(raw: Uint8Array): DecodedTransfer {
  const fields = readFields(raw);
  const contracts = repeatedBytes(fields, 11);
  if (contracts.length !== 1) throw new Error('exactly one contract per transaction');
  const contract = readFields(contracts[0] as Uint8Array);
  const type = Number(varintField(contract, 1));
  const any = readFields(bytesField(contract, 2));
  const value = readFields(bytesField(any, 2));
  const header = {
    ref_block_bytes: bytesToHex(bytesField(fields, 1)),
    ref_block_hash: bytesToHex(bytesField(fields, 4)),
    expiration_ms: Number(int64Field(fields, 8)),
    timestamp_ms: Number(int64Field(fields, 14)),
  };
  if (type === CONTRACT_TYPE.TransferAssetContract) {
    return {
      type: 'TransferAssetContract',
      asset: new TextDecoder('utf-8', { fatal: true }).decode(bytesField(value, 1)),
      owner: hexAddress(bytesField(value, 2), 'owner_address'),
      to: hexAddress(bytesField(value, 3), 'to_address'),
      amount: int64Field(value, 4),
      ...header,
    };
  }
  if (type === CONTRACT_TYPE.TransferContract) {
    return {
      type: 'TransferContract',
      asset: '',
      owner: hexAddress(bytesField(value, 1), 'owner_address'),
      to: hexAddress(bytesField(value, 2), 'to_address'),
      amount: int64Field(value, 3),
      ...header,
    };
  }
  throw new Error(`contract type ${type} is not supported by this node`);
}

/** The raw_data bytes of a transaction JSON, encoded as java-tron does from the JSON it receives. */
export function rawDataBytes(json: Record<string, unknown>): Uint8Array {
  const pb = tronUtils.transaction.txJsonToPb(json) as { getRawData(): { serializeBinary(): Uint8Array } };
  return pb.getRawData().serializeBinary();
}

/** Recovers the signer of `txID` from a 65-byte r||s||v signature (v is 27/28 or 0/1). */
export function recoverSigner(txID: Uint8Array, signatureHex: string): HexAddress | null {
  if (!/^(0x)?[0-9a-fA-F]{130}$/.test(signatureHex)) return null;
  const sig = hexToBytes(signatureHex.replace(/^0x/, '').toLowerCase());
  if (sig.length !== SIGNATURE_BYTES) return null;
  const v = sig[64] as number;
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) return null;
  try {
    const recovered = new Uint8Array(SIGNATURE_BYTES);
    recovered[0] = recovery;
    recovered.set(sig.subarray(0, 64), 1);
    const publicKey = secp256k1.recoverPublicKey(recovered, txID, { prehash: false });
    return addressOfPublicKey(secp256k1.Point.fromBytes(publicKey).toBytes(false));
  } catch {
    return null;
  }
}

/** Parses, hashes and checks the signature of a broadcast body: the steps java-tron runs before TAPOS and balances. */
export function checkSignedTransaction(body: unknown): TxCheck {
  if (!isRecord(body) || !isRecord(body.raw_data)) return { ok: false, code: 'OTHER_ERROR', message: 'raw_data is missing' };
  // tronweb's encoder serializes the first contract only: any other would be shown but never signed or run.
  if (!Array.isArray(body.raw_data.contract) || body.raw_data.contract.length !== 1) {
    return { ok: false, code: 'OTHER_ERROR', message: 'exactly one contract per transaction' };
  }
  let raw: Uint8Array;
  let transfer: DecodedTransfer;
  try {
    raw = rawDataBytes(body);
    if (raw.length > MAX_RAW_DATA_BYTES) return { ok: false, code: 'TOO_BIG_TRANSACTION_ERROR', message: 'transaction is too big' };
    transfer = decodeRawData(raw);
  } catch (error) {
    return { ok: false, code: 'OTHER_ERROR', message: `cannot parse the transaction: ${error instanceof Error ? error.message : String(error)}` };
  }
  const txID = sha256(raw);
  const signatures = body.signature;
  if (!Array.isArray(signatures) || signatures.length === 0 || signatures.length > MAX_SIGNATURES) {
    return { ok: false, code: 'SIGERROR', message: 'Validate signature error: miss sig or contract' };
  }
  const signer = typeof signatures[0] === 'string' ? recoverSigner(txID, signatures[0]) : null;
  if (signer === null) return { ok: false, code: 'SIGERROR', message: 'Validate signature error: signature is malformed' };
  if (signer !== transfer.owner) {
    return { ok: false, code: 'SIGERROR', message: `Validate signature error: ${signer} is signed by a key that is not the owner` };
  }
  const id = bytesToHex(txID);
  // Kept and served as java-tron serves it: the transaction's own fields only, whatever else the body carried.
  const json = { visible: body.visible === true, txID: id, raw_data: body.raw_data, raw_data_hex: bytesToHex(raw), signature: signatures };
  return { ok: true, tx: { txID: id, raw_data_hex: bytesToHex(raw), transfer, json } };
}

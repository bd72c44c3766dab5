// Unsigned transfer transactions as java-tron's /wallet/transferasset and /wallet/createtransaction return them,
// and the node's own signing (for its faucet): raw_data JSON, raw_data_hex and txID from tronweb's encoder.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { TronBlock } from './chain.ts';
import { addressOfPublicKey, rawDataBytes, type HexAddress } from './transaction.ts';

/** java-tron's default: a built transaction expires 60 s after the head block it references. */
export const DEFAULT_EXPIRATION_MS = 60_000;

export interface TransferSpec {
  readonly owner: HexAddress;
  readonly to: HexAddress;
  readonly amount: bigint;
  /** TRC-10 token id for an asset transfer; absent for TRX. */
  readonly asset?: string;
}

export function buildTransfer(spec: TransferSpec, head: TronBlock): Record<string, unknown> {
  const type = spec.asset === undefined ? 'TransferContract' : 'TransferAssetContract';
  const value: Record<string, unknown> = { amount: Number(spec.amount), owner_address: spec.owner, to_address: spec.to };
  if (spec.asset !== undefined) value.asset_name = bytesToHex(new TextEncoder().encode(spec.asset));
  const tx: Record<string, unknown> = {
    visible: false,
    raw_data: {
      contract: [{ parameter: { value, type_url: `type.googleapis.com/protocol.${type}` }, type }],
      ref_block_bytes: head.id.slice(12, 16),
      ref_block_hash: head.id.slice(16, 32),
      expiration: head.timestamp_ms + DEFAULT_EXPIRATION_MS,
      timestamp: head.timestamp_ms,
    },
  };
  const raw = rawDataBytes(tx);
  return { ...tx, txID: bytesToHex(sha256(raw)), raw_data_hex: bytesToHex(raw) };
}

/** Signs txID with a secp256k1 key as TRON does: r || s || v (v = 27 + recovery bit). */
export function signTransfer(tx: Record<string, unknown>, secretKey: Uint8Array): Record<string, unknown> {
  const digest = hexToBytes(String(tx.txID));
  const recovered = secp256k1.sign(digest, secretKey, { prehash: false, format: 'recovered' });
  const sig = new Uint8Array(65);
  sig.set(recovered.subarray(1), 0);
  sig[64] = 27 + (recovered[0] as number);
  return { ...tx, signature: [bytesToHex(sig)] };
}

export function addressOfSecret(secretKey: Uint8Array): HexAddress {
  return addressOfPublicKey(secp256k1.getPublicKey(secretKey, false));
}

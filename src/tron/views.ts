// java-tron's JSON shapes for blocks, transactions, receipts and accounts (protobuf JSON: zero fields omitted,
// int64 as numbers, addresses as hex unless the request asked for `visible`).
import { TronWeb } from 'tronweb';
import type { TronBlock } from './chain.ts';
import type { TronAccount } from './ledger-state.ts';
import type { HexAddress, SignedTransaction } from './transaction.ts';

type Json = Record<string, unknown>;

/** Bandwidth a transaction uses: its bytes plus the signature and result overhead (java-tron counts similarly). */
const SIGNATURE_AND_RESULT_BYTES = 65 + 64;

export const showAddress = (hex: HexAddress, visible: boolean): string => (visible ? TronWeb.address.fromHex(hex) : hex);

export function transactionView(tx: SignedTransaction, included: boolean): Json {
  return { ...tx.json, ...(included ? { ret: [{ contractRet: 'SUCCESS' }] } : {}) };
}

export function blockView(block: TronBlock, visible: boolean, witness: HexAddress): Json {
  const raw: Json = {
    number: block.number,
    txTrieRoot: '0'.repeat(64),
    witness_address: showAddress(witness, visible),
    parentHash: block.parent_id,
    version: 30,
    timestamp: block.timestamp_ms,
  };
  if (block.number === 0) delete raw.number;
  return {
    blockID: block.id,
    block_header: { raw_data: raw, witness_signature: '' },
    ...(block.txs.length > 0 ? { transactions: block.txs.map((tx) => transactionView(tx, true)) } : {}),
  };
}

export function receiptView(tx: SignedTransaction, block: TronBlock, fee_sun: bigint): Json {
  return {
    id: tx.txID,
    ...(fee_sun > 0n ? { fee: Number(fee_sun) } : {}),
    blockNumber: block.number,
    blockTimeStamp: block.timestamp_ms,
    contractResult: [''],
    receipt: { net_usage: tx.raw_data_hex.length / 2 + SIGNATURE_AND_RESULT_BYTES },
  };
}

export function accountView(address: HexAddress, account: TronAccount, visible: boolean): Json {
  const assets = [...account.assets.entries()].map(([key, value]) => ({ key, value: Number(value) }));
  return {
    address: showAddress(address, visible),
    ...(account.balance_sun > 0n ? { balance: Number(account.balance_sun) } : {}),
    create_time: account.create_time_ms,
    ...(assets.length > 0 ? { assetV2: assets } : {}),
  };
}

// The exchange's view of TRON, through tronweb only (unmodified), so the same code runs against the loopback node
// and a real java-tron full node (TRON_FULLNODE_URL). Reads blocks and receipts, signs and broadcasts payments from
// the hot wallet. Transfers are read from the node's JSON: the exchange trusts its own full node, as any exchange does.
import { TronWeb } from 'tronweb';

/** BTT's TRC-10 token id on TRON main net. */
export const BTT_TOKEN_ID = '1002000';

export interface ChainTransfer {
  readonly tx_id: string;
  readonly owner_hex: string;
  readonly to_hex: string;
  readonly amount: bigint;
  /** UTF-8 memo (raw_data.data), or null. */
  readonly memo: string | null;
}

export interface BlockRef {
  readonly number: number;
  readonly timestamp_ms: number;
}

export interface SignedPayment {
  readonly tx_id: string;
  readonly json: string;
  readonly expiration_ms: number;
}

export type BroadcastOutcome = { readonly ok: true } | { readonly ok: false; readonly code: string; readonly message: string };

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const hexUtf8 = (hex: unknown) => (typeof hex === 'string' && hex.length > 0 ? Buffer.from(hex, 'hex').toString('utf8') : null);

/** A successful TRC-10 BTT transfer in a block, or null for anything else. */
export function btt(tx: unknown): ChainTransfer | null {
  if (!isRecord(tx) || !isRecord(tx.raw_data)) return null;
  const contract = (tx.raw_data.contract as unknown[] | undefined)?.[0];
  if (!isRecord(contract) || contract.type !== 'TransferAssetContract' || !isRecord(contract.parameter)) return null;
  const value = contract.parameter.value;
  if (!isRecord(value)) return null;
  const ret = (tx.ret as Array<{ contractRet?: string }> | undefined)?.[0]?.contractRet;
  if (ret !== undefined && ret !== 'SUCCESS') return null;
  const asset = tx.visible === true ? value.asset_name : hexUtf8(value.asset_name);
  if (asset !== BTT_TOKEN_ID || typeof value.amount !== 'number' || typeof tx.txID !== 'string') return null;
  const hex = (a: unknown) => (typeof a === 'string' ? (tx.visible === true ? TronWeb.address.toHex(a) : a).toLowerCase() : '');
  return { tx_id: tx.txID, owner_hex: hex(value.owner_address), to_hex: hex(value.to_address), amount: BigInt(value.amount), memo: hexUtf8(tx.raw_data.data) };
}

export class TronClient {
  readonly #tronWeb: TronWeb;
  readonly hot_hex: string;
  readonly hot_base58: string;

  constructor(fullNodeUrl: string, hotSecretHex: string) {
    this.#tronWeb = new TronWeb({ fullHost: fullNodeUrl, privateKey: hotSecretHex });
    this.hot_base58 = TronWeb.address.fromPrivateKey(hotSecretHex) as string;
    this.hot_hex = TronWeb.address.toHex(this.hot_base58).toLowerCase();
  }

  static #ref(block: unknown): BlockRef {
    const raw = isRecord(block) && isRecord(block.block_header) && isRecord(block.block_header.raw_data) ? block.block_header.raw_data : {};
    return { number: Number(raw.number ?? 0), timestamp_ms: Number(raw.timestamp ?? 0) };
  }

  async head(): Promise<BlockRef> {
    return TronClient.#ref(await this.#tronWeb.trx.getCurrentBlock());
  }

  async solidHead(): Promise<BlockRef> {
    return TronClient.#ref(await this.#tronWeb.trx.getConfirmedCurrentBlock());
  }

  /** The BTT transfers to the hot wallet in block `number`. */
  async depositsIn(number: number): Promise<ChainTransfer[]> {
    const block = await this.#tronWeb.trx.getBlockByNumber(number);
    const txs = (block as { transactions?: unknown[] }).transactions ?? [];
    return txs.map(btt).filter((t): t is ChainTransfer => t !== null && t.to_hex === this.hot_hex);
  }

  /** A transaction by id from the node (in a block or its pool), parsed if it is a BTT transfer. */
  async transfer(tx_id: string): Promise<{ found: boolean; transfer: ChainTransfer | null }> {
    const tx = await this.#tronWeb.trx.getTransaction(tx_id).catch(() => null);
    return { found: tx !== null, transfer: tx === null ? null : btt(tx) };
  }

  /** The block holding `tx_id` on the current chain (head view or solidified view), or null. */
  async blockOf(tx_id: string, solid: boolean): Promise<number | null> {
    const info = (solid ? await this.#tronWeb.trx.getTransactionInfo(tx_id) : await this.#tronWeb.trx.getUnconfirmedTransactionInfo(tx_id)) as { blockNumber?: number };
    return typeof info.blockNumber === 'number' ? info.blockNumber : null;
  }

  async inPool(tx_id: string): Promise<boolean> {
    return (await this.transfer(tx_id)).found;
  }

  /**
   * Builds and signs a BTT payment from the hot wallet (not broadcast: the caller stores it first). The memo makes
   * every payment a distinct transaction: two equal withdrawals to one address in one block would otherwise share a
   * txID, and one payment would settle both.
   */
  async signPayment(to_hex: string, amount: bigint, memo: string): Promise<SignedPayment> {
    const unsigned = await this.#tronWeb.transactionBuilder.sendToken(TronWeb.address.fromHex(to_hex), Number(amount), BTT_TOKEN_ID, this.hot_base58);
    const withMemo = await this.#tronWeb.transactionBuilder.addUpdateData(unsigned, memo, 'utf8', { txLocal: true });
    const signed = await this.#tronWeb.trx.sign(withMemo);
    return { tx_id: signed.txID, json: JSON.stringify(signed), expiration_ms: signed.raw_data.expiration };
  }

  async broadcast(json: string): Promise<BroadcastOutcome> {
    const result = (await this.#tronWeb.trx.sendRawTransaction(JSON.parse(json))) as { result?: boolean; code?: string; message?: string };
    if (result.result === true) return { ok: true };
    return { ok: false, code: String(result.code ?? 'OTHER_ERROR'), message: hexUtf8(result.message) ?? '' };
  }

  /** The hot wallet's BTT at the chain head. */
  async hotHoldings(): Promise<bigint> {
    const account = (await this.#tronWeb.trx.getUnconfirmedAccount(this.hot_base58)) as { assetV2?: Array<{ key: string; value: number }> };
    return BigInt(account.assetV2?.find((a) => a.key === BTT_TOKEN_ID)?.value ?? 0);
  }
}

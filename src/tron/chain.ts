// The local TRON chain: blocks every block_ms on a clock passed in, a pending pool, TAPOS and expiration checks,
// solidification after SOLIDIFY_CONFIRMATIONS blocks, and the test controls (drop a pending transaction, re-organise
// unsolidified blocks). Deterministic: time comes from the caller; a block id is a hash of its contents.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { applyTransfer, assetSupply, BTT_TOKEN_ID, cloneState, validateTransfer, type TransferVerdict, type TronAccount, type WorldState } from './ledger-state.ts';
import { checkSignedTransaction, type DecodedTransfer, type HexAddress, type SignedTransaction } from './transaction.ts';

/** TRON's block interval. */
export const DEFAULT_BLOCK_MS = 3_000;
/** A block is solidified (irreversible) once this many blocks follow it: TRON's 19 of 27 witnesses. */
export const SOLIDIFY_CONFIRMATIONS = 19;
/** java-tron refuses an expiration more than a day past the head block. */
export const MAX_EXPIRATION_AHEAD_MS = 24 * 60 * 60 * 1_000;
/** ref_block_bytes carries the low 16 bits of the block number, so a reference reaches back 65,536 blocks. */
export const TAPOS_WINDOW_BLOCKS = 65_536;
/** Transactions waiting for a block: a full pool answers SERVER_BUSY, as java-tron does. */
export const MAX_PENDING_TRANSACTIONS = 10_000;
/** A clock that jumped ahead produces at most this many blocks at once; the skipped slots stay empty (missed). */
export const MAX_CATCH_UP_BLOCKS = 64;

export type BroadcastCode =
  | 'SUCCESS'
  | 'SIGERROR'
  | 'CONTRACT_VALIDATE_ERROR'
  | 'DUP_TRANSACTION_ERROR'
  | 'TAPOS_ERROR'
  | 'TOO_BIG_TRANSACTION_ERROR'
  | 'TRANSACTION_EXPIRATION_ERROR'
  | 'SERVER_BUSY'
  | 'OTHER_ERROR';

export interface BroadcastResult {
  readonly result: boolean;
  readonly code: BroadcastCode;
  readonly txid: string;
  /** Plain text; the HTTP layer hex-encodes it as java-tron does. */
  readonly message: string;
}

export interface TronBlock {
  readonly number: number;
  readonly id: string;
  readonly parent_id: string;
  readonly timestamp_ms: number;
  readonly txs: readonly SignedTransaction[];
  readonly fees_sun: readonly bigint[];
}

export interface ChainOptions {
  readonly genesis_ms: number;
  readonly block_ms?: number;
  /** Accounts funded in block 0 (the faucet's among them). */
  readonly allocations: ReadonlyArray<{ address: HexAddress; trx_sun: bigint; btt: bigint }>;
  /** Called once for each block as it becomes irreversible (persist.ts keeps the local chain across restarts). */
  readonly onSolidified?: (block: TronBlock) => void;
}

/** A solidified block as kept on disk: its place in the chain and its transactions (empty blocks are not kept). */
export interface StoredBlock {
  readonly number: number;
  readonly timestamp_ms: number;
  readonly txs: readonly Record<string, unknown>[];
}

export class TronChain {
  readonly block_ms: number;
  readonly #blocks: TronBlock[] = [];
  readonly #pending = new Map<string, SignedTransaction>();
  /** Where each canonical transaction sits. */
  readonly #txBlock = new Map<string, { block: number; index: number }>();
  #solidState: WorldState;
  #headState: WorldState;
  #forks = 0;
  #solidifiedUpTo = 0;
  readonly #btt_supply: bigint;
  readonly #onSolidified: ((block: TronBlock) => void) | undefined;
  /** While replaying stored blocks: their reference blocks had other ids, and they are already on disk. */
  #restoring = false;

  constructor(options: ChainOptions) {
    this.#onSolidified = options.onSolidified;
    this.block_ms = options.block_ms ?? DEFAULT_BLOCK_MS;
    if (!Number.isSafeInteger(this.block_ms) || this.block_ms < 1) throw new RangeError('block_ms must be a positive integer');
    const state: WorldState = new Map();
    for (const a of options.allocations) {
      state.set(a.address, { balance_sun: a.trx_sun, assets: new Map([[BTT_TOKEN_ID, a.btt]]), create_time_ms: options.genesis_ms });
    }
    this.#solidState = state;
    this.#headState = cloneState(state);
    this.#btt_supply = assetSupply(state, BTT_TOKEN_ID);
    this.#blocks.push(this.#seal(0, '0'.repeat(64), options.genesis_ms, [], []));
  }

  get head(): TronBlock {
    return this.#blocks[this.#blocks.length - 1] as TronBlock;
  }

  /** The newest irreversible block: it only ever moves forward, re-orgs included. */
  get solidNumber(): number {
    return this.#solidifiedUpTo;
  }

  block(number: number): TronBlock | undefined {
    return this.#blocks[number];
  }

  account(address: HexAddress, solid = false): TronAccount | undefined {
    return (solid ? this.#solidState : this.#headState).get(address);
  }

  pending(txid: string): SignedTransaction | undefined {
    return this.#pending.get(txid);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Where a transaction is: in a canonical block (with its confirmations) or in the pool. */
  locate(txid: string): { tx: SignedTransaction; block: TronBlock; fee_sun: bigint } | undefined {
    const at = this.#txBlock.get(txid);
    if (!at) return undefined;
    const block = this.#blocks[at.block] as TronBlock;
    return { tx: block.txs[at.index] as SignedTransaction, block, fee_sun: block.fees_sun[at.index] as bigint };
  }

  /** Validation as java-tron runs it on broadcast; a transaction that passes waits in the pool for the next block. */
  broadcast(body: unknown): BroadcastResult {
    const parsed = checkSignedTransaction(body);
    if (!parsed.ok) return { result: false, code: parsed.code, txid: '', message: parsed.message };
    const tx = parsed.tx;
    const fail = (code: BroadcastCode, message: string): BroadcastResult => ({ result: false, code, txid: tx.txID, message });
    if (this.#pending.has(tx.txID) || this.#txBlock.has(tx.txID)) return fail('DUP_TRANSACTION_ERROR', 'Dup transaction.');
    const tapos = this.#taposProblem(tx);
    if (tapos) return fail('TAPOS_ERROR', tapos);
    const expiry = this.#expiryProblem(tx, this.head.timestamp_ms);
    if (expiry) return fail('TRANSACTION_EXPIRATION_ERROR', expiry);
    if (this.#pending.size >= MAX_PENDING_TRANSACTIONS) return fail('SERVER_BUSY', 'Server busy.');
    // Judged against the head state with the pool applied: two pending spends of one balance cannot both pass.
    const verdict = validateTransfer(this.#stateWithPending(), tx.transfer);
    if (!verdict.ok) return fail('CONTRACT_VALIDATE_ERROR', `Contract validate error : ${verdict.message}`);
    this.#pending.set(tx.txID, tx);
    return { result: true, code: 'SUCCESS', txid: tx.txID, message: '' };
  }

  /** Would this transfer pass the contract checks now (head state with the pool applied)? */
  validate(transfer: DecodedTransfer): TransferVerdict {
    return validateTransfer(this.#stateWithPending(), transfer);
  }

  #stateWithPending(): WorldState {
    const state = cloneState(this.#headState);
    for (const tx of this.#pending.values()) {
      const verdict = validateTransfer(state, tx.transfer);
      if (verdict.ok) applyTransfer(state, tx.transfer, verdict.fee_sun, this.head.timestamp_ms);
    }
    return state;
  }

  /** ref_block_bytes names a recent block by its number's low 16 bits; ref_block_hash must be bytes 8..16 of its id. */
  #taposProblem(tx: SignedTransaction): string | null {
    const { ref_block_bytes, ref_block_hash } = tx.transfer;
    if (ref_block_bytes.length !== 4 || ref_block_hash.length !== 16) return 'Tapos check error: ref block fields are malformed';
    const low = Number.parseInt(ref_block_bytes, 16);
    const headNumber = this.head.number;
    const number = headNumber - ((headNumber - low) & 0xffff);
    if (number < 0 || headNumber - number >= TAPOS_WINDOW_BLOCKS) return `Tapos check error: no block ${ref_block_bytes}`;
    const block = this.#blocks[number];
    if (!block || block.id.slice(16, 32) !== ref_block_hash) return 'Tapos check error: the referenced block is not on this chain';
    return null;
  }

  #expiryProblem(tx: SignedTransaction, now_ms: number): string | null {
    if (tx.transfer.expiration_ms <= now_ms) return `Transaction expired: expiration ${tx.transfer.expiration_ms} is not after ${now_ms}`;
    if (tx.transfer.expiration_ms > now_ms + MAX_EXPIRATION_AHEAD_MS) return 'Transaction expiration is too far in the future';
    return null;
  }

  /** Produces every block due by `now_ms` (at most MAX_CATCH_UP_BLOCKS); returns how many. */
  advanceTo(now_ms: number): number {
    let made = 0;
    let next = this.head.timestamp_ms + this.block_ms;
    if (now_ms - next >= MAX_CATCH_UP_BLOCKS * this.block_ms) {
      next += Math.floor((now_ms - next) / this.block_ms - MAX_CATCH_UP_BLOCKS + 1) * this.block_ms;
    }
    while (next <= now_ms && made < MAX_CATCH_UP_BLOCKS) {
      this.produceBlock(next);
      next += this.block_ms;
      made++;
    }
    return made;
  }

  /** One block at `timestamp_ms` (default: the next slot) holding every pending transaction still valid then. */
  produceBlock(timestamp_ms = this.head.timestamp_ms + this.block_ms): TronBlock {
    if (timestamp_ms <= this.head.timestamp_ms) throw new RangeError('block time must move forward');
    const txs: SignedTransaction[] = [];
    const fees: bigint[] = [];
    for (const tx of this.#pending.values()) {
      this.#pending.delete(tx.txID);
      if (this.#expiryProblem(tx, timestamp_ms) || (!this.#restoring && this.#taposProblem(tx))) continue; // expired or forked away: dropped
      const verdict = validateTransfer(this.#headState, tx.transfer);
      if (!verdict.ok) continue;
      applyTransfer(this.#headState, tx.transfer, verdict.fee_sun, timestamp_ms);
      txs.push(tx);
      fees.push(verdict.fee_sun);
    }
    const block = this.#seal(this.head.number + 1, this.head.id, timestamp_ms, txs, fees);
    this.#blocks.push(block);
    txs.forEach((tx, index) => this.#txBlock.set(tx.txID, { block: block.number, index }));
    this.#solidify();
    this.#checkSupply();
    return block;
  }

  /** Applies newly solidified blocks to the solid state (kept so re-orgs can rebuild the head from it). */
  #solidify(): void {
    while (this.#solidifiedUpTo < this.head.number - SOLIDIFY_CONFIRMATIONS) {
      this.#solidifiedUpTo++;
      const block = this.#blocks[this.#solidifiedUpTo] as TronBlock;
      block.txs.forEach((tx, i) => applyTransfer(this.#solidState, tx.transfer, block.fees_sun[i] as bigint, block.timestamp_ms));
      if (!this.#restoring) this.#onSolidified?.(block);
    }
  }

  /**
   * Rebuilds the solidified chain of an earlier run: the kept blocks at their numbers and times, empty blocks between
   * them, up to `solid` (the newest irreversible block then). Each transaction is checked again as it is replayed.
   */
  restore(blocks: readonly StoredBlock[], solid: { number: number; timestamp_ms: number }): void {
    if (this.head.number !== 0) throw new Error('restore runs on a new chain');
    this.#restoring = true;
    const fill = (number: number, timestamp_ms: number, txs: readonly Record<string, unknown>[]) => {
      const from = this.head;
      for (let n = from.number + 1; n < number; n++) {
        this.produceBlock(from.timestamp_ms + Math.floor(((timestamp_ms - from.timestamp_ms) * (n - from.number)) / (number - from.number)));
      }
      for (const json of txs) {
        const parsed = checkSignedTransaction(json);
        if (!parsed.ok) throw new Error(`stored block ${number}: ${parsed.message}`);
        this.#pending.set(parsed.tx.txID, parsed.tx);
      }
      const block = this.produceBlock(timestamp_ms);
      if (block.txs.length !== txs.length) throw new Error(`stored block ${number}: a transaction no longer applies`);
    };
    for (const b of blocks) fill(b.number, b.timestamp_ms, b.txs);
    if (solid.number > this.head.number) fill(solid.number, solid.timestamp_ms, []);
    // Everything replayed is irreversible: solidify it now rather than after 19 more blocks.
    while (this.#solidifiedUpTo < this.head.number) {
      this.#solidifiedUpTo++;
      const block = this.#blocks[this.#solidifiedUpTo] as TronBlock;
      block.txs.forEach((tx, i) => applyTransfer(this.#solidState, tx.transfer, block.fees_sun[i] as bigint, block.timestamp_ms));
    }
    this.#restoring = false;
  }

  #checkSupply(): void {
    if (assetSupply(this.#headState, BTT_TOKEN_ID) !== this.#btt_supply) throw new Error('BTT supply changed on the local chain');
  }

  /** Test control: removes a transaction from the pool before any block takes it. */
  drop(txid: string): boolean {
    return this.#pending.delete(txid);
  }

  /**
   * Test control: the last `depth` blocks (never a solidified one) are replaced by `depth + 1` blocks of another
   * fork at the same slots. Their transactions go back to the pool (`requeue`) or vanish; returns the orphaned ids.
   */
  reorg(depth: number, requeue: boolean): string[] {
    if (!Number.isSafeInteger(depth) || depth < 1) throw new RangeError('depth must be a positive integer');
    if (depth > this.head.number - this.#solidifiedUpTo) throw new RangeError('cannot re-organise solidified blocks');
    const orphaned = this.#blocks.splice(this.#blocks.length - depth, depth);
    const ids: string[] = [];
    for (const block of orphaned) {
      for (const tx of block.txs) {
        this.#txBlock.delete(tx.txID);
        ids.push(tx.txID);
        if (requeue) this.#pending.set(tx.txID, tx);
      }
    }
    this.#headState = cloneState(this.#solidState);
    for (const block of this.#blocks.slice(this.#solidifiedUpTo + 1)) {
      block.txs.forEach((tx, i) => applyTransfer(this.#headState, tx.transfer, block.fees_sun[i] as bigint, block.timestamp_ms));
    }
    this.#forks++;
    const first = orphaned[0] as TronBlock;
    for (let i = 0; i <= depth; i++) this.produceBlock(first.timestamp_ms + i * this.block_ms);
    return ids;
  }

  /** Block id: 8 bytes of the number, then 24 bytes of a hash over parent, time, transactions and fork. */
  #seal(number: number, parent_id: string, timestamp_ms: number, txs: SignedTransaction[], fees_sun: bigint[]): TronBlock {
    const digest = bytesToHex(sha256(new TextEncoder().encode(`${parent_id}|${number}|${timestamp_ms}|${this.#forks}|${txs.map((t) => t.txID).join(',')}`)));
    const id = number.toString(16).padStart(16, '0') + digest.slice(16);
    return { number, id, parent_id, timestamp_ms, txs, fees_sun };
  }
}

// Keeps the local test chain across `npm start` restarts: every solidified block with transactions is appended to
// a JSON-lines file, and the newest solidified block's number and time are rewritten beside it, before anyone can
// read that block as solid. Unsolidified blocks are not kept: after a restart they are gone, as after a re-org.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredBlock, TronBlock } from './chain.ts';

export const BLOCKS_FILE = 'tron-blocks.jsonl';
export const HEAD_FILE = 'tron-head.json';

export interface StoredChain {
  readonly genesis_ms: number;
  readonly block_ms: number;
  readonly solid: { number: number; timestamp_ms: number };
  readonly blocks: StoredBlock[];
}

export function loadChain(dir: string): StoredChain | null {
  const headFile = join(dir, HEAD_FILE);
  if (!existsSync(headFile)) return null;
  const head = JSON.parse(readFileSync(headFile, 'utf8')) as Omit<StoredChain, 'blocks'>;
  const blocksFile = join(dir, BLOCKS_FILE);
  const lines = existsSync(blocksFile) ? readFileSync(blocksFile, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
  // A line cut short by a crash is the last one and was never reported solid by the head file: drop what is past it.
  const blocks: StoredBlock[] = [];
  for (const line of lines) {
    try {
      const block = JSON.parse(line) as StoredBlock;
      if (block.number <= head.solid.number) blocks.push(block);
    } catch {
      break;
    }
  }
  return { ...head, blocks };
}

/** The callback for TronChain's onSolidified: block first, then the head that vouches for it. */
export function chainWriter(dir: string, genesis_ms: number, block_ms: number): (block: TronBlock) => void {
  const headFile = join(dir, HEAD_FILE);
  return (block) => {
    if (block.txs.length > 0) {
      const stored: StoredBlock = { number: block.number, timestamp_ms: block.timestamp_ms, txs: block.txs.map((tx) => tx.json) };
      appendFileSync(join(dir, BLOCKS_FILE), `${JSON.stringify(stored)}\n`);
    }
    writeFileSync(`${headFile}.tmp`, JSON.stringify({ genesis_ms, block_ms, solid: { number: block.number, timestamp_ms: block.timestamp_ms } }));
    renameSync(`${headFile}.tmp`, headFile);
  };
}

// Which swarm shard owns an info hash: rendezvous (highest-random-weight) hashing over the shards alive now. When a
// shard dies only its info hashes move (each to the next-best shard), and they come back when it returns; every
// gateway computes the same owner from the same shard set, with no coordination.
import { createHash } from 'node:crypto';

function weight(shard: string, info_hash: string): number {
  // 48 bits of SHA-256 fit a double exactly; ties are as likely as a SHA-256 collision on those bits.
  return createHash('sha256').update(`${shard}/${info_hash}`).digest().readUIntBE(0, 6);
}

/** The owner among `shards` (order does not matter), or null when there is none. */
export function ownerOf(info_hash: string, shards: readonly string[]): string | null {
  let best: string | null = null;
  let bestWeight = -1;
  for (const shard of shards) {
    const w = weight(shard, info_hash);
    if (w > bestWeight || (w === bestWeight && best !== null && shard < best)) {
      best = shard;
      bestWeight = w;
    }
  }
  return best;
}

// The journal bench's dedicated worker (bundled by journal.bench.ts): times PeerStorage.saveChannel — the call a
// payment awaits before it is sent — for a real payer state, once with the OPFS journal and once with IndexedDB.
import { payerToJson } from '../../../src/protocol/channel-payer-json.ts';
import { createPayer } from '../../../src/protocol/channel-payer.ts';
import type { PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import { withPiece } from '../../../src/protocol/piece-set.ts';
import { namespaceDir } from '../../../src/peer/opfs-store.ts';
import { PeerStorage } from '../../../src/peer/persist.ts';

export interface JournalBenchRequest {
  saves: number;
  piece_count: number;
}

export interface JournalBenchReply {
  journal_ms: number[];
  indexeddb_ms: number[];
  record_chars: number;
  where: string;
  cross_origin_isolated: boolean;
}

async function time(storage: PeerStorage, request: JournalBenchRequest): Promise<{ ms: number[]; chars: number }> {
  let state = createPayer('ab'.repeat(32) as PublicKeyHex, 1024 * 1024, request.piece_count);
  const ms: number[] = [];
  let chars = 0;
  for (let i = 0; i < request.saves; i++) {
    // Each save carries one more paid piece, as a payment does.
    state = { ...state, paid_pieces: withPiece(state.paid_pieces, i % request.piece_count) };
    const started = performance.now();
    const json = payerToJson(state);
    await storage.saveChannel(`payer:${'c'.repeat(40)}:${'ab'.repeat(32)}`, json);
    ms.push(performance.now() - started);
    if (i === 0) chars = JSON.stringify(json).length;
  }
  return { ms, chars };
}

self.onmessage = async (event: MessageEvent<JournalBenchRequest>) => {
  const journal = new PeerStorage('journal-bench-opfs');
  const where = await journal.openJournal(await namespaceDir('journal-bench-opfs'));
  const j = await time(journal, event.data);
  journal.closeJournal();
  const i = await time(new PeerStorage('journal-bench-idb'), event.data);
  const reply: JournalBenchReply = { journal_ms: j.ms, indexeddb_ms: i.ms, record_chars: j.chars, where, cross_origin_isolated: self.crossOriginIsolated };
  self.postMessage(reply);
};

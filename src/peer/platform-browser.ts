// The peer engine's platform in the browser worker: one peer per namespace (Web Locks), records in IndexedDB with
// channel states in the OPFS journal where sync handles exist, pieces in OPFS, and a webtorrent client with its
// tracker, DHT and LSD off — the UI thread signals and hands over each datachannel (engine.attach).
import { deleteStoredPieces, namespaceDir, opfsChunkStore } from './opfs-store.ts';
import { lockNamespace, PeerStorage } from './persist.ts';
import type { PeerPlatform } from './platform.ts';
import { WebTorrent, type ChunkStoreConstructor } from './webtorrent.ts';

export function browserPlatform(): PeerPlatform {
  let store: ChunkStoreConstructor | null = null;
  return {
    async open(namespace) {
      await lockNamespace(namespace);
      const storage = new PeerStorage(namespace);
      const channels = await namespaceDir(namespace).then((dir) => storage.openJournal(dir)).catch(() => 'indexeddb');
      store = opfsChunkStore(namespace);
      return { storage, note: `channel records in ${channels}` };
    },
    addOptions() {
      if (!store) throw new Error('platform not open');
      // Reads from OPFS sync handles are cheap; webtorrent's in-memory piece cache would only cost heap.
      return { store, storeCacheSlots: 0 };
    },
    createClient: () => new WebTorrent({ tracker: false, dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false }),
    deletePieces: deleteStoredPieces,
  };
}

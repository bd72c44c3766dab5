// Saves a torrent's record as it changes: the verified-pieces bitfield a reload may trust and the money record
// (torrent-money.ts). Changes while downloading are coalesced into one IndexedDB write per SAVE_DELAY_MS; a change of
// money, or the download finishing, is saved at once.
import type { PeerStore } from './persist.ts';
import { resumableBitfield, resumableMoney, type ManagedTorrent } from './torrent-view.ts';

/** Bitfield and money are saved at most this often while they change (at once when money moves or the torrent is done). */
export const SAVE_DELAY_MS = 500;

export class TorrentSaver {
  readonly #storage: () => PeerStore | null;

  constructor(storage: () => PeerStore | null) {
    this.#storage = storage;
  }

  /** Saves within `delay_ms`; an earlier save already due stays, a sooner one replaces a later one. */
  schedule(managed: ManagedTorrent, delay_ms: number): void {
    if (managed.saveTimer) {
      if (delay_ms > 0) return;
      clearTimeout(managed.saveTimer);
    }
    managed.saveTimer = setTimeout(() => {
      managed.saveTimer = null;
      if (managed.torrent.destroyed) return;
      void this.#storage()?.updateTorrent(managed.torrent.infoHash, { bitfield: resumableBitfield(managed), money: resumableMoney(managed) });
    }, delay_ms);
  }

  /** Saves at once (a stop): a save still pending is replaced by this one. */
  async saveNow(managed: ManagedTorrent): Promise<void> {
    this.cancel(managed);
    await this.#storage()?.updateTorrent(managed.torrent.infoHash, { bitfield: resumableBitfield(managed), money: resumableMoney(managed) });
  }

  cancel(managed: ManagedTorrent): void {
    if (managed.saveTimer) clearTimeout(managed.saveTimer);
    managed.saveTimer = null;
  }
}

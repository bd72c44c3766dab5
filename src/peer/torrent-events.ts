// What the engine tells the UI about its torrents and when: a status and the peers of every ready torrent each
// tick, `torrent.done` once, warnings and errors as they come; and what a torrent's events change in its record
// (a verified download counts in its money record and schedules a save). Only pieces whose data came from a peer
// count as downloaded: pieces a shared file or a resumed store verifies were there already.
import type { PeerEvent } from './rpc-schema.ts';
import type { Wire } from './wire.ts';
import { SAVE_DELAY_MS, type TorrentSaver } from './torrent-saver.ts';
import { torrentPeers, torrentStatus, type ManagedTorrent } from './torrent-view.ts';

export class TorrentEvents {
  readonly #emit: (event: PeerEvent) => void;
  readonly #saver: TorrentSaver;

  constructor(emit: (event: PeerEvent) => void, saver: TorrentSaver) {
    this.#emit = emit;
    this.#saver = saver;
  }

  /** Listens to one torrent for as long as it lives. */
  watch(managed: ManagedTorrent): void {
    const { torrent } = managed;
    // Pieces with blocks from a peer since they were last verified (or failed): bounded by the torrent's piece count.
    const fetched = new Set<number>();
    const onWire = (wire: Wire) => wire.on('piece', ((index: number) => fetched.add(index)) as (...args: never[]) => void);
    for (const wire of torrent.wires) onWire(wire);
    torrent.on('wire', onWire);
    torrent.on('verified', (index: number) => {
      if (fetched.delete(index)) managed.money.downloaded(index === torrent.pieces.length - 1 ? torrent.lastPieceLength : torrent.pieceLength);
      this.#saver.schedule(managed, SAVE_DELAY_MS);
    });
    torrent.on('done', () => {
      this.#saver.schedule(managed, 0);
      if (!torrent.ready) return;
      this.#emit({ type: 'torrent.status', status: torrentStatus(managed) });
      this.#reportDone(managed);
    });
    torrent.on('warning', (warning) => this.#emit({ type: 'log', level: 'warn', message: `${torrent.infoHash.slice(0, 8)}: ${String(warning)}`.slice(0, 4000) }));
    torrent.on('error', (error) => {
      this.#emit({ type: 'torrent.error', info_hash: torrent.infoHash, message: String(error).slice(0, 2000) });
    });
  }

  /** The status tick: every ready torrent's status and peers. */
  report(torrents: Iterable<ManagedTorrent>): void {
    for (const managed of torrents) {
      if (managed.torrent.destroyed || !managed.torrent.ready) continue;
      const status = torrentStatus(managed);
      this.#emit({ type: 'torrent.status', status });
      this.#emit({ type: 'peers', info_hash: status.info_hash, peers: torrentPeers(managed) });
      if (status.done) this.#reportDone(managed);
    }
  }

  /** `torrent.done` goes out once per torrent, from whichever sees it first: webtorrent's event or the status tick. */
  #reportDone(managed: ManagedTorrent): void {
    if (managed.reportedDone) return;
    managed.reportedDone = true;
    this.#emit({ type: 'torrent.done', info_hash: managed.torrent.infoHash });
  }
}

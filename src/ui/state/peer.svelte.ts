// The torrents as the screens see them: the peer's latest snapshot, the open torrent's detail (polled only while
// it is on screen), and the commands, each turned into a message a person can act on when it fails.
import { MAX_TORRENT_FILE_BYTES } from '../../peer/client.ts';
import type { InfoHash, PaymentKeyHandle, PeerApi, PeerSettings, PeerSnapshot, PeerStatus, TorrentDetail, TorrentSummary } from '../peer/peer-api.ts';
import { plainTorrentError, torrentFileProblem } from '../lib/torrent-file.ts';
import { metrics } from './metrics.svelte.ts';
import { torrentRates } from './torrent-rates.svelte.ts';

/** Detail (peers, pieces) is heavier than the list; once a second is as fast as a person reads a table. */
export const DETAIL_REFRESH_MS = 1_000;
/** A magnet link is short; one longer than this is not a link someone pasted. */
export const MAX_MAGNET_CHARS = 8_192;

class PeerState {
  #status = $state<PeerStatus>({ state: 'starting' });
  #snapshot = $state<PeerSnapshot>({ torrents: [], down_bytes_per_s: 0, up_bytes_per_s: 0 });
  #detail = $state<TorrentDetail | null>(null);
  #notice = $state<{ kind: 'error' | 'info'; text: string } | null>(null);
  #api: PeerApi | null = null;
  #detailTimer: ReturnType<typeof setInterval> | null = null;

  get status(): PeerStatus {
    return this.#status;
  }
  get torrents(): readonly TorrentSummary[] {
    return this.#snapshot.torrents;
  }
  get snapshot(): PeerSnapshot {
    return this.#snapshot;
  }
  get detail(): TorrentDetail | null {
    return this.#detail;
  }
  get notice(): { kind: 'error' | 'info'; text: string } | null {
    return this.#notice;
  }
  get ready(): boolean {
    return this.#status.state === 'ready' && this.#api !== null;
  }

  async start(api: PeerApi | null): Promise<void> {
    this.#api = api;
    if (!api) {
      this.#status = { state: 'unavailable', reason: 'The torrent engine is not part of this build yet.' };
      return;
    }
    try {
      await api.start(
        (snapshot) => {
          this.#snapshot = snapshot;
          metrics.record(snapshot);
          torrentRates.record(snapshot);
        },
        (status) => {
          this.#status = status;
        },
      );
    } catch (error) {
      this.#status = { state: 'unavailable', reason: error instanceof Error ? error.message : 'The torrent engine did not start.' };
    }
  }

  dismissNotice(): void {
    this.#notice = null;
  }

  async addMagnet(uri: string): Promise<InfoHash | null> {
    const text = uri.trim();
    if (!text.startsWith('magnet:?') || text.length > MAX_MAGNET_CHARS) {
      this.#notice = { kind: 'error', text: 'That is not a magnet link. It should start with "magnet:?".' };
      return null;
    }
    return this.#command('Could not add the magnet link', (api) => api.addMagnet(text));
  }

  async addTorrentFile(file: File): Promise<InfoHash | null> {
    if (file.size > MAX_TORRENT_FILE_BYTES) {
      this.#notice = { kind: 'error', text: `${file.name} is too large to be a .torrent file.` };
      return null;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    const problem = torrentFileProblem(file.name, bytes);
    if (problem) {
      this.#notice = { kind: 'error', text: problem };
      return null;
    }
    return this.#command((message) => plainTorrentError(file.name, message), (api) => api.addTorrentFile(bytes));
  }

  async seedFiles(files: readonly File[]): Promise<InfoHash | null> {
    if (files.length === 0) return null;
    return this.#command('Could not share those files', (api) => api.seedFiles(files));
  }

  async remove(info_hash: InfoHash, deleteData: boolean): Promise<void> {
    await this.#command('Could not remove the torrent', (api) => api.remove(info_hash, { deleteData }));
  }

  /** Earn mode's join (src/ui/state/earn.svelte.ts): a failure reaches the caller, not the notice line. */
  async joinServing(uri: string, timeout_ms: number): Promise<void> {
    if (!this.#api || !this.ready) throw new Error('the torrent engine is not running');
    await this.#api.joinServing(uri, timeout_ms);
  }

  /** Earn mode's drop: the torrent and what it downloaded go; a failure reaches the caller. */
  async removeServing(info_hash: string): Promise<void> {
    if (!this.#api || !this.ready) throw new Error('the torrent engine is not running');
    await this.#api.remove(info_hash as InfoHash, { deleteData: true });
  }

  async setTorrentSpeed(info_hash: InfoHash, enabled: boolean): Promise<void> {
    await this.#command('Could not change Speed for this torrent', (api) => api.setTorrentSpeed(info_hash, enabled));
  }

  async fileBlob(info_hash: InfoHash, index: number): Promise<Blob | null> {
    return this.#command('Could not read the file', (api) => api.fileBlob(info_hash, index));
  }

  async applySettings(settings: PeerSettings): Promise<void> {
    await this.#api?.applySettings(settings).catch((error: unknown) => {
      this.#notice = { kind: 'error', text: `Could not apply settings: ${error instanceof Error ? error.message : 'unknown error'}.` };
    });
  }

  async metainfo(info_hash: InfoHash): Promise<Uint8Array | null> {
    return this.#command('Could not read the .torrent file', (api) => api.metainfo(info_hash));
  }

  async setPaymentKey(handle: PaymentKeyHandle | null): Promise<void> {
    await this.#api?.setPaymentKey(handle).catch(() => undefined);
  }

  /** What the streaming Player mounts with (the peer's client and the torrent's info); null before its metadata. */
  streamSource(info_hash: InfoHash): ReturnType<PeerApi['streamSource']> {
    return this.ready ? (this.#api?.streamSource(info_hash) ?? null) : null;
  }

  /** Polls the detail of one torrent while its screen is open; watch(null) stops. */
  watch(info_hash: InfoHash | null): void {
    if (this.#detailTimer) clearInterval(this.#detailTimer);
    this.#detailTimer = null;
    this.#detail = null;
    if (!info_hash || !this.#api) return;
    const api = this.#api;
    const poll = async () => {
      try {
        const detail = await api.detail(info_hash);
        if (this.#detailTimer !== null || detail === null) this.#detail = detail;
      } catch {
        // The list still shows the torrent; the next poll retries.
      }
    };
    this.#detailTimer = setInterval(poll, DETAIL_REFRESH_MS);
    void poll();
  }

  /** Runs a command; a failure becomes a notice: `failure: reason.`, or what a function makes of the reason. */
  async #command<T>(failure: string | ((message: string) => string), action: (api: PeerApi) => Promise<T>): Promise<T | null> {
    if (!this.#api || this.#status.state !== 'ready') {
      this.#notice = { kind: 'error', text: 'The torrent engine is not running.' };
      return null;
    }
    try {
      const result = await action(this.#api);
      this.#notice = null;
      return result;
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unknown error';
      this.#notice = { kind: 'error', text: typeof failure === 'string' ? `${failure}: ${message}.` : failure(message) };
      return null;
    }
  }
}

export const peer = new PeerState();

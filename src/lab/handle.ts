// The typed handle the lab page puts on `window.seedpayLab` for Playwright specs (test/e2e/peer-*.spec.ts) and the
// bench. Everything crossing page.evaluate is JSON-friendly: bytes as base64, amounts as decimal strings.

export interface LabStartOptions {
  namespace?: string;
  /** null: no ledger (payments off). */
  ledgerUrl?: string | null;
  /** Settings as JSON: amounts as decimal strings. */
  speed?: Record<string, string | number | boolean | null>;
  /**
   * Give the peer a wallet key (kept per namespace across reloads); 'airdrop' also claims the airdrop; 'locked'
   * loads the key but hands it to the peer only on unlock().
   */
  wallet?: 'none' | 'key' | 'airdrop' | 'locked';
  /** WebSocket trackers to announce to (default: this origin's /announce), e.g. one gateway of a tracker cluster. */
  trackerUrls?: string[];
  /** 'relay': datachannels' bytes through the page; default 'worker' (transferred to the peer worker where possible). */
  datachannel?: 'relay' | 'worker';
}

export interface LabTorrent {
  info_hash: string;
  name: string;
  length: number;
  piece_length: number;
  piece_count: number;
  magnet_uri: string;
  torrent_file_b64: string;
}

export interface LabStatus {
  progress: number;
  downloaded: number;
  uploaded: number;
  done: boolean;
  num_peers: number;
  paid_units: string;
  earned_units: string;
  paid_bytes: number;
  free_bytes: number;
}

export interface LabHandle {
  /** Boots the worker peer (PeerClient.start) and returns its peer id. */
  start(options?: LabStartOptions): Promise<string>;
  /** Deterministic pseudo-random bytes (xorshift32 from `seed`): both tabs can compute the expected hash. */
  seedGenerated(options: { size_bytes: number; seed: number; name: string; speed?: boolean; piece_length?: number }): Promise<LabTorrent & { sha256_hex: string }>;
  addTorrentFile(torrent_file_b64: string, speed?: boolean): Promise<LabTorrent>;
  /** Seeds the files chosen in the page's `<input type=file>` matching `selector` (the terminal seeder sets them). */
  seedInput(selector: string, options?: { name?: string; speed?: boolean }): Promise<LabTorrent>;
  /** Every torrent the peer runs (resumed ones included). */
  list(): Promise<LabTorrent[]>;
  /** `order` 'rarest_first': fetched to serve others (earn mode), not to play. */
  addMagnet(uri: string, speed?: boolean, order?: 'in_order' | 'rarest_first'): Promise<LabTorrent>;
  waitDone(info_hash: string, timeout_ms: number): Promise<LabStatus>;
  waitProgress(info_hash: string, fraction: number, timeout_ms: number): Promise<LabStatus>;
  status(info_hash: string): Promise<LabStatus>;
  digest(info_hash: string, file_index?: number): Promise<string>;
  relayStats(): { to_worker_bytes: number; to_network_bytes: number; connections: number };
  /** Where the peer's datachannels run: 'worker' (transferred) or 'relay'. */
  datachannelMode(): 'worker' | 'relay';
  /** Which of RTCPeerConnection / RTCDataChannel exist on this thread and inside a dedicated worker. */
  rtcAvailability(): Promise<{ page: boolean; worker: boolean }>;
  /** Every event the worker emitted, newest last (capped). */
  events(): Array<{ type: string; [key: string]: unknown }>;
  remove(info_hash: string, delete_data: boolean): Promise<void>;
  /** The wallet key's public key (hex), or null without a wallet. */
  paymentKey(): string | null;
  /** Spendable balance and escrow of our ledger account, decimal strings. */
  account(): Promise<{ balance_units: string; escrow_units: string }>;
  /** A ledger channel as the ledger reports it, amounts as decimal strings. */
  channel(channel_id: string): Promise<Record<string, string | number | null>>;
  /** GET /ledger/audit. */
  audit(): Promise<{ ok: boolean; [key: string]: unknown }>;
  /** The peers of a torrent with their Speed state (amounts as decimal strings). */
  peers(info_hash: string): Promise<Array<Record<string, unknown>>>;
  /** Test-only: make this peer break the rules ('no_pay': sign nothing; 'corrupt': flip a byte in every block sent). */
  misbehave(mode: 'none' | 'no_pay' | 'corrupt'): Promise<void>;
  /** Speed on or off for one running torrent (its connections re-form). */
  setTorrentSpeed(info_hash: string, speed: boolean): Promise<void>;
  /** Changes the Speed settings (amounts as decimal strings). */
  setSpeed(speed: Record<string, string | number | boolean | null>): Promise<void>;
  /** Hands the peer the wallet key loaded by a 'locked' start, like the app's unlock. */
  unlock(): Promise<void>;
  stop(): void;
  /**
   * Times a download already added: from the first byte the UI thread relays (the connection is up) to the worker's
   * done event, read on this page at 20 ms resolution; also samples the JS heap of this page and of the peer worker.
   */
  timeDownload(info_hash: string, timeout_ms: number): Promise<{ first_byte_to_done_ms: number; bytes: number; peak_page_heap_bytes: number }>;
  /** Plain WebTorrent on this page's main thread (no worker, no Speed): seed generated bytes. */
  plainSeed(options: { size_bytes: number; seed: number; name: string; piece_length?: number }): Promise<{ info_hash: string; torrent_file_b64: string; sha256_hex: string }>;
  /** Plain WebTorrent: download a torrent to completion; returns the file's hash and the seconds it took. */
  plainDownload(torrent_file_b64: string, timeout_ms: number): Promise<{ sha256_hex: string; seconds: number; first_byte_to_done_ms: number }>;
  plainStop(): void;
}

declare global {
  interface Window {
    seedpayLab: LabHandle;
  }
}

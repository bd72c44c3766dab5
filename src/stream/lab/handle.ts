// The typed handle the stream lab page puts on `window.seedpayStream` for the stream/widget specs and the bench.
// Everything crossing page.evaluate is JSON-friendly (bytes as base64).
import type { VideoSpec } from './video-generator.ts';

/** The same JSON shapes as the peer lab's (src/lab/handle.ts). */
export type { LabStatus as StreamLabStatus, LabTorrent as StreamLabTorrent } from '../../lab/handle.ts';
import type { LabStatus as StreamLabStatus, LabTorrent as StreamLabTorrent } from '../../lab/handle.ts';

export interface StreamLabStartOptions {
  namespace?: string;
  /** null or absent: no ledger (payments off). */
  ledgerUrl?: string | null;
  /** A provider's wallet key (no funds needed to earn), kept per namespace like the peer lab's. */
  wallet?: 'none' | 'key';
  /** Speed settings as JSON: amounts as decimal strings. */
  speed?: Record<string, string | number | boolean | null>;
}

export interface StreamLabHandle {
  /** Boots the worker peer; payments off unless a ledger URL is given. */
  start(options?: StreamLabStartOptions): Promise<string>;
  /** Encodes a test WebM and keeps it in the page. */
  generateVideo(spec?: Partial<VideoSpec>): Promise<{ size_bytes: number; duration_s: number; generate_ms: number }>;
  /** Keeps the generated video in this origin's Cache Storage, for another page of the same context to seed. */
  shareVideo(): Promise<void>;
  /** Takes the video a page of this context shared; returns its size. */
  loadSharedVideo(): Promise<number>;
  /** Seeds the generated video; free (Speed off) unless `speed` is true. */
  seedVideo(options?: { name?: string; piece_length?: number; speed?: boolean }): Promise<StreamLabTorrent>;
  addTorrentFile(torrent_file_b64: string): Promise<StreamLabTorrent>;
  /** Mounts the streaming Player for the torrent; resolves once its source is set (phase 'ready'). */
  mountPlayer(info_hash: string, options?: { autoplay?: boolean; muted?: boolean }): Promise<string>;
  status(info_hash: string): Promise<StreamLabStatus>;
  /** Every wallet event the worker emitted (amounts as decimal strings), newest last. */
  walletEvents(): Array<{ kind: string; [key: string]: unknown }>;
  /** Whether the piece holding byte `fraction` × length of the file is verified yet. */
  hasPieceAt(info_hash: string, fraction: number, file_index?: number): Promise<boolean>;
  /** Creates a Seedpay wallet in this origin (as the app's first run does); returns its TRON address, never the phrase. */
  createWallet(password: string): Promise<string>;
  /** Removes a torrent (and its stored pieces). */
  remove(info_hash: string): Promise<void>;
  stop(): void;
}

declare global {
  interface Window {
    seedpayStream: StreamLabHandle;
  }
}

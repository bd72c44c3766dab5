// Reading a torrent's files for the UI (save, hash check): through webtorrent's store, so a range not yet
// downloaded is waited for, and every byte read is a verified one.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { RpcError } from './rpc.ts';
import type { Torrent } from './webtorrent.ts';

function fileOf(torrent: Torrent, file_index: number) {
  const file = torrent.files[file_index];
  if (!file) throw new RpcError('failed', `no file ${file_index}`);
  return file;
}

/** Reads a file range (waiting for pieces not yet downloaded). */
export async function readRange(torrent: Torrent, file_index: number, offset: number, length: number): Promise<Uint8Array> {
  const file = fileOf(torrent, file_index);
  if (offset + length > file.length) throw new RpcError('failed', 'range beyond the end of the file');
  if (length === 0) return new Uint8Array(0);
  return new Uint8Array(await file.arrayBuffer({ start: offset, end: offset + length - 1 }));
}

/** SHA-256 of a whole file, streamed. */
export async function fileDigest(torrent: Torrent, file_index: number): Promise<string> {
  const hash = sha256.create();
  const reader = fileOf(torrent, file_index).stream().getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    hash.update(value);
  }
  return bytesToHex(hash.digest());
}

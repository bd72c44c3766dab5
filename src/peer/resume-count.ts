// Keeps a torrent's downloaded-bytes figure equal to what its resume will hold. A piece is paid (its payment saved in
// the payer journal, then sent) before the torrent's own record (bitfield and money, saved up to SAVE_DELAY_MS later,
// and without unsettled pieces) catches up. A resume adds the journal's paid pieces to the record's bitfield
// (payer-store.ts), so a page that died in between keeps such a piece without having counted its bytes. So the record
// counts only the pieces its bitfield holds, and a resume counts the pieces the journal added back.
import { bdecode } from '../protocol/messages-bencode.ts';
import { MAX_TORRENT_FILE_BYTES } from './rpc-schema.ts';

const LIMITS = { max_string_bytes: MAX_TORRENT_FILE_BYTES, max_depth: 6, max_items: 200_000 };

const has = (bits: Uint8Array | null, index: number): boolean => !!bits && ((bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0;

/** Piece length and total length of a .torrent file; null if it cannot be read (then nothing is counted). */
export function torrentGeometry(torrent_file: Uint8Array): { piece_length: number; length: number } | null {
  const decoded = bdecode(torrent_file, LIMITS);
  const info = decoded.ok && decoded.value instanceof Map ? decoded.value.get('info') : null;
  if (!(info instanceof Map)) return null;
  const piece_length = info.get('piece length');
  let length = info.get('length');
  const files = info.get('files');
  if (length === undefined && Array.isArray(files)) {
    length = 0n;
    for (const f of files) {
      const l = f instanceof Map ? f.get('length') : undefined;
      if (typeof l !== 'bigint' || l < 0n) return null;
      length += l;
    }
  }
  if (typeof piece_length !== 'bigint' || piece_length <= 0n || typeof length !== 'bigint' || length <= 0n) return null;
  return { piece_length: Number(piece_length), length: Number(length) };
}

/** Bytes of the pieces `resumed` holds and `saved` (the record's bitfield) does not. */
export function restoredBytes(torrent_file: Uint8Array, saved: Uint8Array | null, resumed: Uint8Array | null): number {
  const g = resumed ? torrentGeometry(torrent_file) : null;
  if (!g) return 0;
  const count = Math.ceil(g.length / g.piece_length);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    if (has(resumed, i) && !has(saved, i)) bytes += i === count - 1 ? g.length - g.piece_length * (count - 1) : g.piece_length;
  }
  return bytes;
}

/** Bytes of verified pieces left out of the saved bitfield (payment not saved yet): the saved figure leaves them out too. */
export function unsettledBytes(have: (index: number) => boolean, unsettled: Iterable<number>, pieceBytes: (index: number) => number): number {
  let bytes = 0;
  for (const index of unsettled) if (have(index)) bytes += pieceBytes(index);
  return bytes;
}

// Builds a real single-file .torrent in the test (canonical bencode, SHA-1 piece hashes) announcing on the e2e
// tracker, for specs that add a torrent by file without a seeder.
import { createHash, randomBytes } from 'node:crypto';
import { APP_URL } from './wallet-helpers.ts';

/** Small pieces keep the made-up file small. */
const PIECE_BYTES = 16 * 1024;

type Bencodable = number | string | Buffer | { readonly [key: string]: Bencodable };

function bencode(value: Bencodable): Buffer {
  if (typeof value === 'number') return Buffer.from(`i${value}e`);
  if (typeof value === 'string') return bencode(Buffer.from(value));
  if (Buffer.isBuffer(value)) return Buffer.concat([Buffer.from(`${value.length}:`), value]);
  const keys = Object.keys(value).sort();
  return Buffer.concat([Buffer.from('d'), ...keys.flatMap((k) => [bencode(k), bencode(value[k] as Bencodable)]), Buffer.from('e')]);
}

/** A .torrent for `length_bytes` random bytes named `name`; returns the file and its info hash. */
export function makeTorrentFile(name: string, length_bytes: number): { torrent: Buffer; info_hash: string } {
  const data = randomBytes(length_bytes);
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += PIECE_BYTES) pieces.push(createHash('sha1').update(data.subarray(i, i + PIECE_BYTES)).digest());
  const info = { length: data.length, name, 'piece length': PIECE_BYTES, pieces: Buffer.concat(pieces) };
  const torrent = bencode({ announce: `${APP_URL().replace(/^http/, 'ws')}announce`, info });
  return { torrent, info_hash: createHash('sha1').update(bencode(info)).digest('hex') };
}

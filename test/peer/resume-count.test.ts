// A resume counts the pieces the payer journal added back to the record's bitfield (paid, then the page died before
// the record caught up), and the saved figure leaves out the unsettled pieces the saved bitfield leaves out: so the
// downloaded-bytes figure after a reload is what the resumed torrent holds, never a piece short or a piece over.
import { describe, expect, it } from 'vitest';
import { bencode } from '../../src/protocol/messages-bencode.ts';
import { restoredBytes, torrentGeometry, unsettledBytes } from '../../src/peer/resume-count.ts';

const te = new TextEncoder();
function torrentFile(info: Map<string, unknown>): Uint8Array {
  return bencode(new Map<string, unknown>([['announce', te.encode('ws://127.0.0.1/announce')], ['info', info]]) as never);
}
const single = torrentFile(new Map<string, unknown>([
  ['length', 10n * 16384n + 100n], ['name', te.encode('a.bin')], ['piece length', 16384n], ['pieces', new Uint8Array(11 * 20)],
]));
const multi = torrentFile(new Map<string, unknown>([
  ['files', [new Map<string, unknown>([['length', 20000n], ['path', [te.encode('x')]]]), new Map<string, unknown>([['length', 12768n], ['path', [te.encode('y')]]])]],
  ['name', te.encode('dir')], ['piece length', 16384n], ['pieces', new Uint8Array(2 * 20)],
]));
const bits = (...indices: number[]) => {
  const out = new Uint8Array(2);
  for (const i of indices) out[i >> 3] = (out[i >> 3] ?? 0) | (0x80 >> (i & 7));
  return out;
};

describe('restoredBytes', () => {
  it('counts the pieces the resume holds beyond the saved bitfield, the short last piece by its own length', () => {
    expect(torrentGeometry(single)).toEqual({ piece_length: 16384, length: 10 * 16384 + 100 });
    expect(restoredBytes(single, bits(0, 1), bits(0, 1, 2))).toBe(16384);
    expect(restoredBytes(single, bits(0), bits(0, 10))).toBe(100);
    expect(restoredBytes(single, null, bits(3, 4))).toBe(2 * 16384);
    expect(restoredBytes(single, bits(0, 1), bits(0, 1))).toBe(0);
    expect(restoredBytes(single, bits(0, 1), null)).toBe(0);
  });

  it('reads multi-file torrents, and counts nothing for a file it cannot read', () => {
    expect(torrentGeometry(multi)).toEqual({ piece_length: 16384, length: 32768 });
    expect(restoredBytes(multi, bits(), bits(0, 1))).toBe(32768);
    expect(restoredBytes(Uint8Array.of(1, 2, 3), bits(), bits(0))).toBe(0);
    expect(torrentGeometry(torrentFile(new Map<string, unknown>([['name', te.encode('x')]])))).toBeNull();
  });
});

describe('unsettledBytes', () => {
  it('sums the unsettled pieces the torrent holds', () => {
    const have = (i: number) => i !== 5;
    expect(unsettledBytes(have, [1, 5, 10], (i) => (i === 10 ? 100 : 16384))).toBe(16384 + 100);
    expect(unsettledBytes(have, [], () => 1)).toBe(0);
  });
});

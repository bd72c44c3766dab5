// The .torrent sniff: real .torrent shapes pass; text, images, empty and truncated files get a plain message.
import { describe, expect, it } from 'vitest';
import { plainTorrentError, torrentFileProblem } from '../../../src/ui/lib/torrent-file.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const TORRENT = 'd8:announce20:ws://127.0.0.1/ann4:infod6:lengthi5e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee';

describe('torrentFileProblem', () => {
  it('accepts a bencoded dictionary with an info dictionary', () => {
    expect(torrentFileProblem('a.torrent', bytes(TORRENT))).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['plain text', 'not bencode'],
    ['a PNG header', '\x89PNG\r\n\x1a\n'],
    ['a dictionary without info', 'd8:announce3:abce'],
    ['a truncated torrent', TORRENT.slice(0, 40)],
    ['a list', 'l4:infode'],
  ])('refuses %s in words a person understands', (_what, text) => {
    const problem = torrentFileProblem('holiday.torrent', bytes(text));
    expect(problem).toMatch(/^holiday\.torrent is (empty|not a \.torrent file)/);
    expect(problem).not.toMatch(/identifier/i);
  });
});

describe('plainTorrentError', () => {
  it('rewords the library\'s "Invalid torrent identifier"', () => {
    expect(plainTorrentError('x.torrent', 'Invalid torrent identifier')).toBe(
      'x.torrent is not a .torrent file Seedpay can read. Choose the .torrent file you were given, or paste its magnet link.',
    );
  });
  it('keeps other reasons, naming the file', () => {
    expect(plainTorrentError('x.torrent', 'Cannot add duplicate torrent')).toBe('Could not open x.torrent: Cannot add duplicate torrent.');
  });
});

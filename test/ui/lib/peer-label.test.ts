// Peer labels: client names from real peer-id prefixes, tags that differ per peer, and one state per choke pair.
import { describe, expect, it } from 'vitest';
import { ACTIVITY_TEXT, clientName, keyFingerprint, peerActivity, peerTag } from '../../../src/ui/lib/peer-label.ts';

const hex = (ascii: string) => Buffer.from(ascii, 'latin1').toString('hex');

describe('clientName', () => {
  it.each([
    ['-WW0208-abcdefghijkl', 'WebTorrent 2.8'],
    ['-WW0102-abcdefghijkl', 'WebTorrent 1.2'],
    ['-qB4650-abcdefghijkl', 'qBittorrent 4.6.5.0'],
    ['-TR4050-abcdefghijkl', 'Transmission 4.0.5.0'],
    ['-ZZ0001-abcdefghijkl', 'Client ZZ 0.0.0.1'],
  ])('reads %s as %s', (id, name) => {
    expect(clientName(hex(id))).toBe(name);
  });

  it.each([
    ['no prefix', hex('M7-2-0--abcdefghijkl')],
    ['too short', hex('-WW0208-')],
    ['not hex', 'zz'.repeat(20)],
    ['empty', ''],
  ])('says "Unknown client" for %s', (_what, id) => {
    expect(clientName(id)).toBe('Unknown client');
  });
});

describe('peerTag and keyFingerprint', () => {
  it('tell two WebTorrent peers apart by their random tails', () => {
    const a = hex('-WW0208-aaaaaaaaaaaa');
    const b = hex('-WW0208-aaaaaaaaaaab');
    expect(clientName(a)).toBe(clientName(b));
    expect(peerTag(a)).not.toBe(peerTag(b));
    expect(peerTag(a)).toMatch(/^#[0-9a-f]{6}$/);
  });
  it('shortens a payment key to its ends', () => {
    expect(keyFingerprint('AB12' + '0'.repeat(56) + 'CD34')).toBe('ab12…cd34');
  });
});

describe('peerActivity', () => {
  it('gives exactly one state for each choke pair, banned first', () => {
    const states = [false, true].flatMap((am_choking) => [false, true].map((peer_choking) => peerActivity({ banned: false, am_choking, peer_choking })));
    expect(new Set(states)).toEqual(new Set(['both', 'receiving', 'sending', 'waiting']));
    expect(peerActivity({ banned: true, am_choking: false, peer_choking: false })).toBe('banned');
    expect(ACTIVITY_TEXT[peerActivity({ banned: false, am_choking: true, peer_choking: false })]).toBe('Sending to us');
  });
});

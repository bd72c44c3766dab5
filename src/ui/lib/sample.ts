// The sample offered on first run: a small guide made on the spot and shared from this tab, so trying Seedpay
// needs nothing from outside this machine. Opening its magnet link in a second tab shows a transfer end to end.
export const SAMPLE_FILE_NAME = 'Welcome to Seedpay.txt';

const GUIDE = `Welcome to Seedpay

This file is being shared by your own browser tab. Copy its magnet link from the torrent's page and open it in
another browser tab or on another device that can reach the same tracker: that tab downloads it from this one.

With Speed on, the downloading tab bids for upload slots and pays this tab a little BTT for every verified piece,
through a payment channel on the ledger. With Speed off, it downloads for free, as BitTorrent always has.

Everything about Speed is optional: turn it off in Settings at any time, per torrent or entirely.
`;

export function makeSampleFile(): File {
  return new File([GUIDE], SAMPLE_FILE_NAME, { type: 'text/plain' });
}

// The browser worker's way in for a connection: the UI thread signals, keeps the RTCPeerConnection, and hands the
// datachannel's bytes over a MessagePort; here that port becomes a wire of the torrent (relay-duplex.ts).
import { RelayDuplex } from './relay-duplex.ts';
import type { Torrent } from './webtorrent.ts';

/** Adds the relayed peer to the torrent, or closes the port saying why not. */
export function attachRelay(torrent: Torrent | undefined, own_peer_id: string | undefined, peer_id: string, port: MessagePort, address: string | null): boolean {
  if (!torrent || torrent.destroyed || peer_id === own_peer_id) {
    port.postMessage({ t: 'close', reason: 'no such torrent' });
    port.close();
    return false;
  }
  // addPeer destroys the duplex itself when it refuses it (duplicate peer, paused torrent).
  return torrent.addPeer(new RelayDuplex(port, peer_id, address));
}

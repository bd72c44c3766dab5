// A plain WebTorrent seeder in a Node process of its own (no Speed, no payments): webtorrent's Node build with
// @roamhq/wrtc, the baseline the Node provider's bench compares against, and (--tcp-only) the ordinary BitTorrent
// peer the bridge fetches from. Prints "port <n>" and the magnet; SIGTERM ends it.
// Usage: node --import tsx plain-node-seeder.ts <file> <announce url> <piece KiB> <torrent port> [--tcp-only]
import { resolve } from 'node:path';

const [file, announce, pieceKib, port, mode] = process.argv.slice(2);
if (!file || !announce || !pieceKib || !port) throw new Error('usage: plain-node-seeder.ts <file> <announce> <piece KiB> <port> [--tcp-only]');
await import('../../../src/node-peer/runtime/register.mjs');
const { NodeWebTorrent } = await import('../../../src/node-peer/webtorrent-node.ts');
const wrtc = (await import('@roamhq/wrtc')).default;
const tcpOnly = mode === '--tcp-only';
const client = new NodeWebTorrent({
  dht: false,
  lsd: false,
  utPex: false,
  natUpnp: false,
  natPmp: false,
  utp: false,
  // --tcp-only: no WebRTC (bittorrent-tracker skips ws trackers), so browsers cannot reach it; only TCP peers can.
  tracker: { wrtc: tcpOnly ? false : wrtc },
  torrentPort: Number(port),
});
client.seed(resolve(file), { announce: [announce], pieceLength: Number(pieceKib) * 1024 }, (torrent) => {
  console.log(`port ${client.torrentPort}\n${torrent.magnetURI}`);
});
process.once('SIGTERM', () => client.destroy(() => process.exit(0)));

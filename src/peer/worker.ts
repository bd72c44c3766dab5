// Entry of the peer's module worker: answers the UI's RPC (rpc-schema.ts) with the engine. Started by client.ts.
import { attachChannel, holdChannel } from './channel-duplex.ts';
import { PeerEngine } from './engine.ts';
import { browserPlatform } from './platform-browser.ts';
import { RpcServer, type Endpoint } from './rpc.ts';
import { SEED_TIMEOUT_MS } from './rpc-schema.ts';
import { installSpeed } from './speed-install.ts';
import { misbehave } from './misbehave.ts';
import { filePieces, openStream, type TorrentLookup } from '../stream/serve/worker-stream.ts'; // streaming playback (src/stream)

const scope = self as unknown as Endpoint;
let server: RpcServer | null = null;
const engine = new PeerEngine((event) => server?.emit(event), browserPlatform());
const speed = installSpeed(engine, (event) => server?.emit(event));
/** Streaming finds its torrent here; src/stream knows nothing of the engine. */
/** Our peer id once init answered: a channel to ourselves is refused. */
let own_peer_id: string | undefined;
const torrentOf: TorrentLookup = (info_hash) => engine.torrents.get(info_hash)?.torrent;

/** Magnets wait for metadata from peers; the UI's own timeout is the one the user sees. */
const MAGNET_METADATA_TIMEOUT_MS = 10 * 60_000;

server = new RpcServer(scope, {
  init: async (params) => {
    // Speed first: resumed torrents start their sessions (and their wires their handshakes) during engine.init.
    speed.configure(params);
    if (params.wallet) await speed.setWallet(params.wallet.key, params.wallet.public_key);
    const result = await engine.init(params);
    own_peer_id = result.peer_id;
    // Before the UI attaches any connection (it does so only after init answers): spend caps and bans hold.
    await speed.context.restore();
    return result;
  },
  'wallet.set': async ({ key, public_key }) => ({ payment_pk: await speed.setWallet(key, public_key) }),
  'wallet.clear': () => {
    speed.clearWallet();
    return {};
  },
  'settings.set': ({ speed: settings }) => {
    const params = { ...engine.params, speed: settings };
    engine.updateParams(params);
    speed.configure(params);
    return {};
  },
  'torrent.add': ({ source, speed: on, order }) =>
    engine.add(source, on, source.kind === 'magnet' ? MAGNET_METADATA_TIMEOUT_MS : SEED_TIMEOUT_MS, order),
  'torrent.seed': ({ files, name, speed: on, piece_length }) => engine.seed(files, name, on, piece_length),
  'torrent.remove': async ({ info_hash, delete_data }) => {
    await engine.remove(info_hash, delete_data);
    return {};
  },
  'torrent.set_speed': ({ info_hash, speed: on }) => engine.setSpeed(info_hash, on),
  'torrent.list': () => engine.list(),
  'torrent.status': ({ info_hash }) => engine.statusOf(info_hash),
  'torrent.metainfo': ({ info_hash }) => engine.metainfo(info_hash),
  'torrent.file_digest': async ({ info_hash, file_index }) => ({ sha256_hex: await engine.digest(info_hash, file_index) }),
  'torrent.read': ({ info_hash, file_index, offset, length }) => engine.read(info_hash, file_index, offset, length),
  'test.misbehave': ({ mode }) => {
    misbehave(speed.context, mode);
    return {};
  },
  'peer.attach': ({ info_hash, peer_id, port, address }) => ({ accepted: engine.attach(info_hash, peer_id, port, address) }),
  // Worker-owned datachannels (channel-duplex.ts): held from their creation, attached once the connection is up.
  'peer.channel': ({ token, channel, port }) => ({ held: holdChannel(token, channel, port) }),
  'peer.attach_channel': ({ info_hash, peer_id, token, address }) => ({
    accepted: attachChannel(engine.torrents.get(info_hash)?.torrent, own_peer_id, peer_id, token, address),
  }),
  // Streaming playback (src/stream/serve/worker-stream.ts): a byte range over a port, and a file's verified pieces.
  'stream.open': (params) => ({ accepted: openStream(torrentOf, params) }),
  'stream.pieces': (params) => filePieces(torrentOf, params),
});

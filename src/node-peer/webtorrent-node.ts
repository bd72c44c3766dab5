// Typed face of webtorrent's Node build (the package ships no types): the browser bundle's client surface
// (peer/webtorrent.ts), whose seed and add options also cover Node's paths, plus a TCP port of its own.
// Import it only after runtime/register.mjs has run (its hooks give simple-peer @roamhq/wrtc).
// @ts-expect-error -- untyped package; the interfaces below are its contract for this code base.
import WebTorrentNode from 'webtorrent';
import type { WebTorrentClient, WebTorrentOptions } from '../peer/host.ts';

/** The Node build's client: seeds paths in place (AddOptions.path), listens for TCP and uTP peers. */
export interface NodeWebTorrentClient extends WebTorrentClient {
  /** The TCP (and uTP) port it listens on for ordinary BitTorrent peers. */
  readonly torrentPort: number;
  address(): { address: string; family: string; port: number } | null;
}

export interface NodeWebTorrentOptions extends WebTorrentOptions {
  torrentPort?: number;
  /** false: no uTP (outgoing connections to IPv4 peers are tried over uTP first otherwise). */
  utp?: boolean;
}

export const NodeWebTorrent = WebTorrentNode as new (options?: NodeWebTorrentOptions) => NodeWebTorrentClient;

// A Seedpay service swarm in Node (paid storage now; the proxy's relay page is the browser's twin): a plain webtorrent
// Node client joins the magnet of SHA-1(<service name>) on the given WebSocket trackers, meets the other members over
// WebRTC (@roamhq/wrtc) and puts the service's BEP 10 extension on every wire. There is no torrent: metadata never
// comes; the wires exist only for the extension. Separate from the NodePeer's client so its torrents are untouched.
import { createHash } from 'node:crypto';

/** Wires the client keeps at once: a service swarm peer needs a handful. */
export const MAX_SERVICE_WIRES = 64;

/** The slice of a bittorrent-protocol wire a service extension sees. */
export interface ServiceWire {
  readonly destroyed: boolean;
  extendedHandshake: Record<string, unknown>;
  extended(name: string, message: Uint8Array): void;
  destroy(): void;
  use(extension: unknown): void;
  on(event: 'close', listener: () => void): void;
}

export interface ServiceSwarm {
  readonly info_hash: string;
  /** Wires open now. */
  readonly wires: number;
  close(): Promise<void>;
}

export function serviceInfoHash(name: string): string {
  return createHash('sha1').update(name).digest('hex');
}

/**
 * Joins the swarm of `name`; `onWire` runs for every new wire before its handshakes (use() the extension there) and
 * returns what to call when the wire closes.
 */
export async function joinServiceSwarm(name: string, trackers: readonly string[], onWire: (wire: ServiceWire) => (() => void)): Promise<ServiceSwarm> {
  await import('./runtime/register.mjs');
  const { NodeWebTorrent } = await import('./webtorrent-node.ts');
  const wrtc = (await import('@roamhq/wrtc')).default;
  const client = new NodeWebTorrent({
    dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, utp: false, tracker: { wrtc },
  } as ConstructorParameters<typeof NodeWebTorrent>[0]);
  const info_hash = serviceInfoHash(name);
  let open = 0;
  const torrent = client.add(`magnet:?xt=urn:btih:${info_hash}`, { announce: trackers.slice() } as never);
  (torrent as unknown as { on(e: 'wire', l: (w: ServiceWire) => void): void }).on('wire', (wire) => {
    if (open >= MAX_SERVICE_WIRES) return wire.destroy();
    open++;
    const closed = onWire(wire);
    wire.on('close', () => {
      open--;
      closed();
    });
  });
  return {
    info_hash,
    get wires() {
      return open;
    },
    close: () => new Promise<void>((done) => client.destroy(() => done())),
  };
}

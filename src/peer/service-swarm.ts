// A paid service's swarm joined from the page (the app's proxy requester): plain WebTorrent by magnet on the info hash
// SHA-1(name), announced on this origin's tracker, with one BEP 10 extension installed on every wire. No metadata is
// ever fetched: the wires exist for the extension. The page has RTCPeerConnection itself, so no worker relay is needed.
import { WebTorrent, type WebTorrentClient } from './webtorrent.ts';
import type { ExtensionConstructor, Wire } from './wire.ts';

/** Wires kept at once; a service swarm peer talks to a handful of providers. */
export const MAX_SERVICE_WIRES = 64;

/** The slice of a wire a service extension sees (structural: the services layer imports nothing of the peer). */
export interface ServiceWire {
  readonly destroyed: boolean;
  extendedHandshake: Record<string, unknown>;
  extended(name: string, message: Uint8Array): void;
  destroy(): void;
}

export interface ServiceSwarmHandlers<E> {
  /** A new wire: the extension instance the caller made for it (installed by `wire.use`). */
  opened(ext: E): void;
  closed(ext: E): void;
}

export interface ServiceSwarm {
  readonly info_hash: string;
  wires(): number;
  /** Destroys every wire (the peers may reconnect at the next announce). */
  dropAll(): void;
  leave(): void;
}

export async function serviceInfoHash(name: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(name)));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Joins the swarm named `name`; `Extension` is constructed by bittorrent-protocol on each wire. */
export async function joinServiceSwarm<E extends object>(
  name: string, Extension: new (wire: ServiceWire) => E, handlers: ServiceSwarmHandlers<E>, tracker_url = `${location.origin.replace(/^http/, 'ws')}/announce`,
): Promise<ServiceSwarm> {
  const info_hash = await serviceInfoHash(name);
  let client: WebTorrentClient | null = new WebTorrent({ dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false });
  const live = new Set<Wire>();
  const torrent = client.add(`magnet:?xt=urn:btih:${info_hash}`, { announce: [tracker_url] });
  const ext_name = (Extension.prototype as { name?: unknown }).name;
  torrent.on('wire', (wire: Wire) => {
    if (live.size >= MAX_SERVICE_WIRES) return wire.destroy();
    live.add(wire);
    wire.use(Extension as unknown as ExtensionConstructor);
    const ext = typeof ext_name === 'string' ? (wire as unknown as Record<string, unknown>)[ext_name] : undefined;
    if (!ext || typeof ext !== 'object') return wire.destroy();
    handlers.opened(ext as E);
    wire.on('close', () => {
      live.delete(wire);
      handlers.closed(ext as E);
    });
  });
  return {
    info_hash,
    wires: () => live.size,
    dropAll() {
      for (const wire of [...live]) wire.destroy();
    },
    leave() {
      client?.destroy();
      client = null;
      live.clear();
    },
  };
}

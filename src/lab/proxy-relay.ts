// The proxy relay page (`/proxy-relay.html`): plain WebTorrent on the page joins the paid proxy's service swarm
// (info hash SHA-1("seedpay/service/proxy/v1"), by magnet, on the server's tracker) and relays every `sp_proxy`
// extended message to the Node process driving the page, which runs the protocol (src/services/proxy) and answers
// through `send`. WebRTC does not run in Node here; this page is only the datachannel.
import { WebTorrent, type Torrent, type WebTorrentClient } from '../peer/webtorrent.ts';

type Wire = Torrent['wires'][number];

export const SERVICE_SWARM_NAME = 'seedpay/service/proxy/v1';
const EXTENSION = 'sp_proxy';
/** Wires relayed at once; a service swarm peer needs a handful. */
const MAX_WIRES = 64;

export interface ProxyRelayHandle {
  /** Joins the service swarm; our side of the extended handshake says `role` and `pk` (the payment key). */
  join(role: 'requester' | 'provider', pk_hex: string): Promise<string>;
  send(wire_id: string, bytes_b64: string): boolean;
  drop(wire_id: string): void;
  wires(): string[];
  leave(): void;
}

/** What the Node side exposes on the page (page.exposeFunction) before it calls join. */
interface RelaySink {
  proxyRelayHello(wire_id: string, hello: { v: number; role: string; pk: string } | null): Promise<void>;
  proxyRelayFrame(wire_id: string, bytes_b64: string): Promise<void>;
  proxyRelayClose(wire_id: string): Promise<void>;
}

declare global {
  interface Window {
    seedpayProxyRelay: ProxyRelayHandle;
  }
}

const sink = window as unknown as Window & RelaySink;
const wires = new Map<string, Wire>();
let client: WebTorrentClient | null = null;
let next = 1;

function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unbase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : '';
}

function relayExtension(wire_id: string, role: string, pk_hex: string): new (wire: Wire) => object {
  class Relay {
    constructor(wire: Wire) {
      wire.extendedHandshake[EXTENSION] = { v: 1, role, pk: pk_hex };
    }

    onExtendedHandshake(handshake: Record<string, unknown>): void {
      const f = handshake[EXTENSION];
      const hello = typeof f === 'object' && f !== null ? f as Record<string, unknown> : null;
      void sink.proxyRelayHello(wire_id, hello ? { v: Number(hello.v), role: text(hello.role), pk: text(hello.pk) } : null);
    }

    onMessage(buffer: Uint8Array): void {
      void sink.proxyRelayFrame(wire_id, base64(buffer));
    }
  }
  Object.defineProperty(Relay.prototype, 'name', { value: EXTENSION });
  return Relay;
}

async function serviceInfoHash(): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(SERVICE_SWARM_NAME)));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

window.seedpayProxyRelay = {
  async join(role, pk_hex) {
    if (client) throw new Error('relay: already joined');
    const info_hash = await serviceInfoHash();
    client = new WebTorrent({ dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false });
    const torrent = client.add(`magnet:?xt=urn:btih:${info_hash}`, { announce: [`${location.origin.replace(/^http/, 'ws')}/announce`] });
    torrent.on('wire', (wire) => {
      if (wires.size >= MAX_WIRES) return wire.destroy();
      const id = String(next++);
      wires.set(id, wire);
      wire.use(relayExtension(id, role, pk_hex) as never);
      wire.on('close', () => {
        wires.delete(id);
        void sink.proxyRelayClose(id);
      });
    });
    return info_hash;
  },
  send(wire_id, bytes_b64) {
    const wire = wires.get(wire_id);
    if (!wire || wire.destroyed) return false;
    wire.extended(EXTENSION, unbase64(bytes_b64));
    return true;
  },
  drop(wire_id) {
    wires.get(wire_id)?.destroy();
  },
  wires() {
    return [...wires.keys()];
  },
  leave() {
    client?.destroy();
    client = null;
  },
};

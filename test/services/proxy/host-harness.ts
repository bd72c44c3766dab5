// A ProviderHost over in-memory relayed wires, against a real loopback origin and the in-memory proxy ledger: what
// the host tests and the requester client's tests both drive. `connect` gives a requester its handshaken extension.
import { nobleVerify, publicKeyFromHex } from '../../../src/protocol/ed25519.ts';
import { encodePaymentState } from '../../../src/protocol/payment-state.ts';
import { proxyExtension, type ProxyExtension } from '../../../src/services/proxy/proxy-extension.ts';
import { ProviderHost } from '../../../src/services/proxy/provider-host.ts';
import { decodeFrame, encodeFrame, type ProxyFrame } from '../../../src/services/proxy/proxy-frames.ts';
import { safeFetch } from '../../../src/services/proxy/safe-fetch.ts';
import type { Origin } from './origin.ts';
import { LIMITS, type Party, type ProxyLedger } from './proxy-harness.ts';

interface Link {
  readonly ext: ProxyExtension;
  alive: boolean;
  readonly onCut: () => void;
}

export interface MemoryHost {
  readonly host: ProviderHost;
  /** A requester's wire to the host, handshaken both ways; `onCut` runs when the wire is cut from either side. */
  connect(who: Party, onCut?: (ext: ProxyExtension) => void): { id: string; ext: ProxyExtension };
  cut(id: string): void;
}

/** `tamper` rewrites each frame the provider sends (a test's lying provider: a chunk's bytes changed after signing). */
export function memoryHost(provider: Party, origin: Origin, ledger: ProxyLedger, tamper?: (frame: ProxyFrame) => ProxyFrame): MemoryHost {
  const links = new Map<string, Link>();
  const host: ProviderHost = new ProviderHost({
    signer: provider.signer, limits: LIMITS,
    transport: {
      send: (id, bytes) => queueMicrotask(() => {
        const l = links.get(id);
        const d = tamper ? decodeFrame(bytes) : null;
        if (l?.alive) l.ext.onMessage(d?.ok && tamper ? encodeFrame(tamper(d.frame)) : bytes);
      }),
      drop: (id) => cut(id),
    },
    fetch: (url, opts) => safeFetch(url, { ...opts, allow: [origin.allow_entry] }),
    ledgerChannel: async (id) => ledger.channels.get(id) ?? null,
    verify: async (p, key, context) => nobleVerify(p.signature, encodePaymentState(p, context), publicKeyFromHex(key)),
    close: async (s) => ledger.close(s),
    now: () => Date.now(),
  });
  const cut = (id: string): void => {
    const l = links.get(id);
    if (!l?.alive) return;
    l.alive = false;
    host.closed(id);
    l.onCut();
  };
  let next = 1;
  const connect = (who: Party, onCut: (ext: ProxyExtension) => void = () => {}) => {
    const id = String(next++);
    const Ext = proxyExtension({ role: 'requester', payment_pk: who.key });
    const ext = new Ext({
      destroyed: false, extendedHandshake: {},
      extended: (_n, bytes) => queueMicrotask(() => links.get(id)?.alive && host.message(id, bytes)),
      destroy: () => cut(id),
    });
    links.set(id, { ext, alive: true, onCut: () => onCut(ext) });
    ext.onExtendedHandshake({ sp_proxy: { v: 1, role: 'provider', pk: provider.key } });
    host.hello(id, { sp_proxy: { v: 1, role: 'requester', pk: who.key } });
    return { id, ext };
  };
  return { host, connect, cut };
}

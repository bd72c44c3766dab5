// Node's half of the proxy relay page (src/lab/proxy-relay.ts): exposes the page's callbacks (hello, frame, close)
// to an endpoint running the protocol in Node, and returns the transport that sends frames and drops wires through
// the page. Shared by the terminal provider (src/cli/proxy.ts) and the proxy e2e spec's requester.
import type { Page } from '@playwright/test';
import type { ProxyTransport } from '../services/proxy/provider-host.ts';

export interface RelayEndpoint {
  hello(wire_id: string, handshake: Record<string, unknown>): void;
  message(wire_id: string, bytes: Uint8Array): void;
  closed(wire_id: string): void;
}

interface RelayWindow {
  seedpayProxyRelay: {
    join(role: string, pk_hex: string): Promise<string>;
    send(wire_id: string, bytes_b64: string): boolean;
    drop(wire_id: string): void;
  };
}

/** Exposes the callbacks (call before the page loads, so they exist when it joins) and returns the transport. */
export async function attachRelay(page: Page, endpoint: RelayEndpoint): Promise<ProxyTransport> {
  await page.exposeFunction('proxyRelayHello', (wire_id: string, hello: Record<string, unknown> | null) => {
    endpoint.hello(wire_id, hello ? { sp_proxy: hello } : {});
  });
  await page.exposeFunction('proxyRelayFrame', (wire_id: string, bytes_b64: string) => {
    endpoint.message(wire_id, new Uint8Array(Buffer.from(bytes_b64, 'base64')));
  });
  await page.exposeFunction('proxyRelayClose', (wire_id: string) => endpoint.closed(wire_id));
  return {
    send(wire_id, bytes) {
      const b64 = Buffer.from(bytes).toString('base64');
      page.evaluate(([id, b]) => (window as unknown as RelayWindow).seedpayProxyRelay.send(id, b), [wire_id, b64] as const).catch(() => {});
    },
    drop(wire_id) {
      page.evaluate((id) => (window as unknown as RelayWindow).seedpayProxyRelay.drop(id), wire_id).catch(() => {});
    },
  };
}

/** Loads the relay page from the server and joins the service swarm; returns the swarm's info hash. */
export async function joinServiceSwarm(page: Page, server: string, role: 'requester' | 'provider', pk_hex: string): Promise<string> {
  await page.goto(`${server}/proxy-relay.html`);
  await page.waitForFunction(() => 'seedpayProxyRelay' in window);
  return page.evaluate(([r, pk]) => (window as unknown as RelayWindow).seedpayProxyRelay.join(r, pk), [role, pk_hex] as const);
}

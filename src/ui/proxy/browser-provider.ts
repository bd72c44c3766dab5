// The proxy provider in this browser: joins the proxy's service swarm as a provider and serves requesters with the
// same provider host the terminal runs (src/services/proxy/provider-host.ts), paid on this origin's ledger to the
// wallet's key. It fetches with cors-fetch.ts, so it serves only URLs whose site answers CORS for this origin and
// refuses the rest with `cors_not_allowed`; the URL guard refuses private literals and local names before any request.
import { toPublicKeyHex, type Signer } from '../../protocol/ed25519.ts';
import { corsFetch } from '../../services/proxy/cors-fetch.ts';
import type { ProviderLimits } from '../../services/proxy/job-request.ts';
import { ProviderHost } from '../../services/proxy/provider-host.ts';
import { providerLedgerPorts } from '../../services/proxy/provider-ledger.ts';
import { PROXY_EXTENSION_NAME, PROXY_EXTENSION_VERSION, PROXY_SWARM_NAME } from '../../services/proxy/proxy-extension.ts';
import type { ServiceSwarm, ServiceWire } from '../../peer/service-swarm.ts';
import type { LedgerClient } from '../../wallet/ledger-client.ts';

/** Where the bytes served today are kept, so a reload does not reset the day's limit. */
const DAY_KEY = 'seedpay.proxy-provider.day';
/** The day's counter is saved this often while serving. */
const SAVE_EVERY_MS = 5_000;

export interface BrowserProviderStatus {
  readonly jobs_served: number;
  readonly bytes_today: number;
  readonly sessions: number;
}

/**
 * FOR TESTS ONLY: `host:port` entries the URL guard lets through (a loopback origin), read from
 * `globalThis.seedpayProxyTestAllow`, which only a script of this origin (Playwright's addInitScript) can set.
 */
export function testAllowlist(): string[] {
  const v: unknown = (globalThis as { seedpayProxyTestAllow?: unknown }).seedpayProxyTestAllow;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function loadDayBytes(): number {
  try {
    const v = JSON.parse(localStorage.getItem(DAY_KEY) ?? 'null') as { day?: unknown; bytes?: unknown } | null;
    return v?.day === today() && Number.isSafeInteger(v.bytes) ? (v.bytes as number) : 0;
  } catch {
    return 0;
  }
}

export class BrowserProvider {
  readonly #host: ProviderHost;
  readonly #wires = new Map<string, ServiceWire>();
  #swarm: ServiceSwarm | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(signer: Signer, ledger: LedgerClient, limits: ProviderLimits, allow: readonly string[] = testAllowlist()) {
    this.#host = new ProviderHost({
      signer, limits,
      transport: {
        send: (id, bytes) => this.#wires.get(id)?.extended(PROXY_EXTENSION_NAME, bytes),
        drop: (id) => this.#wires.get(id)?.destroy(),
      },
      fetch: (url, opts) => corsFetch(url, { ...opts, allow }),
      ...providerLedgerPorts(ledger, signer),
    });
    this.#host.day_served_bytes = loadDayBytes();
    this.public_key = toPublicKeyHex(signer.publicKey);
  }

  readonly public_key: string;

  status(): BrowserProviderStatus {
    return { jobs_served: this.#host.jobs_served, bytes_today: this.#host.day_served_bytes, sessions: this.#host.sessions };
  }

  async start(): Promise<void> {
    if (this.#swarm) return;
    const { joinServiceSwarm } = await import('../../peer/service-swarm.ts');
    const host = this.#host;
    const wires = this.#wires;
    const pk = this.public_key;
    let next = 1;
    // One relay per wire: our hello goes out in the extended handshake, the peer's and every message go to the host.
    class Relay {
      readonly id = String(next++);
      constructor(wire: ServiceWire) {
        wires.set(this.id, wire);
        wire.extendedHandshake[PROXY_EXTENSION_NAME] = { v: PROXY_EXTENSION_VERSION, role: 'provider', pk };
      }
      onExtendedHandshake(handshake: Record<string, unknown>): void {
        host.hello(this.id, handshake);
      }
      onMessage(buffer: Uint8Array): void {
        host.message(this.id, buffer);
      }
    }
    Object.defineProperty(Relay.prototype, 'name', { value: PROXY_EXTENSION_NAME });
    this.#swarm = await joinServiceSwarm<Relay>(PROXY_SWARM_NAME, Relay, {
      opened: () => {},
      closed: (relay) => {
        wires.delete(relay.id);
        host.closed(relay.id);
      },
    });
    host.start();
    this.#timer = setInterval(() => this.#saveDay(), SAVE_EVERY_MS);
  }

  stop(): void {
    this.#saveDay();
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#host.stop();
    this.#swarm?.leave();
    this.#swarm = null;
    for (const id of [...this.#wires.keys()]) this.#host.closed(id);
    this.#wires.clear();
  }

  #saveDay(): void {
    try {
      localStorage.setItem(DAY_KEY, JSON.stringify({ day: today(), bytes: this.#host.day_served_bytes }));
    } catch {
      // Storage full or blocked: the limit still holds until the page closes.
    }
  }
}

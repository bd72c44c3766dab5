// Shared by the proxy terminal specs: deterministic file contents, fresh job ids, the provider limits the specs use,
// a requester key funded on the real ledger through the airdrop (its proof of work solved in the test process), and
// a requester's relay page whose sp_proxy extensions run in the test process.
import type { Page } from '@playwright/test';
import { attachRelay, joinServiceSwarm } from '../../src/cli/proxy-relay-node.ts';
import { createNobleSigner, toPublicKeyHex, type PublicKeyHex, type Signer } from '../../src/protocol/ed25519.ts';
import { signPaymentState, type ChannelId } from '../../src/protocol/payment-state.ts';
import { solvePowChunk } from '../../src/protocol/pow.ts';
import type { JobId, ProviderLimits } from '../../src/services/proxy/job-request.ts';
import { RequesterClient, type ProxyJobStore } from '../../src/services/proxy/requester-client.ts';
import type { ProxyTransport } from '../../src/services/proxy/provider-host.ts';
import { proxyExtension, type ProxyExtension, type ProxyHello } from '../../src/services/proxy/proxy-extension.ts';
import type { LedgerClient } from '../../src/wallet/ledger-client.ts';

export const CHUNK = 64 * 1024;
export const LIMITS: ProviderLimits = { price_units_per_kib: 1n, max_job_bytes: 64 * 1024 * 1024, max_day_bytes: 1 << 30, allowed_hosts: null, allowed_content_types: null };

export function content(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 2654435761 + seed * 97) >>> 24;
  return out;
}

export function newSigner() {
  return createNobleSigner(crypto.getRandomValues(new Uint8Array(32)));
}

export function randomJobId(): JobId {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex') as JobId;
}

export async function fundedSigner(ledger: LedgerClient) {
  const signer = createNobleSigner(crypto.getRandomValues(new Uint8Array(32)));
  const key = toPublicKeyHex(signer.publicKey);
  const challenge = await ledger.airdropChallenge(key);
  const puzzle = { challenge: Buffer.from(challenge.challenge, 'hex'), public_key: signer.publicKey, difficulty_bits: challenge.difficulty_bits };
  let start_nonce = 0;
  for (;;) {
    const r = solvePowChunk({ ...puzzle, start_nonce, max_tries: 1_000_000 });
    if (r.found) {
      await ledger.claimAirdrop(signer, { challenge: puzzle.challenge, pow_nonce: r.nonce });
      return { signer, key };
    }
    start_nonce = r.next_nonce;
  }
}

/** A requester's relay page (call before it loads): one extension per wire, `ready` once the peer said hello. */
export async function requesterRelay(page: Page, key: PublicKeyHex, on: {
  ready(wire_id: string, ext: ProxyExtension, remote: ProxyHello | null): void;
  closed(wire_id: string, ext: ProxyExtension | undefined): void;
}): Promise<ProxyTransport> {
  const Ext = proxyExtension({ role: 'requester', payment_pk: key });
  const exts = new Map<string, ProxyExtension>();
  let transport: ProxyTransport | null = null;
  transport = await attachRelay(page, {
    hello: (id, handshake) => {
      const ext = new Ext({ destroyed: false, extendedHandshake: {}, extended: (_n, bytes) => transport?.send(id, bytes), destroy: () => transport?.drop(id) });
      exts.set(id, ext);
      ext.handler = { ready: (remote) => on.ready(id, ext, remote), frame: () => {}, warning: () => {} };
      ext.onExtendedHandshake(handshake);
    },
    message: (id, bytes) => exts.get(id)?.onMessage(bytes),
    closed: (id) => on.closed(id, exts.get(id)),
  });
  return transport;
}

/**
 * A requester in the test process: its RequesterClient (channels opened on the real ledger, `payees` records who
 * each pays) on a relay page that joined the proxy service swarm and adds every provider that says hello.
 */
export async function swarmRequester(page: Page, server: string, ledger: LedgerClient, signer: Signer, store: ProxyJobStore) {
  const key = toPublicKeyHex(signer.publicKey);
  const payees = new Map<ChannelId, PublicKeyHex>();
  const client = new RequesterClient({
    openChannel: async (payee, escrow_units, timeout_ms, ctx) => {
      const ch = await ledger.openChannel(signer, { payee, escrow_units, timeout_ms, context: ctx });
      payees.set(ch.channel_id, payee);
      return { channel_id: ch.channel_id, escrow_units: ch.escrow_units, expires_at_ms: ch.expires_at_ms };
    },
    sign: (s, ctx) => signPaymentState(signer, s, ctx),
    now: () => Date.now(),
    newJobId: randomJobId,
  }, store, key);
  await requesterRelay(page, key, {
    ready: (_id, ext, remote) => void (remote?.role === 'provider' && client.addProvider(remote.payment_pk, ext)),
    closed: (_id, ext) => void (ext && client.wireClosed(ext)),
  });
  await joinServiceSwarm(page, server, 'requester', key);
  return { client, payees };
}

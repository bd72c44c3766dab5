// The provider host with relayed wires (in memory) and a real loopback origin: a session dropped with a chunk's
// payment lost lingers with its channel open; another payer's copy of that payment and its `done` change nothing;
// the same payer's reconnect re-sends it, and the earlier session is paid and closes at once.
import { afterEach, describe, expect, it } from 'vitest';
import type { PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import { signPaymentState, type SignedPaymentState } from '../../../src/protocol/payment-state.ts';
import { fromJSON, toJSON } from '../../../src/services/proxy/chunk-record.ts';
import type { JobId } from '../../../src/services/proxy/job-request.ts';
import { RequesterShell } from '../../../src/services/proxy/requester-shell.ts';
import type { RequesterState } from '../../../src/services/proxy/requester-session.ts';
import { memoryHost } from './host-harness.ts';
import { startOrigin, type Origin } from './origin.ts';
import { jobId, party, ProxyLedger } from './proxy-harness.ts';

const CHUNK = 2048;
const alice = party(11);
const mallory = party(12);
const provider = party(13);

let origin: Origin | null = null;
afterEach(async () => {
  await origin?.close();
  origin = null;
});

const setup = (o: Origin, ledger: ProxyLedger) => memoryHost(provider, o, ledger);

describe('provider host', () => {
  it('routes a re-sent payment only to the same payer\'s earlier session, which then closes', async () => {
    const file = new Uint8Array(8 * CHUNK).map((_, i) => (i * 7) & 0xff);
    origin = await startOrigin(file, '"v1"');
    const ledger = new ProxyLedger();
    const { host, connect, cut } = setup(origin, ledger);
    let record: string | null = null;
    let last: SignedPaymentState | null = null;

    // Session 1: the link is cut while the 3rd chunk is being stored, so its payment leaves into a dead link.
    const one = connect(alice);
    let stored = 0;
    const shell = new RequesterShell({
      send: (f) => void one.ext.send(f),
      openChannel: async (payee, escrow, timeout, ctx) => ledger.open(alice.key, payee as PublicKeyHex, escrow, timeout, Date.now(), ctx),
      sign: (s, ctx) => signPaymentState(alice.signer, s, ctx),
      store: async () => {
        if (++stored === 3) cut(one.id);
      },
      persist: async (j) => void (record = j === null ? null : toJSON(j)),
      now: () => Date.now(),
    }, {
      request: { job_id: jobId(1), url: `${origin.base}/file`, chunk_size: CHUNK, max_price_units_per_kib: 5n, cap_units: 10n ** 9n, max_bytes: 1 << 20, if_range: null },
      payer_key: alice.key, job: null, job_spent_units: 0n, day_cap_units: 10n ** 9n, day_spent_units: 0n,
    });
    one.ext.handler = { ready: () => {}, frame: (f) => void shell.frame(f), warning: () => {} };
    for (let i = 0; i < 200 && shell.last_payment?.seq !== 3n; i++) await new Promise((r) => setTimeout(r, 10));
    await shell.dropped();
    const ended: RequesterState = await shell.settled;
    last = shell.last_payment;
    expect(ended.stop).toEqual({ kind: 'dropped' });
    expect(last?.amount_units).toBe(3n * 2n * 2n); // three 2 KiB chunks at 2 units/KiB
    await new Promise((r) => setTimeout(r, 20));
    const channel = [...ledger.channels.values()][0];
    expect(channel?.open).toBe(true); // lingering: the third chunk's payment never arrived

    // Mallory replays Alice's payment and a done for Alice's job: the session is not hers, nothing changes.
    const m = connect(mallory);
    m.ext.send({ type: 'payment', job_id: jobId(1) as JobId, payment: last as SignedPaymentState });
    m.ext.send({ type: 'done', job_id: jobId(1) as JobId, reason: 'stopped' });
    await new Promise((r) => setTimeout(r, 50));
    expect([...ledger.channels.values()][0]?.open).toBe(true);

    // Alice reconnects: her new session re-sends the payment first; the earlier session is paid and closes.
    const two = connect(alice);
    const back = fromJSON(record ?? '');
    if (!back.ok) throw new Error(back.reason);
    const resumed = new RequesterShell({
      send: (f) => void two.ext.send(f),
      openChannel: async (payee, escrow, timeout, ctx) => ledger.open(alice.key, payee as PublicKeyHex, escrow, timeout, Date.now(), ctx),
      sign: (s, ctx) => signPaymentState(alice.signer, s, ctx),
      store: async () => {},
      persist: async () => {},
      now: () => Date.now(),
    }, {
      request: { job_id: jobId(2), url: `${origin.base}/file`, chunk_size: CHUNK, max_price_units_per_kib: 5n, cap_units: 10n ** 9n, max_bytes: 1 << 20, if_range: '"v1"' },
      payer_key: alice.key, job: back.job, job_spent_units: last?.amount_units ?? 0n, day_cap_units: 10n ** 9n, day_spent_units: 0n,
      resend: { job_id: jobId(1) as JobId, payment: last as SignedPaymentState },
    });
    two.ext.handler = { ready: () => {}, frame: (f) => void resumed.frame(f), warning: () => {} };
    expect((await resumed.settled).phase).toBe('Done');
    await new Promise((r) => setTimeout(r, 50));
    const channels = [...ledger.channels.values()];
    expect(channels.map((c) => c.open)).toEqual([false, false]);
    expect(ledger.settledUnits()).toBe(8n * 2n * 2n);
    expect(channels[0]?.closed_units).toBe(last?.amount_units);
    host.stop();
  });
});

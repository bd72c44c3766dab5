// Property: 10 runs × 1,000 random operations (10,000 in all) on the domain + SQLite store. After EVERY operation
// the supply is conserved, the journal grew by exactly one entry iff the operation succeeded, and an incremental
// audit (chain, signatures, replayed rows it touched) finds nothing; each run ends with a full audit.
import { NO_CONTEXT } from '../../src/protocol/payment-state.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditStore, JournalReplay } from '../../src/ledger/audit.ts';
import { genesisWrites, LedgerEngine } from '../../src/ledger/engine.ts';
import type { Command } from '../../src/ledger/ledger.ts';
import { ledgerKeyFromSecret } from '../../src/ledger/ledger-key.ts';
import { SqliteStore } from '../../src/ledger/store-sqlite.ts';
import type { PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { channelIdFor } from '../../src/protocol/ledger-request.ts';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import type { ChannelId } from '../../src/protocol/payment-state.ts';

const RUNS = 10;
const OPS_PER_RUN = 1_000;
const KEYS = Array.from({ length: 6 }, (_, i) => (i + 1).toString(16).padStart(2, '0').repeat(32) as PublicKeyHex);
const AIRDROP_UNITS = 50_000n;
const SIG = 'ab'.repeat(64);

const who = fc.integer({ min: 0, max: KEYS.length - 1 });
/** How the nonce relates to the account's last one: mostly fresh, sometimes a replay or older. */
const nonceKind = fc.constantFrom('fresh', 'fresh', 'fresh', 'fresh', 'same', 'older');
/** Amount as a percentage of what is available: 0 and above 100 exercise the refusals. */
const percent = fc.integer({ min: 0, max: 130 });
const op = fc.oneof(
  fc.record({ kind: fc.constant('airdrop' as const), who, nonce: nonceKind }),
  fc.record({ kind: fc.constant('transfer' as const), who, to: who, percent, nonce: nonceKind }),
  fc.record({ kind: fc.constant('open' as const), who, to: who, percent, nonce: nonceKind, timeout_ms: fc.integer({ min: 500, max: 30_000 }) }),
  fc.record({ kind: fc.constant('close' as const), channel: fc.nat(), wrongPayee: fc.integer({ min: 0, max: 4 }).map((n) => n === 0), percent, nonce: nonceKind }),
  fc.record({ kind: fc.constant('expire' as const), channel: fc.nat() }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 2_000 }) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const outcomes = new Map<string, number>();

async function runOps(ops: Op[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-prop-'));
  const store = SqliteStore.open(dir);
  try {
    let now_ms = 1_700_000_000_000;
    const key = ledgerKeyFromSecret(randomBytes(32));
    await store.init(key.ledger_id, () => genesisWrites(key, now_ms));
    const engine = new LedgerEngine(store, key, () => now_ms);
    const replay = new JournalReplay(key.ledger_id);
    expect((await auditStore(store, replay, 'full')).problems).toEqual([]);
    const channels: Array<{ id: ChannelId; payer: PublicKeyHex; payee: PublicKeyHex; escrow_units: bigint }> = [];

    const nonceFor = async (id: PublicKeyHex, kind: string): Promise<bigint> => {
      const last = (await store.account(id))?.nonce ?? 0n;
      if (kind === 'fresh') return last + 1n + BigInt(now_ms % 3);
      if (kind === 'same') return last === 0n ? 1n : last;
      return last > 1n ? last - 1n : 1n;
    };
    const available = async (id: PublicKeyHex) => (await store.account(id))?.balance_units ?? 0n;
    /** Mostly one of the last few channels opened, so closes meet channels that are still open. */
    const recent = (n: number) => channels[channels.length - 1 - (n % Math.max(1, Math.min(channels.length, 8)))];
    const share = (units: bigint, p: number) => (units * BigInt(p)) / 100n + (p > 100 ? 1n : 0n);

    for (const o of ops) {
      let command: Command | null = null;
      switch (o.kind) {
        case 'tick':
          now_ms += o.ms;
          break;
        case 'airdrop': {
          const account = KEYS[o.who]!;
          command = { kind: 'airdrop_claim', account, amount_units: AIRDROP_UNITS, nonce: await nonceFor(account, o.nonce), signature: SIG };
          break;
        }
        case 'transfer': {
          const from = KEYS[o.who]!;
          const amount_units = share(await available(from), o.percent);
          command = { kind: 'transfer', from, to: KEYS[o.to]!, amount_units, nonce: await nonceFor(from, o.nonce), signature: SIG };
          break;
        }
        case 'open': {
          const payer = KEYS[o.who]!;
          const escrow_units = share(await available(payer), o.percent);
          const nonce = await nonceFor(payer, o.nonce);
          command = { kind: 'channel_open', payer, payee: KEYS[o.to]!, escrow_units, timeout_ms: o.timeout_ms, context: NO_CONTEXT, nonce, signature: SIG };
          break;
        }
        case 'close': {
          const ch = recent(o.channel);
          if (!ch) break;
          const payee = o.wrongPayee ? KEYS.find((k) => k !== ch.payee)! : ch.payee;
          const amount_units = share(ch.escrow_units, o.percent);
          const nonce = await nonceFor(payee, o.nonce);
          command = { kind: 'channel_close', payee, channel_id: ch.id, payer: ch.payer, amount_units, seq: 1n, payment_signature: SIG, nonce, signature: SIG };
          break;
        }
        case 'expire': {
          const ch = recent(o.channel);
          if (ch) command = { kind: 'channel_expire', channel_id: ch.id, payer: ch.payer };
          break;
        }
      }
      if (!command) continue;
      const before = await store.head();
      const outcome = await engine.submit(command);
      const after = await store.head();
      const tally = `${command.kind}:${outcome.code}`;
      outcomes.set(tally, (outcomes.get(tally) ?? 0) + 1);
      expect(after.seq).toBe(before.seq + (outcome.code === 'ok' ? 1 : 0));
      if (outcome.code === 'ok' && command.kind === 'channel_open') {
        channels.push({ id: channelIdFor(command.payer, command.nonce), payer: command.payer, payee: command.payee, escrow_units: command.escrow_units });
      }
      const totals = await store.totals();
      expect(totals.balance_units + totals.escrow_units).toBe(TOTAL_SUPPLY_UNITS);
      expect(totals.escrow_units).toBe(totals.open_escrow_units);
      const report = await auditStore(store, replay, 'touched');
      expect(report.problems).toEqual([]);
    }
    expect((await auditStore(store, new JournalReplay(key.ledger_id), 'full')).problems).toEqual([]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('ledger properties (domain + SQLite store)', () => {
  it(`conserves supply and keeps a sound journal over ${RUNS * OPS_PER_RUN} random operations`, { timeout: 240_000 }, async () => {
    let executed = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: OPS_PER_RUN, maxLength: OPS_PER_RUN }), async (ops) => {
        await runOps(ops);
        executed += ops.length;
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    expect(executed).toBeGreaterThanOrEqual(10_000);
    // Every kind of command both succeeded and was refused, so the properties were tested on both paths.
    for (const kind of ['airdrop_claim', 'transfer', 'channel_open', 'channel_close', 'channel_expire']) {
      expect(outcomes.get(`${kind}:ok`) ?? 0).toBeGreaterThan(0);
      expect([...outcomes.keys()].some((k) => k.startsWith(`${kind}:`) && !k.endsWith(':ok'))).toBe(true);
    }
    process.stdout.write(`property outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}\n`);
  });
});

// Crash safety: the ledger runs as its own process (src/ledger/main.ts via tsx) on SQLite; SIGKILL lands in the middle
// of a load run, twice. After each restart every acknowledged operation is there, the audit replays a sound chain
// whose rows match (nothing half-applied), and balances + escrows still equal the total supply.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { hexToBytes } from '@noble/hashes/utils.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { PublicKeyHex, Signer } from '../../src/protocol/ed25519.ts';
import { TOTAL_SUPPLY_UNITS } from '../../src/protocol/money.ts';
import { signPaymentState, type ChannelId } from '../../src/protocol/payment-state.ts';
import { LedgerClient } from '../../src/wallet/ledger-client.ts';
import { newSigner, solve } from './helpers/ledger.ts';

const WORKERS = 8;
const KILLS = 2;
/** Acknowledged operations before the kill: enough that requests are in flight when it lands. */
const ACKS_BEFORE_KILL = 150;

const dataDir = mkdtempSync(join(tmpdir(), 'seedpay-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function startLedger(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/ledger/main.ts'], {
    env: { ...process.env, SEEDPAY_DATA_DIR: dataDir, LEDGER_PORT: '0', LEDGER_AIRDROP_DIFFICULTY_BITS: '4', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`ledger exited with ${code} before listening`)));
  });
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

type Ack =
  | { kind: 'open'; channel_id: ChannelId; payer: PublicKeyHex; escrow_units: bigint }
  | { kind: 'close'; channel_id: ChannelId; paid_units: bigint }
  | { kind: 'transfer'; from: PublicKeyHex; nonce: bigint };

interface Worker {
  payer: { signer: Signer; key: PublicKeyHex };
  payee: { signer: Signer; key: PublicKeyHex };
}

/** Each worker loops open → close → transfer; stops at the first failed request (the kill). */
async function load(client: LedgerClient, workers: Worker[], acks: Ack[], onAck: () => void): Promise<void> {
  await Promise.all(
    workers.map(async ({ payer, payee }) => {
      let nonce = BigInt(Date.now()) * 1000n;
      try {
        for (let round = 1; ; round++) {
          const ch = await client.openChannel(payer.signer, { payee: payee.key, escrow_units: 1_000n, timeout_ms: 3_600_000, nonce: ++nonce });
          acks.push({ kind: 'open', channel_id: ch.channel_id, payer: payer.key, escrow_units: 1_000n });
          onAck();
          const paid_units = BigInt(round % 1_000);
          const state = await signPaymentState(payer.signer, { channel_id: ch.channel_id, amount_units: paid_units, seq: BigInt(round) });
          await client.closeChannel(payee.signer, { state, nonce: ++nonce });
          acks.push({ kind: 'close', channel_id: ch.channel_id, paid_units });
          onAck();
          await client.transfer(payee.signer, { to: payer.key, amount_units: 1n, nonce: ++nonce });
          acks.push({ kind: 'transfer', from: payee.key, nonce });
          onAck();
        }
      } catch {
        // the ledger was killed under this request: it was not acknowledged, so it is not counted
      }
    }),
  );
}

describe('crash safety (SQLite, separate process)', () => {
  it(`keeps every acknowledged operation across ${KILLS} SIGKILLs mid-load`, { timeout: 120_000 }, async () => {
    let ledger = await startLedger();
    const workers: Worker[] = [];
    try {
      const client = new LedgerClient({ baseUrl: ledger.url });
      for (let i = 0; i < WORKERS; i++) {
        const payer = await newSigner();
        const c = await client.airdropChallenge(payer.key);
        const bytes = hexToBytes(c.challenge);
        await client.claimAirdrop(payer.signer, { challenge: bytes, pow_nonce: solve(bytes, payer.key, c.difficulty_bits) });
        workers.push({ payer, payee: await newSigner() });
      }
      const acks: Ack[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        const client = new LedgerClient({ baseUrl: ledger.url });
        const target = acks.length + ACKS_BEFORE_KILL;
        let killed = false;
        await load(client, workers, acks, () => {
          if (!killed && acks.length >= target) {
            killed = true;
            ledger.child.kill('SIGKILL');
          }
        });
        expect(killed).toBe(true);
        ledger = await startLedger();
        const after = new LedgerClient({ baseUrl: ledger.url });
        for (const ack of acks) {
          if (ack.kind === 'open') {
            expect((await after.channel(ack.channel_id)).escrow_units).toBe(ack.escrow_units);
          } else if (ack.kind === 'close') {
            expect(await after.channel(ack.channel_id)).toMatchObject({ state: 'closed', paid_units: ack.paid_units });
          } else {
            expect((await after.account(ack.from)).nonce >= ack.nonce).toBe(true);
          }
        }
        const audit = await after.audit();
        expect(audit.problems).toEqual([]);
        expect(BigInt(audit.balance_units as string) + BigInt(audit.escrow_units as string)).toBe(TOTAL_SUPPLY_UNITS);
        process.stdout.write(`crash ${kill + 1}: ${acks.length} acknowledged operations intact, journal ${String(audit.journal_entries)} entries\n`);
      }
    } finally {
      ledger.child.kill('SIGKILL');
    }
  });
});

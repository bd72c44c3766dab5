// Load generation for the ledger bench: the ledger in its own process, pre-signed open+close cycles fired over
// keep-alive HTTP (node:http, cheaper per request than fetch), closed-loop and at a fixed rate; and the raw store.
import { NO_CONTEXT } from '../../../src/protocol/payment-state.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { createWebCryptoSigner, toPublicKeyHex, type PublicKeyHex, type Signer } from '../../../src/protocol/ed25519.ts';
import { channelIdFor, encodeLedgerRequest } from '../../../src/protocol/ledger-request.ts';
import { signPaymentState, type ChannelId } from '../../../src/protocol/payment-state.ts';
import { LedgerClient } from '../../../src/wallet/ledger-client.ts';
import { genesisWrites } from '../../../src/ledger/engine.ts';
import { ledgerKeyFromSecret } from '../../../src/ledger/ledger-key.ts';
import { RESERVES } from '../../../src/ledger/genesis.ts';
import type { AccountRow, ChannelRow, JournalEntry, Store } from '../../../src/ledger/store.ts';
import { solve } from './ledger.ts';

export interface RunningLedger {
  readonly url: string;
  readonly ledger_id: PublicKeyHex;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function spawnLedger(dataDir: string, databaseUrl?: string): Promise<RunningLedger> {
  const child = spawn(process.execPath, [...(process.env.LEDGER_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), '--import', 'tsx', 'src/ledger/main.ts'], {
    env: { ...process.env, SEEDPAY_DATA_DIR: dataDir, LEDGER_PORT: '0', LEDGER_AIRDROP_DIFFICULTY_BITS: '4', DATABASE_URL: databaseUrl ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Never leave a ledger behind if this process dies first.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.removeListener('exit', reap));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`ledger exited with ${code}`)));
  });
  const info = JSON.parse(line) as { url: string; ledger_id: PublicKeyHex };
  return {
    ...info,
    child,
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs JSON; resolves with the status, the reply and the latency in ms. */
export function post(url: string, body: string): Promise<{ status: number; ms: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface Cycle {
  readonly openPath: string;
  readonly openBody: string;
  readonly closePath: string;
  readonly closeBody: string;
}

interface Pair {
  payer: Signer;
  payee: Signer;
}

/** Funds `count` payers from one airdrop claim (the claim limiter allows a handful per address and minute). */
export async function fundedPairs(ledger: RunningLedger, count: number): Promise<Pair[]> {
  const client = new LedgerClient({ baseUrl: ledger.url, ledgerId: ledger.ledger_id });
  const mk = () => createWebCryptoSigner(globalThis.crypto.subtle, randomBytes(32));
  const bank = await mk();
  const bankKey = toPublicKeyHex(bank.publicKey);
  const c = await client.airdropChallenge(bankKey);
  const challenge = hexToBytes(c.challenge);
  await client.claimAirdrop(bank, { challenge, pow_nonce: solve(challenge, bankKey, c.difficulty_bits), nonce: 1n });
  const pairs: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const pair = { payer: await mk(), payee: await mk() };
    await client.transfer(bank, { to: toPublicKeyHex(pair.payer.publicKey), amount_units: c.amount_units / BigInt(count + 1), nonce: BigInt(2 + i) });
    pairs.push(pair);
  }
  return pairs;
}

/** Pre-signs `cycles` open+close cycles for one pair, with nonces from `first_nonce` on. */
export async function signCycles(ledger_id: PublicKeyHex, pair: Pair, first_nonce: bigint, cycles: number): Promise<Cycle[]> {
  const payer = toPublicKeyHex(pair.payer.publicKey);
  const payee = toPublicKeyHex(pair.payee.publicKey);
  const out: Cycle[] = [];
  for (let i = 0; i < cycles; i++) {
    const nonce = first_nonce + BigInt(i);
    const open = { kind: 'channel_open' as const, payer, payee, escrow_units: 1_000n, timeout_ms: 600_000, context: NO_CONTEXT, nonce };
    const openSig = bytesToHex(await pair.payer.sign(encodeLedgerRequest(ledger_id, open)));
    const channel_id: ChannelId = channelIdFor(payer, nonce);
    const state = await signPaymentState(pair.payer, { channel_id, amount_units: 1n, seq: 1n });
    const close = { kind: 'channel_close' as const, payee, channel_id, amount_units: 1n, seq: 1n, payment_signature: state.signature, nonce };
    const closeSig = bytesToHex(await pair.payee.sign(encodeLedgerRequest(ledger_id, close)));
    out.push({
      openPath: '/channels',
      openBody: JSON.stringify({ payer, payee, escrow_units: '1000', timeout_ms: 600_000, context: NO_CONTEXT, nonce: String(nonce), signature: openSig }),
      closePath: `/channels/${channel_id}/close`,
      closeBody: JSON.stringify({
        payee,
        amount_units: '1',
        seq: '1',
        payment_signature: bytesToHex(state.signature),
        nonce: String(nonce),
        signature: closeSig,
      }),
    });
  }
  return out;
}

/** Runs one cycle; throws on any non-2xx so a bench never reports refused work as throughput. */
export async function runCycle(base: string, cycle: Cycle, latencies_ms: number[]): Promise<void> {
  const open = await post(base + cycle.openPath, cycle.openBody);
  if (open.status !== 201) throw new Error(`open answered ${open.status} ${open.body}`);
  const close = await post(base + cycle.closePath, cycle.closeBody);
  if (close.status !== 200) throw new Error(`close answered ${close.status} ${close.body}`);
  latencies_ms.push(open.ms, close.ms);
}

/** The raw store: one debit + channel insert + journal append per transaction, no HTTP, no crypto. */
export async function storeInsertCeiling(store: Store, duration_ms: number, per_transaction: number): Promise<number> {
  const key = ledgerKeyFromSecret(randomBytes(32));
  await store.init(key.ledger_id, () => genesisWrites(key, 1));
  const reserve = RESERVES[0]!.id;
  const signature = 'ab'.repeat(64);
  let done = 0;
  const started = performance.now();
  while (performance.now() - started < duration_ms) {
    await store.transact({ account_ids: [reserve], channel_ids: [] }, (loaded) => {
      let account = loaded.accounts.get(reserve) as AccountRow;
      let head = loaded.head;
      const channels: ChannelRow[] = [];
      const entries: JournalEntry[] = [];
      for (let i = 0; i < per_transaction; i++) {
        const seq = head.seq + 1;
        const id = createHash('sha256').update(`c${seq}`).digest('hex') as ChannelId;
        account = { ...account, balance_units: account.balance_units - 1n, escrow_units: account.escrow_units + 1n };
        channels.push({ id, payer: reserve as PublicKeyHex, payee: reserve as PublicKeyHex, escrow_units: 1n, timeout_ms: 1, context: NO_CONTEXT, opened_at_ms: 1, expires_at_ms: 2, state: 'open', paid_units: 0n, refund_units: 0n, payment_seq: null, closed_at_ms: null, open_seq: seq, close_seq: null });
        const hash = createHash('sha256').update(`e${seq}`).digest('hex');
        entries.push({ seq, at_ms: 1, kind: 'channel_open', account_a: reserve, account_b: null, channel_id: id, body: `{"n":${seq}}`, prev_hash: head.hash, hash, signature });
        head = { seq, hash };
      }
      return { accounts: [account], channels, entries };
    });
    done += per_transaction;
  }
  return (done * 1000) / (performance.now() - started);
}

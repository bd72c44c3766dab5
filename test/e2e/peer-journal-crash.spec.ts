// Kill the requester's whole browser (SIGKILL, no unload) while it pays piece by piece: the payer state it journaled
// in OPFS before each payment is on disk, the next start on the same profile resumes that channel from it, re-signs
// no lower amount, pays no piece twice, and the channel closes at exactly piece_count × piece cost.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type BrowserContext } from '@playwright/test';
import { chromiumArgs, chromiumExecutable } from '../../src/cli/chromium.ts';
import { replay } from '../../src/peer/journal-frame.ts';
import {
  add, auditHolds, balance, baseUrl, openLab, providerOptions, requesterOptions, seed, waitForWallet, walletEvents, RESERVE_UNITS_PER_KIB,
  type WalletEventJson,
} from './peer-helpers.ts';

const MiB = 1024 * 1024;
const NAMESPACE = 'crash-requester';
/** Payments seen before the crash is triggered: well into the download, far from its end. */
const PAYMENTS_BEFORE_CRASH = 6;

/** The browser process of a persistent context: the one Chromium process of its profile without a --type. */
function browserPid(profile: string): number {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const line = ps.split('\n').find((l) => l.includes(`--user-data-dir=${profile}`) && !l.includes('--type='));
  const pid = Number(line?.trim().split(/\s+/)[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error('browser process not found');
  return pid;
}

const launch = (profile: string): Promise<BrowserContext> =>
  chromium.launchPersistentContext(profile, { executablePath: chromiumExecutable(), args: chromiumArgs });

interface JournaledPayer {
  seq: bigint;
  amount_units: bigint;
  paid: Set<number>;
}

/** Reads the journal's two files from the page (the peer is not running) and replays them as the worker would. */
async function readJournal(page: import('@playwright/test').Page, info_hash: string): Promise<JournaledPayer> {
  const files = await page.evaluate(async (ns) => {
    const dir = await (await (await navigator.storage.getDirectory()).getDirectoryHandle('seedpay')).getDirectoryHandle(ns);
    const out: number[][] = [];
    for (const name of ['channels.0.journal', 'channels.1.journal']) {
      const file = await (await dir.getFileHandle(name)).getFile();
      out.push([...new Uint8Array(await file.arrayBuffer())]);
    }
    return out;
  }, NAMESPACE);
  const { live } = replay(files.map((f) => Uint8Array.from(f)));
  const payers = [...live.values()].filter((e) => e.key.startsWith(`payer:${info_hash}:`));
  expect(payers).toHaveLength(1);
  const json = JSON.parse(payers[0]?.text ?? 'null') as { channel: { seq: string; amount_units: string }; paid_pieces: string };
  const bits = Buffer.from(json.paid_pieces, 'hex');
  const paid = new Set<number>();
  for (let i = 0; i < bits.length * 8; i++) if ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) paid.add(i);
  return { seq: BigInt(json.channel.seq), amount_units: BigInt(json.channel.amount_units), paid };
}

test('a requester whose browser is killed mid-payment resumes from its journal, paying no piece twice', async ({ browser }) => {
  const profile = mkdtempSync(join(tmpdir(), 'seedpay-journal-crash-'));
  const provider = await openLab(browser, providerOptions('crash-provider'));
  const killed = await launch(profile);
  const requester = await openLab(browser, requesterOptions(NAMESPACE), killed);
  const requesterBefore = await balance(requester);
  const seeded = await seed(provider, 16 * MiB, 47);
  await add(requester, seeded);

  // Wait in the page itself (no round trip per check), then kill the browser at once: payments are still flowing.
  const pid = browserPid(profile);
  const before = (await requester.page.evaluate(async (n) => {
    const paid = () => window.seedpayLab.events().filter((e) => e.type === 'wallet' && (e.event as { kind: string }).kind === 'payment_sent');
    while (paid().length < n) await new Promise((r) => setTimeout(r, 1));
    return paid().map((e) => e.event);
  }, PAYMENTS_BEFORE_CRASH)) as WalletEventJson[];
  process.kill(pid, 'SIGKILL');
  await expect.poll(() => { try { process.kill(pid, 0); return 'alive'; } catch { return 'dead'; } }, { timeout: 10_000 }).toBe('dead');
  await killed.close().catch(() => {});
  const opened = before[0]?.channel_id;
  expect(before.length).toBeGreaterThanOrEqual(PAYMENTS_BEFORE_CRASH);

  // The same profile in a new browser: the journal holds at least every payment we saw leave.
  const revived = await launch(profile);
  try {
    const page = await revived.newPage();
    await page.goto(`${baseUrl()}/lab.html`);
    await page.waitForFunction(() => 'seedpayLab' in window);
    const journaled = await readJournal(page, seeded.info_hash);
    const lastSeen = before.reduce((m, p) => (BigInt(String(p.seq)) > m ? BigInt(String(p.seq)) : m), 0n);
    expect(journaled.seq).toBeGreaterThanOrEqual(lastSeen);
    test.info().annotations.push({ type: 'crash', description: `last payment seen seq ${lastSeen}, journaled seq ${journaled.seq}` });
    for (const p of before) expect(journaled.paid.has(Number(p.piece))).toBe(true);
    expect(journaled.paid.size).toBe(Number(journaled.seq)); // one payment per piece, sequence from 1

    await page.evaluate((o) => window.seedpayLab.start(o), requesterOptions(NAMESPACE));
    await page.evaluate((h) => window.seedpayLab.waitDone(h, 150_000), seeded.info_hash);
    expect(await page.evaluate((h) => window.seedpayLab.digest(h), seeded.info_hash)).toBe(seeded.sha256_hex);
    const tab = { ...requester, context: revived, page };
    const after = await walletEvents(tab, 'payment_sent');
    // The same channel, continuing right after the journaled state: nothing re-signed, no piece paid again.
    expect(await walletEvents(tab, 'channel_opened')).toHaveLength(0);
    for (const p of after) expect(p.channel_id).toBe(opened);
    const seqs = after.map((p) => BigInt(String(p.seq)));
    expect(seqs[0]).toBe(journaled.seq + 1n);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1] ?? 0n) + 1n);
    expect(BigInt(String(after[0]?.amount_units))).toBeGreaterThan(journaled.amount_units);
    for (const p of after) expect(journaled.paid.has(Number(p.piece))).toBe(false);
    expect(new Set(after.map((p) => p.piece)).size).toBe(after.length);
    expect(journaled.paid.size + after.length).toBe(seeded.piece_count);

    const pieceCost = BigInt(RESERVE_UNITS_PER_KIB) * BigInt(seeded.piece_length / 1024);
    const total = BigInt(seeded.piece_count) * pieceCost;
    expect(BigInt(String(after.at(-1)?.amount_units))).toBe(total);
    const closed = await waitForWallet(provider, 'channel_closed', 30_000);
    expect(closed.channel_id).toBe(opened);
    expect(BigInt(String(closed.paid_units))).toBe(total);
    await expect.poll(() => balance(tab), { timeout: 10_000 }).toBe(requesterBefore - total);
    await auditHolds(provider);
  } finally {
    await provider.context.close();
    await revived.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

// The audit: replays the journal from genesis (verifying chain and signatures), recomputes every balance, escrow
// and channel, and compares them with the stored rows and with the total supply. GET /audit runs it.
import { TOTAL_SUPPLY_UNITS } from '../protocol/money.ts';
import type { PublicKeyHex } from '../protocol/ed25519.ts';
import { BRIDGE_RESERVE_ID } from './bridge.ts';
import { RESERVES } from './genesis.ts';
import { checkEntry, EMPTY_HEAD, MAX_UNSIGNED_RUN, parseBody, type Verify } from './journal.ts';
import { ledgerVerifier } from './ledger-key.ts';
import { auditContracts, compareContract, replayStorageEntry, STORAGE_ENTRY_KINDS, type ReplayContract } from './storage-audit.ts';
import type { AccountRow, ChannelRow, JournalEntry, JournalHead, Store, StoreReader } from './store.ts';

/** Entries read per query while replaying. */
const AUDIT_PAGE_ROWS = 1_000;
/** Problems reported per audit: the first few tell the story, thousands more would only bloat the reply. */
const MAX_PROBLEMS = 100;

interface ReplayAccount {
  balance_units: bigint;
  escrow_units: bigint;
  nonce: bigint;
}

interface ReplayChannel {
  payer: string;
  payee: string;
  escrow_units: bigint;
  state: ChannelRow['state'];
  paid_units: bigint;
  refund_units: bigint;
}

export interface AuditReport {
  ok: boolean;
  problems: string[];
  total_supply_units: string;
  balance_units: string;
  escrow_units: string;
  accounts: number;
  open_channels: number;
  journal_entries: number;
  head_hash: string;
}

/** The journal's meaning, recomputed entry by entry; keeps its state so audits can continue where one stopped. */
export class JournalReplay {
  head: JournalHead = EMPTY_HEAD;
  readonly accounts = new Map<string, ReplayAccount>();
  readonly channels = new Map<string, ReplayChannel>();
  readonly contracts = new Map<string, ReplayContract>();
  issued_units = 0n;
  /** Entries since the last signed one; the head must be signed and no run may exceed MAX_UNSIGNED_RUN. */
  unsigned_run = 0;
  readonly #verify: Verify;

  constructor(ledger_id: PublicKeyHex) {
    this.#verify = ledgerVerifier(ledger_id);
  }

  #account(id: string): ReplayAccount {
    let account = this.accounts.get(id);
    if (!account) this.accounts.set(id, (account = { balance_units: 0n, escrow_units: 0n, nonce: 0n }));
    return account;
  }

  /** Applies one entry; returns what is wrong with it (empty when sound). */
  apply(entry: JournalEntry): string[] {
    const problems: string[] = [];
    const problem = checkEntry(entry, this.head, this.#verify);
    if (problem) problems.push(problem);
    this.unsigned_run = entry.signature === '' ? this.unsigned_run + 1 : 0;
    if (this.unsigned_run >= MAX_UNSIGNED_RUN) problems.push(`entry ${entry.seq}: ${this.unsigned_run} entries without a ledger signature`);
    this.head = { seq: entry.seq, hash: entry.hash };
    let f: Record<string, string | number>;
    try {
      f = parseBody(entry);
    } catch (error) {
      return [...problems, String(error)];
    }
    const at = `entry ${entry.seq} (${entry.kind})`;
    if (f.kind !== entry.kind) problems.push(`${at}: kind column disagrees with body`);
    const units = (name: string): bigint => BigInt(f[name] ?? 0);
    const debit = (id: string, amount: bigint) => {
      const account = this.#account(id);
      if (account.balance_units < amount) problems.push(`${at}: ${id} overdrawn`);
      account.balance_units -= amount;
    };
    const credit = (id: string, amount: bigint) => {
      this.#account(id).balance_units += amount;
    };
    const nonce = (id: string) => {
      const account = this.#account(id);
      const next = units('nonce');
      if (next <= account.nonce) problems.push(`${at}: nonce of ${id} did not increase`);
      account.nonce = next;
    };
    const settle = (channel_id: string): ReplayChannel | undefined => {
      const channel = this.channels.get(channel_id);
      if (!channel || channel.state !== 'open') {
        problems.push(`${at}: channel ${channel_id} is not open`);
        return undefined;
      }
      this.#account(channel.payer).escrow_units -= channel.escrow_units;
      return channel;
    };
    if (entry.kind !== 'genesis' && this.issued_units !== TOTAL_SUPPLY_UNITS) problems.push(`${at}: before genesis completed`);
    if (STORAGE_ENTRY_KINDS.has(entry.kind)) {
      replayStorageEntry(entry.kind, f, {
        contracts: this.contracts, debit, credit, nonce,
        escrow: (id, delta) => void (this.#account(id).escrow_units += delta),
        problem: (p) => problems.push(`${at}: ${p}`),
      });
      return problems;
    }
    switch (entry.kind) {
      case 'genesis':
        if (entry.seq > RESERVES.length) problems.push(`${at}: genesis after the issuance table`);
        credit(String(f.reserve), units('amount_units'));
        this.issued_units += units('amount_units');
        break;
      case 'transfer':
        nonce(String(f.from));
        debit(String(f.from), units('amount_units'));
        credit(String(f.to), units('amount_units'));
        break;
      case 'airdrop':
        nonce(String(f.account));
        debit(String(f.reserve), units('amount_units'));
        credit(String(f.account), units('amount_units'));
        break;
      case 'channel_open': {
        const id = String(f.channel_id);
        if (this.channels.has(id)) problems.push(`${at}: channel ${id} opened twice`);
        nonce(String(f.payer));
        debit(String(f.payer), units('escrow_units'));
        this.#account(String(f.payer)).escrow_units += units('escrow_units');
        this.channels.set(id, {
          payer: String(f.payer),
          payee: String(f.payee),
          escrow_units: units('escrow_units'),
          state: 'open',
          paid_units: 0n,
          refund_units: 0n,
        });
        break;
      }
      case 'channel_close': {
        nonce(String(f.payee));
        const channel = settle(String(f.channel_id));
        if (!channel) break;
        const paid = units('paid_units');
        const refund = units('refund_units');
        if (paid + refund !== channel.escrow_units) problems.push(`${at}: paid + refund differ from the escrow`);
        if (String(f.payee) !== channel.payee) problems.push(`${at}: closed by someone other than the payee`);
        credit(channel.payee, paid);
        credit(channel.payer, refund);
        Object.assign(channel, { state: 'closed', paid_units: paid, refund_units: refund });
        break;
      }
      case 'channel_expire': {
        const channel = settle(String(f.channel_id));
        if (!channel) break;
        credit(channel.payer, channel.escrow_units);
        Object.assign(channel, { state: 'expired', refund_units: channel.escrow_units });
        break;
      }
      case 'bridge_deposit': {
        const id = String(f.record_id);
        if (this.channels.has(id)) problems.push(`${at}: TRON transaction ${String(f.tx_id)} credited twice`);
        debit(String(f.reserve), units('amount_units'));
        credit(String(f.account), units('amount_units'));
        const amount = units('amount_units');
        this.channels.set(id, { payer: String(f.reserve), payee: String(f.account), escrow_units: amount, state: 'closed', paid_units: amount, refund_units: 0n });
        break;
      }
      case 'bridge_hold': {
        const id = String(f.withdrawal_id);
        if (this.channels.has(id)) problems.push(`${at}: withdrawal ${id} held twice`);
        nonce(String(f.account));
        debit(String(f.account), units('amount_units'));
        this.#account(String(f.account)).escrow_units += units('amount_units');
        this.channels.set(id, { payer: String(f.account), payee: BRIDGE_RESERVE_ID, escrow_units: units('amount_units'), state: 'open', paid_units: 0n, refund_units: 0n });
        break;
      }
      case 'bridge_finalize':
      case 'bridge_release': {
        const hold = settle(String(f.withdrawal_id));
        if (!hold) break;
        const final = entry.kind === 'bridge_finalize';
        credit(final ? hold.payee : hold.payer, hold.escrow_units);
        Object.assign(hold, final ? { state: 'closed', paid_units: hold.escrow_units } : { state: 'expired', refund_units: hold.escrow_units });
        break;
      }
      default:
        problems.push(`${at}: unknown kind`);
    }
    return problems;
  }
}

function compareAccount(replay: JournalReplay, row: AccountRow): string | null {
  const expected = replay.accounts.get(row.id);
  if (!expected) return `account ${row.id} exists but no journal entry created it`;
  if (expected.balance_units !== row.balance_units || expected.escrow_units !== row.escrow_units || expected.nonce !== row.nonce) {
    return `account ${row.id}: stored ${row.balance_units}/${row.escrow_units}/${row.nonce}, journal says ${expected.balance_units}/${expected.escrow_units}/${expected.nonce}`;
  }
  return null;
}

function compareChannel(replay: JournalReplay, row: ChannelRow): string | null {
  const e = replay.channels.get(row.id);
  if (!e) return `channel ${row.id} exists but was never opened in the journal`;
  const same = e.payer === row.payer && e.payee === row.payee && e.escrow_units === row.escrow_units && e.state === row.state;
  if (!same || e.paid_units !== row.paid_units || e.refund_units !== row.refund_units) return `channel ${row.id} differs from the journal`;
  return null;
}

/**
 * Continues `replay` to the store's head inside one snapshot and compares. `scope: 'touched'` compares only rows
 * the new entries touched (cheap enough to run after every operation); 'full' compares every row.
 */
export async function auditStore(store: Store, replay: JournalReplay, scope: 'full' | 'touched' = 'full'): Promise<AuditReport> {
  return store.readSnapshot(async (reader: StoreReader) => {
    const problems: string[] = [];
    const note = (p: string | null) => {
      if (p && problems.length < MAX_PROBLEMS) problems.push(p);
    };
    const touchedAccounts = new Set<string>();
    const touchedChannels = new Set<string>();
    for (;;) {
      const page = await reader.journal(replay.head.seq, AUDIT_PAGE_ROWS);
      for (const entry of page) {
        replay.apply(entry).forEach(note);
        for (const id of [entry.account_a, entry.account_b]) if (id) touchedAccounts.add(id);
        if (entry.channel_id) touchedChannels.add(entry.channel_id);
      }
      if (page.length < AUDIT_PAGE_ROWS) break;
    }
    const head = await reader.head();
    if (head.seq !== replay.head.seq || head.hash !== replay.head.hash) note('the stored journal head differs from the replayed chain');
    if (replay.unsigned_run > 0) note(`the journal head (entry ${replay.head.seq}) is not signed by the ledger`);
    if (replay.issued_units !== TOTAL_SUPPLY_UNITS) note(`genesis issued ${replay.issued_units}, expected ${TOTAL_SUPPLY_UNITS}`);
    if (scope === 'full') {
      let accounts = 0;
      for (let after = ''; ; ) {
        const page = await reader.accountsPage(after, AUDIT_PAGE_ROWS);
        for (const row of page) note(compareAccount(replay, row));
        accounts += page.length;
        if (page.length < AUDIT_PAGE_ROWS) break;
        after = page[page.length - 1]?.id ?? after;
      }
      if (accounts !== replay.accounts.size) note(`${accounts} accounts stored, the journal has ${replay.accounts.size}`);
      let channels = 0;
      for (let after = ''; ; ) {
        const page = await reader.channelsPage(after, AUDIT_PAGE_ROWS);
        for (const row of page) note(compareChannel(replay, row));
        channels += page.length;
        if (page.length < AUDIT_PAGE_ROWS) break;
        after = page[page.length - 1]?.id ?? after;
      }
      if (channels !== replay.channels.size) note(`${channels} channels stored, the journal has ${replay.channels.size}`);
      await auditContracts(reader, replay.contracts, note);
    } else {
      for (const id of touchedAccounts) {
        const row = await reader.account(id as AccountRow['id']);
        // A payee named by an open has no account until it is paid; the replay then has none either.
        if (row) note(compareAccount(replay, row));
        else if (replay.accounts.has(id)) note(`account ${id} missing`);
      }
      for (const id of touchedChannels) {
        if (replay.contracts.has(id)) {
          const row = await reader.storageContract(id);
          note(row ? compareContract(replay.contracts, row) : `storage contract ${id} missing`);
          continue;
        }
        const row = await reader.channel(id as ChannelRow['id']);
        note(row ? compareChannel(replay, row) : `channel ${id} missing`);
      }
    }
    const totals = await reader.totals();
    if (totals.balance_units + totals.escrow_units !== TOTAL_SUPPLY_UNITS) {
      note(`balances ${totals.balance_units} + escrows ${totals.escrow_units} differ from the total supply ${TOTAL_SUPPLY_UNITS}`);
    }
    if (totals.escrow_units !== totals.open_escrow_units) note('account escrows differ from the open channels and storage contracts they fund');
    return {
      ok: problems.length === 0,
      problems,
      total_supply_units: String(TOTAL_SUPPLY_UNITS),
      balance_units: String(totals.balance_units),
      escrow_units: String(totals.escrow_units),
      accounts: totals.accounts,
      open_channels: totals.open_channels,
      journal_entries: replay.head.seq,
      head_hash: replay.head.hash,
    };
  });
}

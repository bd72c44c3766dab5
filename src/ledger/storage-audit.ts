// The audit's replay of paid storage's journal entries (audit.ts calls it): each open, challenge and settle is
// recomputed from its fields, the beacon reveal checked against the commitment published before it, and the value
// each contract holds compared with its stored row, so the supply check covers contract escrow and collateral.
import { hexToBytes } from '@noble/hashes/utils.js';
import { revealMatches } from '../protocol/storage-challenge.ts';
import type { ContractRow } from './storage-rows.ts';
import type { StoreReader } from './store.ts';

/** Contract rows read per query by the full audit. */
const AUDIT_PAGE_CONTRACTS = 1_000;

export interface ReplayContract {
  readonly requester: string;
  readonly provider: string;
  escrow_units: bigint;
  collateral_units: bigint;
  paid_units: bigint;
  refunded_units: bigint;
  slashed_units: bigint;
  returned_units: bigint;
  epoch: number;
  ended: boolean;
  /** The beacon commitment the next challenge must reveal (hex). */
  commit: string;
}

export interface ReplayBooks {
  readonly contracts: Map<string, ReplayContract>;
  escrow(id: string, delta: bigint): void;
  debit(id: string, amount: bigint): void;
  credit(id: string, amount: bigint): void;
  nonce(id: string): void;
  problem(message: string): void;
}

export const STORAGE_ENTRY_KINDS: ReadonlySet<string> = new Set(['storage_open', 'storage_challenge', 'storage_settle', 'storage_extend']);

const HEX64 = /^[0-9a-f]{64}$/;

export function replayStorageEntry(kind: string, f: Record<string, string | number>, books: ReplayBooks): void {
  const units = (name: string): bigint => BigInt(f[name] ?? 0);
  const id = String(f.contract_id);
  if (kind === 'storage_open') {
    if (books.contracts.has(id)) books.problem(`contract ${id} opened twice`);
    const requester = String(f.requester);
    const provider = String(f.provider);
    books.nonce(requester);
    books.debit(requester, units('escrow_units'));
    books.escrow(requester, units('escrow_units'));
    books.debit(provider, units('collateral_units'));
    books.escrow(provider, units('collateral_units'));
    books.contracts.set(id, {
      requester, provider, escrow_units: units('escrow_units'), collateral_units: units('collateral_units'), paid_units: 0n,
      refunded_units: 0n, slashed_units: 0n, returned_units: 0n, epoch: 0, ended: false, commit: String(f.first_commit),
    });
    return;
  }
  const c = books.contracts.get(id);
  if (!c || c.ended) {
    books.problem(`contract ${id} is not live`);
    return;
  }
  if (Number(f.epoch) !== c.epoch) books.problem(`contract ${id}: entry for epoch ${f.epoch}, the contract is at ${c.epoch}`);
  if (kind === 'storage_challenge') {
    const secret = String(f.beacon_secret);
    // The ledger revealed what it had committed to before the epoch: it could not pick the challenge afterwards.
    if (!HEX64.test(secret) || !HEX64.test(c.commit) || !revealMatches(hexToBytes(c.commit), hexToBytes(secret))) {
      books.problem(`contract ${id}: the beacon reveal of epoch ${c.epoch} does not match its commitment`);
    }
    c.commit = String(f.next_commit);
    return;
  }
  if (kind !== 'storage_settle') return; // storage_extend moves nothing
  const [paid, refunded, slashed, returned] = [units('paid_units'), units('refunded_units'), units('slashed_units'), units('returned_units')];
  if (paid + refunded > c.escrow_units) books.problem(`contract ${id}: settles more than its escrow`);
  if (slashed + returned > c.collateral_units) books.problem(`contract ${id}: settles more than its collateral`);
  if (paid > 0n && String(f.outcome) !== 'proof_accepted') books.problem(`contract ${id}: paid for an epoch without a proof`);
  books.escrow(c.requester, -(paid + refunded));
  books.escrow(c.provider, -(slashed + returned));
  books.credit(c.provider, paid + returned);
  books.credit(c.requester, refunded + slashed);
  c.escrow_units -= paid + refunded;
  c.collateral_units -= slashed + returned;
  c.paid_units += paid;
  c.refunded_units += refunded;
  c.slashed_units += slashed;
  c.returned_units += returned;
  c.epoch += 1;
  c.ended = String(f.end_reason) !== '';
  if (c.ended && (c.escrow_units !== 0n || c.collateral_units !== 0n)) books.problem(`contract ${id}: ended holding value`);
}

export function compareContract(contracts: ReadonlyMap<string, ReplayContract>, row: ContractRow): string | null {
  const e = contracts.get(row.id);
  if (!e) return `storage contract ${row.id} exists but was never opened in the journal`;
  const same = e.requester === row.requester && e.provider === row.provider && e.escrow_units === row.escrow_units
    && e.collateral_units === row.collateral_units && e.ended === (row.phase === 'Ended');
  return same ? null : `storage contract ${row.id} differs from the journal`;
}

/** The full audit's pass over every stored contract: each matches its replay, and none is missing or extra. */
export async function auditContracts(reader: StoreReader, contracts: ReadonlyMap<string, ReplayContract>, note: (p: string | null) => void): Promise<void> {
  let stored = 0;
  for (let after = ''; ; ) {
    const page = await reader.storageContractsPage(after, AUDIT_PAGE_CONTRACTS);
    for (const row of page) note(compareContract(contracts, row));
    stored += page.length;
    if (page.length < AUDIT_PAGE_CONTRACTS) break;
    after = page[page.length - 1]?.id ?? after;
  }
  if (stored !== contracts.size) note(`${stored} storage contracts stored, the journal has ${contracts.size}`);
}

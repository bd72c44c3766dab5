// Typed client for paid storage on the ledger (src/ledger/storage-http.ts): open a contract both parties signed, read
// one or a party's contracts, read the open challenge, answer it signed by the provider. Amounts become bigint.
import { bytesToHex } from '@noble/hashes/utils.js';
import type { PublicKeyHex, Signer } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import { encodeProof, type LeafProof } from '../protocol/storage-merkle.ts';
import { encodeStorageAnswer, encodeStorageOpen, storageContractIdFor, type StorageOpenTerms } from '../protocol/storage-request.ts';
import { LedgerApiError, LedgerEndpoint, type JournalEntryView } from './ledger-client.ts';

type Json = Record<string, unknown>;

export interface StorageInfo {
  leaves_per_challenge: number;
  min_epoch_ms: number;
  max_answer_body_bytes: number;
}

export interface StorageContractView {
  contract_id: string;
  requester: PublicKeyHex;
  provider: PublicKeyHex;
  terms: {
    root: string; size_bytes: number; leaf_bytes: number; price_units_per_epoch: Units; epochs: number; collateral_units: Units;
    retrieval_price_units: Units; start_ms: number; epoch_ms: number; answer_window_ms: number; leaves_per_challenge: number;
  };
  phase: 'WaitingForEpoch' | 'WaitingForAnswer' | 'Ended';
  epoch: number;
  next_commit: string;
  challenge: { epoch: number; indexes: number[]; deadline_ms: number; beacon_secret: string } | null;
  next_epoch_at_ms: number | null;
  escrow_units: Units;
  collateral_units: Units;
  paid_units: Units;
  refunded_units: Units;
  slashed_units: Units;
  returned_units: Units;
  passed_epochs: number;
  missed_epochs: number;
  misses_in_window: number;
  end_reason: 'completed' | 'too_many_misses' | null;
  /** What the last transition did, with its reason codes: how the provider learns why. */
  last_effects: Json[];
  updated_seq: number;
}

export interface StorageChallenge {
  contract_id: string;
  epoch: number;
  /** Distinct and ascending: one proof per index, in this order. */
  indexes: number[];
  deadline_ms: number;
  beacon_secret: string;
  root: string;
  size_bytes: number;
  leaf_bytes: number;
  leaf_count: number;
}

export interface ContractPage {
  contracts: StorageContractView[];
  /** The id to continue after, or null on the last page. */
  next_after: string | null;
}

const MONEY = ['escrow_units', 'collateral_units', 'paid_units', 'refunded_units', 'slashed_units', 'returned_units'] as const;
const TERMS_MONEY = ['price_units_per_epoch', 'collateral_units', 'retrieval_price_units'] as const;

function toView(j: Json): StorageContractView {
  if (typeof j.contract_id !== 'string' || typeof j.terms !== 'object' || j.terms === null) {
    throw new LedgerApiError(200, 'malformed_response', 'not a storage contract');
  }
  const terms = { ...(j.terms as Json) };
  for (const k of TERMS_MONEY) terms[k] = BigInt(terms[k] as string);
  const view: Json = { ...j, terms };
  for (const k of MONEY) view[k] = BigInt(j[k] as string);
  return view as unknown as StorageContractView;
}

/** Canonical base64 without Buffer (the browser has none): what the ledger's answer parser reads. */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

function termsWire(t: StorageOpenTerms): Json {
  return {
    requester: t.requester, provider: t.provider, root: bytesToHex(t.root), size_bytes: t.size_bytes, leaf_bytes: t.leaf_bytes,
    price_units_per_epoch: String(t.price_units_per_epoch), epochs: t.epochs, collateral_units: String(t.collateral_units),
    retrieval_price_units: String(t.retrieval_price_units), epoch_ms: t.epoch_ms, answer_window_ms: t.answer_window_ms, nonce: String(t.nonce),
  };
}

export class StorageLedgerClient extends LedgerEndpoint {

  async info(): Promise<StorageInfo> {
    return (await this.call('GET', '/storage/info')) as unknown as StorageInfo;
  }

  /** One party's signature over the terms: the requester signs 'open', the provider 'accept'. */
  async signTerms(signer: Signer, terms: StorageOpenTerms, role: 'open' | 'accept'): Promise<Uint8Array> {
    return signer.sign(encodeStorageOpen(await this.ledgerId(), terms, role));
  }

  /** Opens the contract with both signatures; its id (storageContractIdFor) is known before. */
  async open(terms: StorageOpenTerms, signatures: { requester: Uint8Array; provider: Uint8Array }): Promise<{ entry: JournalEntryView; contract: StorageContractView }> {
    const body = { ...termsWire(terms), requester_signature: bytesToHex(signatures.requester), provider_signature: bytesToHex(signatures.provider) };
    const json = await this.call('POST', '/storage/contracts', body);
    const contract = toView(json.contract as Json);
    if (contract.contract_id !== storageContractIdFor(terms.requester, terms.nonce)) throw new LedgerApiError(201, 'malformed_response', 'unexpected contract id');
    return { entry: json.entry as JournalEntryView, contract };
  }

  async contract(id: string): Promise<StorageContractView> {
    return toView(await this.call('GET', `/storage/contracts/${encodeURIComponent(id)}`));
  }

  /** A page of the contracts where `party` is requester or provider. */
  async contractsOf(party: PublicKeyHex, options: { after?: string; limit?: number } = {}): Promise<ContractPage> {
    const query = new URLSearchParams({ party });
    if (options.after !== undefined) query.set('after', options.after);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const json = await this.call('GET', `/storage/contracts?${query}`);
    if (!Array.isArray(json.contracts)) throw new LedgerApiError(200, 'malformed_response', 'contracts: expected a list');
    return { contracts: (json.contracts as Json[]).map(toView), next_after: typeof json.next_after === 'string' ? json.next_after : null };
  }

  /** The open challenge; between epochs a LedgerApiError no_open_challenge, after the end contract_ended. */
  async challenge(id: string): Promise<StorageChallenge> {
    return (await this.call('GET', `/storage/contracts/${encodeURIComponent(id)}/challenge`)) as unknown as StorageChallenge;
  }

  /** The provider's signed answer: one proof per challenged index, in the challenge's order. */
  async answer(signer: Signer, args: { contract_id: string; epoch: number; proofs: readonly LeafProof[] }): Promise<{ entry: JournalEntryView; contract: StorageContractView }> {
    const signature = await signer.sign(encodeStorageAnswer(await this.ledgerId(), args.contract_id, args.epoch, args.proofs));
    const body = { epoch: args.epoch, proofs: args.proofs.map((p) => base64(encodeProof(p))), signature: bytesToHex(signature) };
    const json = await this.call('POST', `/storage/contracts/${encodeURIComponent(args.contract_id)}/answers`, body);
    return { entry: json.entry as JournalEntryView, contract: toView(json.contract as Json) };
  }
}

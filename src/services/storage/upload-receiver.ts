// The provider's side of an upload: judges the requester's signed offer against its limits (named for it, price per
// MiB per epoch, size, collateral, room left), takes the replica's bytes in order, checks they hash to the offered
// root, stores them and only then signs its acceptance. Any bad frame is refused with a code; nothing is stored.
import { nobleVerify, publicKeyFromHex, type PublicKeyHex, type Signer } from '../../protocol/ed25519.ts';
import type { Units } from '../../protocol/money.ts';
import { checkShape } from '../../protocol/storage-merkle.ts';
import { encodeStorageOpen, storageContractIdFor, type StorageOpenTerms } from '../../protocol/storage-request.ts';
import type { PutResult } from './replica-store.ts';
import { decodeFrame, encodeFrame, type RefuseCode, type StorageFrame } from './storage-frames.ts';

const BYTES_PER_MIB = 1024n * 1024n;

export interface StorageLimits {
  /** Largest replica accepted, in bytes. */
  readonly max_replica_bytes: number;
  /** Lowest price accepted, per MiB of replica per epoch (prorated: a 512 KiB replica must pay half). */
  readonly min_price_units_per_mib_epoch: Units;
  /** Most collateral this provider puts up for one contract. */
  readonly max_collateral_units: Units;
}

/** Why an offer is refused before any byte moves, or null: pure. `free_bytes` is what the provider's folder has left. */
export function judgeOffer(me: PublicKeyHex, terms: StorageOpenTerms, limits: StorageLimits, free_bytes: number): RefuseCode | null {
  if (terms.provider !== me) return 'not_for_me';
  if (terms.requester === me || checkShape(terms) !== null || terms.epochs < 1 || terms.answer_window_ms > terms.epoch_ms) return 'bad_terms';
  if (terms.size_bytes > limits.max_replica_bytes) return 'too_large';
  if (terms.price_units_per_epoch * BYTES_PER_MIB < limits.min_price_units_per_mib_epoch * BigInt(terms.size_bytes)) return 'price_too_low';
  if (terms.collateral_units > limits.max_collateral_units) return 'collateral_too_high';
  if (terms.size_bytes > free_bytes) return 'over_quota';
  return null;
}

/** What the receiver needs from the provider's store (replica-store.ts ReplicaStore). */
export interface ReceiverStore {
  readonly free_bytes: number;
  put(data: Uint8Array, leaf_bytes: number, expected_root?: Uint8Array): PutResult;
}

export interface UploadReceiverOptions {
  readonly signer: Signer;
  readonly ledger_id: PublicKeyHex;
  readonly limits: StorageLimits;
  readonly store: ReceiverStore;
  /** Sends one frame to the requester. */
  readonly send: (bytes: Uint8Array) => void;
  /** Called once when the session ends: accepted (stored) or refused with a code. */
  readonly onEnd?: (result: { ok: true; contract_id: string; root: string } | { ok: false; code: RefuseCode }) => void;
}

type Phase =
  | { readonly name: 'WaitingForOffer' }
  | { readonly name: 'Receiving'; readonly terms: StorageOpenTerms; readonly contract_id: string; readonly buffer: Uint8Array; received: number }
  | { readonly name: 'Signing' }
  | { readonly name: 'Done' };

export class UploadReceiver {
  readonly #o: UploadReceiverOptions;
  readonly #me: PublicKeyHex;
  #phase: Phase = { name: 'WaitingForOffer' };

  constructor(options: UploadReceiverOptions, me: PublicKeyHex) {
    this.#o = options;
    this.#me = me;
  }

  get phase(): Phase['name'] {
    return this.#phase.name;
  }

  #refuse(code: RefuseCode): void {
    if (this.#phase.name === 'Done') return;
    this.#phase = { name: 'Done' };
    this.#o.send(encodeFrame({ type: 'refuse', code }));
    this.#o.onEnd?.({ ok: false, code });
  }

  /** One frame from the requester. A frame after the end is ignored. */
  async receive(bytes: Uint8Array): Promise<void> {
    if (this.#phase.name === 'Done') return;
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) return this.#refuse('bad_frame');
    const frame = decoded.frame;
    const phase = this.#phase;
    if (phase.name === 'WaitingForOffer' && frame.type === 'offer') return this.#offer(frame);
    if (phase.name === 'Receiving' && frame.type === 'data') return this.#data(phase, frame);
    if (phase.name === 'Receiving' && frame.type === 'end' && frame.contract_id === phase.contract_id) return this.#end(phase);
    return this.#refuse('unexpected_frame');
  }

  #offer(frame: Extract<StorageFrame, { type: 'offer' }>): void {
    const { terms } = frame;
    const message = encodeStorageOpen(this.#o.ledger_id, terms, 'open');
    if (!nobleVerify(frame.requester_signature, message, publicKeyFromHex(terms.requester))) return this.#refuse('bad_signature');
    const why = judgeOffer(this.#me, terms, this.#o.limits, this.#o.store.free_bytes);
    if (why) return this.#refuse(why);
    const contract_id = storageContractIdFor(terms.requester, terms.nonce);
    this.#phase = { name: 'Receiving', terms, contract_id, buffer: new Uint8Array(terms.size_bytes), received: 0 };
    this.#o.send(encodeFrame({ type: 'ready', contract_id }));
  }

  #data(phase: Extract<Phase, { name: 'Receiving' }>, frame: Extract<StorageFrame, { type: 'data' }>): void {
    if (frame.offset !== phase.received) return this.#refuse('out_of_order');
    if (phase.received + frame.bytes.length > phase.terms.size_bytes) return this.#refuse('beyond_size');
    phase.buffer.set(frame.bytes, phase.received);
    phase.received += frame.bytes.length;
  }

  async #end(phase: Extract<Phase, { name: 'Receiving' }>): Promise<void> {
    if (phase.received !== phase.terms.size_bytes) return this.#refuse('incomplete');
    this.#phase = { name: 'Signing' };
    const put = this.#o.store.put(phase.buffer, phase.terms.leaf_bytes, phase.terms.root);
    if (!put.ok) return this.#refuse(put.code === 'over_quota' ? 'over_quota' : put.code === 'root_mismatch' ? 'root_mismatch' : 'bad_terms');
    const provider_signature = await this.#o.signer.sign(encodeStorageOpen(this.#o.ledger_id, phase.terms, 'accept'));
    if (this.#phase.name !== 'Signing') return; // refused meanwhile (a frame after `end`): no acceptance goes out
    this.#phase = { name: 'Done' };
    this.#o.send(encodeFrame({ type: 'accept', contract_id: phase.contract_id, provider_signature }));
    this.#o.onEnd?.({ ok: true, contract_id: phase.contract_id, root: put.root });
  }
}

// The requester's side of an upload: offers its signed terms, streams the replica in order once the provider is ready,
// checks the provider's acceptance signature over the same terms, then opens the contract on the ledger. A refusal,
// a malformed or unexpected frame, a bad acceptance or silence past the timeout ends it with a typed code.
import { nobleVerify, publicKeyFromHex, type PublicKeyHex } from '../../protocol/ed25519.ts';
import { encodeStorageOpen, storageContractIdFor, type StorageOpenTerms } from '../../protocol/storage-request.ts';
import { decodeFrame, encodeFrame, MAX_DATA_BYTES, type RefuseCode, type StorageFrame } from './storage-frames.ts';

/** How long to wait for each answer from the provider (ready after the offer, accept after the end). */
export const DEFAULT_UPLOAD_TIMEOUT_MS = 30_000;

export type UploadError = RefuseCode | 'bad_reply' | 'bad_acceptance' | 'timeout';
export type UploadResult<T> = { readonly ok: true; readonly contract_id: string; readonly opened: T } | { readonly ok: false; readonly code: UploadError };

export interface FramePort {
  send(bytes: Uint8Array): void;
  /** Delivers each frame the other side sends; set once. */
  onFrame(handler: (bytes: Uint8Array) => void): void;
}

export interface UploadArgs<T> {
  readonly port: FramePort;
  readonly ledger_id: PublicKeyHex;
  readonly terms: StorageOpenTerms;
  readonly requester_signature: Uint8Array;
  readonly replica: Uint8Array;
  /** Opens the contract once both have signed (StorageLedgerClient.open). */
  readonly open: (terms: StorageOpenTerms, signatures: { requester: Uint8Array; provider: Uint8Array }) => Promise<T>;
  readonly timeout_ms?: number;
  /** Replica bytes per data frame (default and most MAX_DATA_BYTES): smaller where the wire's messages are bounded. */
  readonly data_bytes?: number;
  /** After each data frame: bytes handed to the port so far (progress; may wait, to pace the sender). */
  readonly onSent?: (sent_bytes: number) => void | Promise<void>;
}

export async function uploadReplica<T>(args: UploadArgs<T>): Promise<UploadResult<T>> {
  const { port, terms } = args;
  if (args.replica.length !== terms.size_bytes) throw new RangeError('upload: replica length differs from the terms');
  const contract_id = storageContractIdFor(terms.requester, terms.nonce);
  const inbox: StorageFrame[] = [];
  let bad = false;
  let wake: (() => void) | null = null;
  port.onFrame((bytes) => {
    const decoded = decodeFrame(bytes);
    if (decoded.ok) inbox.push(decoded.frame);
    else bad = true;
    wake?.();
  });
  const next = async (): Promise<StorageFrame | 'bad' | 'timeout'> => {
    if (!bad && inbox.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, args.timeout_ms ?? DEFAULT_UPLOAD_TIMEOUT_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
    if (bad) return 'bad';
    return inbox.shift() ?? 'timeout';
  };
  const fail = (code: UploadError): UploadResult<T> => ({ ok: false, code });

  port.send(encodeFrame({ type: 'offer', terms, requester_signature: args.requester_signature }));
  const ready = await next();
  if (ready === 'bad' || ready === 'timeout') return fail(ready === 'bad' ? 'bad_reply' : 'timeout');
  if (ready.type === 'refuse') return fail(ready.code);
  if (ready.type !== 'ready' || ready.contract_id !== contract_id) return fail('bad_reply');
  const step = Math.min(MAX_DATA_BYTES, Math.max(1, args.data_bytes ?? MAX_DATA_BYTES));
  for (let at = 0; at < args.replica.length; at += step) {
    if (inbox.length > 0 || bad) break; // the provider spoke mid-stream: a refusal; stop sending
    port.send(encodeFrame({ type: 'data', offset: at, bytes: args.replica.subarray(at, at + step) }));
    if (args.onSent) await args.onSent(Math.min(at + step, args.replica.length));
  }
  if (inbox.length === 0 && !bad) port.send(encodeFrame({ type: 'end', contract_id }));
  const accept = await next();
  if (accept === 'bad' || accept === 'timeout') return fail(accept === 'bad' ? 'bad_reply' : 'timeout');
  if (accept.type === 'refuse') return fail(accept.code);
  if (accept.type !== 'accept' || accept.contract_id !== contract_id) return fail('bad_reply');
  // The ledger would refuse an open with a bad acceptance anyway; checking here names the culprit without a round trip.
  if (!nobleVerify(accept.provider_signature, encodeStorageOpen(args.ledger_id, terms, 'accept'), publicKeyFromHex(terms.provider))) return fail('bad_acceptance');
  const opened = await args.open(terms, { requester: args.requester_signature, provider: accept.provider_signature });
  return { ok: true, contract_id, opened };
}

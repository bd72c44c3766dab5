// The provider's host for uploads over real wires: each `sp_storage` wire whose peer says it is a requester gets an
// UploadReceiver (one upload at a time per wire, frames handled in order); after an upload ends the next offer on
// the same wire starts another. A malformed frame is answered with `bad_frame` and the wire dropped; nothing of that
// upload is stored (the receiver stores only at `end`, after the root checks).
import type { PublicKeyHex, Signer } from '../../protocol/ed25519.ts';
import { toPublicKeyHex } from '../../protocol/ed25519.ts';
import { storageExtension, type StorageExtension, type StorageWire } from './storage-extension.ts';
import { encodeFrame } from './storage-frames.ts';
import { UploadReceiver, type ReceiverStore, type StorageLimits } from './upload-receiver.ts';

/** Wires served at once; more are dropped, as a seeder refuses peers past its connection limit. */
export const MAX_STORAGE_WIRES = 64;
/** Uploads buffered at once (each holds its replica in memory until `end`): more offers are refused `busy`. */
export const MAX_UPLOADS_AT_ONCE = 4;

export type UploadEnd = { readonly ok: true; readonly contract_id: string; readonly root: string; readonly requester: PublicKeyHex }
  | { readonly ok: false; readonly code: string; readonly requester: PublicKeyHex | null };

export interface StorageHostOptions {
  readonly signer: Signer;
  readonly ledger_id: PublicKeyHex;
  readonly limits: StorageLimits;
  readonly store: ReceiverStore;
  readonly onUpload?: (end: UploadEnd) => void;
  readonly log?: (line: string) => void;
}

export class StorageHost {
  readonly #o: StorageHostOptions;
  readonly #me: PublicKeyHex;
  readonly #wires = new Set<StorageExtension>();
  #uploading = 0;
  uploads_stored = 0;
  uploads_refused = 0;

  constructor(options: StorageHostOptions) {
    this.#o = options;
    this.#me = toPublicKeyHex(options.signer.publicKey);
  }

  get wires(): number {
    return this.#wires.size;
  }

  /** The extension class to hand to wire.use() for every wire of the storage swarm. */
  extension(): new (wire: StorageWire) => StorageExtension {
    return storageExtension({ role: 'provider', pk: this.#me }, (ext) => this.#attach(ext));
  }

  /** A wire closed (the shell reports it): its slot is free. */
  closed(ext: StorageExtension): void {
    this.#wires.delete(ext);
  }

  #attach(ext: StorageExtension): void {
    if (this.#wires.size >= MAX_STORAGE_WIRES) return ext.wire.destroy();
    this.#wires.add(ext);
    let receiver: UploadReceiver | null = null;
    let counted = false;
    let dead = false;
    let queue = Promise.resolve();
    const end = (): void => {
      if (counted) this.#uploading--;
      counted = false;
      receiver = null;
    };
    const fresh = (): UploadReceiver => new UploadReceiver({
      signer: this.#o.signer, ledger_id: this.#o.ledger_id, limits: this.#o.limits, store: this.#o.store,
      send: (bytes) => void ext.send(bytes),
      onEnd: (r) => {
        end();
        const requester = ext.remote?.pk ?? null;
        if (r.ok && requester) this.uploads_stored++;
        else this.uploads_refused++;
        this.#o.log?.(r.ok ? `stored replica ${r.root.slice(0, 16)}… for contract ${r.contract_id.slice(0, 16)}…` : `upload refused: ${r.code}`);
        if (requester) this.#o.onUpload?.(r.ok ? { ...r, requester } : { ok: false, code: r.code, requester });
      },
    }, this.#me);
    ext.handler = {
      ready: (remote) => {
        if (remote === null) this.#wires.delete(ext);
      },
      frame: (bytes) => {
        queue = queue.then(async () => {
          if (dead) return;
          if (receiver === null) {
            if (this.#uploading >= MAX_UPLOADS_AT_ONCE) return void ext.send(encodeFrame({ type: 'refuse', code: 'busy' }));
            receiver = fresh();
            this.#uploading++;
            counted = true;
          }
          await receiver.receive(bytes);
        }).catch((e: unknown) => this.#o.log?.(`upload failed: ${e instanceof Error ? e.message : String(e)}`));
      },
      rejected: (error, field) => {
        this.#o.log?.(`wire dropped: bad frame ${error}${field ? ` (${field})` : ''}`);
        ext.send(encodeFrame({ type: 'refuse', code: 'bad_frame' }));
        dead = true;
        if (receiver) this.uploads_refused++;
        end();
        this.#wires.delete(ext);
        this.#o.onUpload?.({ ok: false, code: 'bad_frame', requester: ext.remote?.pk ?? null });
      },
    };
  }
}

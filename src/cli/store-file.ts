// The requester's upload, as `npm run store` runs it (and tests run it in-process): the file is encrypted once per
// replica under its own key (keys.ts: storage secret → file key → replica key), each replica goes to a different
// provider met in the storage swarm over its `sp_storage` wire, and each contract is opened on the ledger once the
// provider has stored the bytes and signed. A provider that refuses is skipped for the next one.
import { randomBytes } from 'node:crypto';
import { toPublicKeyHex, type PublicKeyHex, type Signer } from '../protocol/ed25519.ts';
import type { Units } from '../protocol/money.ts';
import { buildTree } from '../protocol/storage-merkle.ts';
import type { StorageOpenTerms } from '../protocol/storage-request.ts';
import { encryptFile, importReplicaKey } from '../services/storage/encrypt.ts';
import { deriveFileKey, deriveReplicaKey, FILE_ID_BYTES } from '../services/storage/keys.ts';
import { WIRE_DATA_BYTES } from '../services/storage/storage-extension.ts';
import { uploadReplica } from '../services/storage/upload-sender.ts';
import { LedgerClient } from '../wallet/ledger-client.ts';
import { joinAsRequester, ledgerOf } from './storage-node.ts';

/** Leaf size of the replicas' Merkle trees: 1 KiB leaves keep a challenge's proofs small and a 2 MiB file at 2,048. */
export const STORE_LEAF_BYTES = 1024;
/** How long an upload waits for each answer from a provider. */
export const STORE_UPLOAD_TIMEOUT_MS = 30_000;

export interface StoreRequest {
  readonly server: string;
  readonly trackers: readonly string[];
  readonly signer: Signer;
  /** The wallet's storage secret (32 bytes, derived from its phrase): every file and replica key derives from it. */
  readonly storage_secret: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly replicas: number;
  readonly epochs: number;
  readonly epoch_ms: number;
  readonly answer_window_ms: number;
  readonly price_units_per_epoch: Units;
  readonly collateral_units: Units;
  readonly retrieval_price_units: Units;
  readonly find_timeout_ms: number;
  readonly log: (line: string) => void;
}

export interface StoredReplica {
  readonly replica_index: number;
  readonly provider: PublicKeyHex;
  readonly contract_id: string;
  readonly root: string;
  readonly size_bytes: number;
}

export interface StoreReceipt {
  readonly file_id: string;
  readonly size_bytes: number;
  readonly stored: readonly StoredReplica[];
  /** Each provider that refused, with its code. */
  readonly refused: ReadonlyArray<{ readonly provider: PublicKeyHex; readonly code: string }>;
}

const bytesToHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const short = (hex: string) => `${hex.slice(0, 12)}…`;

export async function storeFile(r: StoreRequest): Promise<StoreReceipt> {
  const ledger = ledgerOf(r.server);
  const ledger_id = await ledger.ledgerId();
  const me = toPublicKeyHex(r.signer.publicKey);
  const file_id = new Uint8Array(randomBytes(FILE_ID_BYTES));
  const file_key = await deriveFileKey(r.storage_secret, file_id);
  const swarm = await joinAsRequester(r.trackers, r.signer);
  // The ledger takes each requester's nonces in increasing order only (stale_nonce otherwise): the ledger client's
  // clock-seeded scheme, and above the account's last nonce whatever signed it.
  const last = (await new LedgerClient({ baseUrl: `${r.server}/ledger` }).account(me)).nonce;
  const clock = BigInt(Date.now()) * 1000n;
  let nonce = clock > last ? clock : last + 1n;
  const stored: StoredReplica[] = [];
  const refused: Array<{ provider: PublicKeyHex; code: string }> = [];
  try {
    r.log(`looking for ${r.replicas} provider(s) in the storage swarm…`);
    const found = await swarm.waitFor(r.replicas, r.find_timeout_ms);
    r.log(`found ${found.length} provider(s)`);
    const queue = [...found];
    for (let index = 0; index < r.replicas && queue.length > 0; index++) {
      const key = await importReplicaKey(await deriveReplicaKey(file_key, file_id, index));
      const replica = await encryptFile(key, r.plaintext, file_id, index);
      const tree = buildTree(replica, STORE_LEAF_BYTES);
      while (queue.length > 0) {
        const provider = queue.shift()!;
        const terms: StorageOpenTerms = {
          requester: me, nonce: nonce++, provider: provider.key, root: tree.root,
          size_bytes: replica.length, leaf_bytes: STORE_LEAF_BYTES, price_units_per_epoch: r.price_units_per_epoch, epochs: r.epochs,
          collateral_units: r.collateral_units, retrieval_price_units: r.retrieval_price_units, epoch_ms: r.epoch_ms, answer_window_ms: r.answer_window_ms,
        };
        let shown = 0;
        r.log(`replica ${index + 1}/${r.replicas}: uploading ${kib(replica.length)} to provider ${short(provider.key)}`);
        const result = await uploadReplica({
          port: provider.port, ledger_id, terms, replica, requester_signature: await ledger.signTerms(r.signer, terms, 'open'),
          open: (t, s) => ledger.open(t, s), timeout_ms: STORE_UPLOAD_TIMEOUT_MS, data_bytes: WIRE_DATA_BYTES,
          onSent: (sent) => {
            const quarter = Math.floor((4 * sent) / replica.length);
            if (quarter > shown) r.log(`replica ${index + 1}/${r.replicas}: ${(shown = quarter) * 25} % sent (${kib(sent)})`);
          },
        }).catch((e: unknown) => ({ ok: false as const, code: (e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e)) }));
        if (result.ok) {
          stored.push({ replica_index: index, provider: provider.key, contract_id: result.contract_id, root: bytesToHex(tree.root), size_bytes: replica.length });
          r.log(`replica ${index + 1}/${r.replicas}: stored by ${short(provider.key)}; contract ${result.contract_id} open`);
          break;
        }
        refused.push({ provider: provider.key, code: result.code });
        r.log(`replica ${index + 1}/${r.replicas}: provider ${short(provider.key)} refused: ${result.code}`);
      }
    }
  } finally {
    await swarm.close();
  }
  return { file_id: bytesToHex(file_id), size_bytes: r.plaintext.length, stored, refused };
}

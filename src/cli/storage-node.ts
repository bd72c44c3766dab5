// Paid storage in the terminal (Node shells): a provider joins the storage service swarm, takes uploads into its
// folder (StorageHost → ReplicaStore) and answers the ledger's challenges (StorageProvider); a requester joins the
// same swarm and collects the providers it meets. `npm run seed -- --store` and `npm run store` use these.
import { toPublicKeyHex, type PublicKeyHex, type Signer } from '../protocol/ed25519.ts';
import { ReplicaStore } from '../services/storage/replica-store.ts';
import { storageExtension, STORAGE_SWARM_NAME, type StorageExtension } from '../services/storage/storage-extension.ts';
import { StorageHost, type UploadEnd } from '../services/storage/storage-host.ts';
import { StorageProvider } from '../services/storage/storage-provider.ts';
import type { StorageLimits } from '../services/storage/upload-receiver.ts';
import type { FramePort } from '../services/storage/upload-sender.ts';
import { joinServiceSwarm, type ServiceSwarm } from '../node-peer/service-swarm.ts';
import { StorageLedgerClient } from '../wallet/storage-client.ts';

/** After an upload is stored, how long the requester has to open its contract before we stop watching for it. */
export const OPEN_WATCH_MS = 60_000;
/** How often the ledger is asked whether that contract is open yet. */
export const OPEN_POLL_MS = 500;

export interface StorageServiceOptions {
  /** Seedpay server origin: ledger at /ledger, tracker at /announce. */
  readonly server: string;
  readonly trackers: readonly string[];
  readonly signer: Signer;
  readonly dir: string;
  readonly max_mib: number;
  readonly limits: StorageLimits;
  readonly onUpload?: (end: UploadEnd) => void;
  readonly log?: (line: string) => void;
}

export interface StorageService {
  readonly host: StorageHost;
  readonly store: ReplicaStore;
  readonly provider: StorageProvider;
  readonly swarm: ServiceSwarm;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export function ledgerOf(server: string): StorageLedgerClient {
  return new StorageLedgerClient({ baseUrl: `${server}/ledger` });
}

/** The provider's side: uploads over the swarm's wires, the challenge loop against the ledger. */
export async function startStorageService(o: StorageServiceOptions): Promise<StorageService> {
  const ledger = ledgerOf(o.server);
  const store = ReplicaStore.open(o.dir, o.max_mib);
  let provider: StorageProvider | null = null;
  let closing = false;
  // The challenge loop sleeps up to MAX_POLL_MS between passes: once the requester opens the new contract, it runs a
  // pass at once, so the first epoch's challenge is never missed.
  const watch = async (contract_id: string) => {
    for (const end = Date.now() + OPEN_WATCH_MS; Date.now() < end && !closing; await sleep(OPEN_POLL_MS)) {
      const open = await ledger.contract(contract_id).then(() => true, () => false);
      if (!open || closing || !provider) continue;
      await provider.stop();
      if (!closing) provider.start();
      return;
    }
  };
  const host = new StorageHost({
    signer: o.signer, ledger_id: await ledger.ledgerId(), limits: o.limits, store,
    onUpload: (end) => {
      if (end.ok) void watch(end.contract_id);
      o.onUpload?.(end);
    },
    ...(o.log ? { log: o.log } : {}),
  });
  const Ext = host.extension();
  const swarm = await joinServiceSwarm(STORAGE_SWARM_NAME, o.trackers, (wire) => {
    wire.use(Ext);
    const ext = (wire as unknown as Record<string, unknown>)['sp_storage'] as StorageExtension | undefined;
    return () => ext && host.closed(ext);
  });
  provider = new StorageProvider({ signer: o.signer, store, ledger, ...(o.log ? { log: o.log } : {}) });
  provider.start();
  const running = provider;
  return {
    host, store, provider: running, swarm,
    close: async () => {
      closing = true;
      await running.stop();
      await swarm.close();
    },
  };
}

/** A provider met in the swarm, and the frame port of its wire (one upload at a time). */
export interface FoundProvider {
  readonly key: PublicKeyHex;
  readonly port: FramePort;
  readonly closed: () => boolean;
}

export interface StorageRequester {
  readonly providers: ReadonlyMap<PublicKeyHex, FoundProvider>;
  /** Resolves once `count` distinct providers are met, or with those met by `timeout_ms`. */
  waitFor(count: number, timeout_ms: number): Promise<FoundProvider[]>;
  close(): Promise<void>;
}

/** The requester's side: joins the swarm and keeps each provider's wire (by key) as a frame port. */
export async function joinAsRequester(trackers: readonly string[], signer: Signer): Promise<StorageRequester> {
  const me = toPublicKeyHex(signer.publicKey);
  const providers = new Map<PublicKeyHex, FoundProvider>();
  let changed = () => {};
  const Ext = storageExtension({ role: 'requester', pk: me }, (ext) => {
    let inbound: ((bytes: Uint8Array) => void) | null = null;
    ext.handler = {
      ready: (remote) => {
        if (remote === null || providers.has(remote.pk)) return;
        providers.set(remote.pk, {
          key: remote.pk,
          port: { send: (bytes) => void ext.send(bytes), onFrame: (h) => (inbound = h) },
          closed: () => ext.wire.destroyed,
        });
        changed();
      },
      frame: (bytes) => inbound?.(bytes),
      // A malformed reply: the sender's wait ends as bad_reply (no frame comes) or its timeout.
      rejected: () => inbound?.(new Uint8Array(0)),
    };
  });
  const swarm = await joinServiceSwarm(STORAGE_SWARM_NAME, trackers, (wire) => {
    wire.use(Ext);
    return () => {
      for (const [key, p] of providers) if (p.closed()) providers.delete(key);
    };
  });
  return {
    providers,
    waitFor: (count, timeout_ms) => new Promise((done) => {
      const finish = () => {
        clearTimeout(timer);
        changed = () => {};
        done([...providers.values()]);
      };
      const timer = setTimeout(finish, timeout_ms);
      changed = () => {
        if (providers.size >= count) finish();
      };
      changed();
    }),
    close: () => swarm.close(),
  };
}

// The limits of the typed RPC between the UI thread and the peer worker: time-outs, and the largest input each
// command accepts (the validators in rpc-checks.ts enforce them). Re-exported by rpc-schema.ts.

/** Commands a single call may take before the caller gives up (a seed hashes a file first: allow a while). */
export const RPC_TIMEOUT_MS = 30_000;
export const SEED_TIMEOUT_MS = 300_000;
/** Requests in flight per side; beyond this a caller is flooding, not waiting. */
export const MAX_PENDING_REQUESTS = 1024;
export const MAX_TRACKERS = 8;
export const MAX_URL_LENGTH = 2048;
export const MAX_FILES_PER_SEED = 10_000;
export const MAX_TORRENT_FILE_BYTES = 10_000_000;
export const MAX_PEERS_REPORTED = 200;
/** Largest range `torrent.read` returns in one call. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

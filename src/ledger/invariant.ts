// Invariant checks for the ledger: a broken invariant is a bug, never a client error, so it throws; the store then
// rolls the whole transaction back and the engine retries the batch's commands one by one to isolate the culprit.

export class LedgerInvariantError extends Error {
  override name = 'LedgerInvariantError';
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new LedgerInvariantError(message);
}

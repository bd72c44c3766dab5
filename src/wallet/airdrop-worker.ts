// Web Worker that solves the airdrop's proof of work in chunks, reporting progress between chunks so the page
// can draw a bar. Cancelling is terminating the worker: no shared state, nothing to clean up.
import { solvePowChunk } from '../protocol/pow.ts';
import { parseSolverCommand, type SolverEvent } from './airdrop-messages.ts';

/** ~20–50 ms of hashing in a browser: progress stays smooth and a cancel lands almost at once. */
const TRIES_PER_CHUNK = 20_000;

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (event: SolverEvent) => scope.postMessage(event);

scope.onmessage = (message: MessageEvent<unknown>) => {
  const command = parseSolverCommand(message.data);
  if (!command) return; // not ours: drop it
  let nonce = 0;
  const step = () => {
    try {
      const result = solvePowChunk({ ...command, start_nonce: nonce, max_tries: TRIES_PER_CHUNK });
      if (result.found) {
        post({ type: 'solved', id: command.id, nonce: result.nonce, tries: result.nonce + 1 });
        return;
      }
      nonce = result.next_nonce;
      post({ type: 'progress', id: command.id, tries: nonce });
      setTimeout(step, 0);
    } catch (error) {
      post({ type: 'failed', id: command.id, message: error instanceof Error ? error.message : 'solver failed' });
    }
  };
  step();
};

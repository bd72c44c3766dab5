// Page side of the airdrop solver: starts the worker, turns its events into progress callbacks, and cancels by
// terminating it. Expected work is 2^difficulty hashes, so progress is shown against that (it can run past 100 %).
import { expectedWork } from '../protocol/pow.ts';
import { parseSolverEvent, type SolverCommand } from './airdrop-messages.ts';

/** A worker that says nothing for this long has died (or the tab was frozen): give up rather than spin forever. */
export const SOLVER_SILENCE_TIMEOUT_MS = 30_000;

export interface SolveProgress {
  readonly tries: number;
  readonly expected_tries: number;
}

export interface SolveHandle {
  readonly result: Promise<number>;
  cancel(): void;
}

export class SolveCancelled extends Error {
  override name = 'SolveCancelled';
}

export function solveInWorker(
  puzzle: Omit<SolverCommand, 'type' | 'id'>,
  onProgress: (progress: SolveProgress) => void,
  createWorker: () => Worker = () => new Worker(new URL('./airdrop-worker.ts', import.meta.url), { type: 'module' }),
): SolveHandle {
  const worker = createWorker();
  const expected_tries = expectedWork(puzzle.difficulty_bits);
  const id = 1;
  let settle: { resolve(nonce: number): void; reject(error: Error): void } | null = null;
  let silence: ReturnType<typeof setTimeout> | null = null;
  const finish = () => {
    if (silence) clearTimeout(silence);
    worker.terminate();
    settle = null;
  };
  const arm = () => {
    if (silence) clearTimeout(silence);
    silence = setTimeout(() => {
      settle?.reject(new Error('The solver stopped responding.'));
      finish();
    }, SOLVER_SILENCE_TIMEOUT_MS);
  };
  const result = new Promise<number>((resolve, reject) => {
    settle = { resolve, reject };
  });
  worker.onmessage = (message: MessageEvent<unknown>) => {
    const event = parseSolverEvent(message.data);
    if (!event || event.id !== id || !settle) return;
    arm();
    if (event.type === 'progress') onProgress({ tries: event.tries, expected_tries });
    else if (event.type === 'solved') {
      onProgress({ tries: event.tries, expected_tries });
      settle.resolve(event.nonce);
      finish();
    } else {
      settle.reject(new Error(event.message));
      finish();
    }
  };
  worker.onerror = () => {
    settle?.reject(new Error('The solver could not start.'));
    finish();
  };
  arm();
  const command: SolverCommand = { type: 'solve', id, ...puzzle };
  worker.postMessage(command);
  return {
    result,
    cancel() {
      settle?.reject(new SolveCancelled('cancelled'));
      finish();
    },
  };
}

// The airdrop solver's page side against a stand-in worker: progress, a solution, cancel, silence, bad messages.
import { describe, expect, it, vi } from 'vitest';
import { parseSolverCommand, parseSolverEvent } from '../../src/wallet/airdrop-messages.ts';
import { SOLVER_SILENCE_TIMEOUT_MS, SolveCancelled, solveInWorker } from '../../src/wallet/airdrop-solver.ts';

class FakeWorker {
  onmessage: ((message: MessageEvent<unknown>) => void) | null = null;
  onerror: (() => void) | null = null;
  posted: unknown[] = [];
  terminated = false;
  postMessage(data: unknown): void {
    this.posted.push(data);
  }
  terminate(): void {
    this.terminated = true;
  }
  emit(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent<unknown>);
  }
}

const puzzle = { challenge: new Uint8Array(32), public_key: new Uint8Array(32).fill(1), difficulty_bits: 4 };

describe('solveInWorker', () => {
  it('reports progress, resolves with the nonce, and terminates the worker', async () => {
    const worker = new FakeWorker();
    const progress: number[] = [];
    const handle = solveInWorker(puzzle, (p) => progress.push(p.tries), () => worker as unknown as Worker);
    expect(parseSolverCommand(worker.posted[0])).toMatchObject({ type: 'solve', difficulty_bits: 4 });
    worker.emit({ type: 'progress', id: 1, tries: 10 });
    worker.emit({ type: 'progress', id: 2, tries: 99 }); // another run's: ignored
    worker.emit({ type: 'nonsense' });
    worker.emit({ type: 'solved', id: 1, nonce: 12, tries: 13 });
    await expect(handle.result).resolves.toBe(12);
    expect(progress).toEqual([10, 13]);
    expect(worker.terminated).toBe(true);
  });

  it('cancel rejects with SolveCancelled and stops the worker', async () => {
    const worker = new FakeWorker();
    const handle = solveInWorker(puzzle, () => {}, () => worker as unknown as Worker);
    handle.cancel();
    await expect(handle.result).rejects.toBeInstanceOf(SolveCancelled);
    expect(worker.terminated).toBe(true);
  });

  it('gives up on a worker that falls silent', async () => {
    vi.useFakeTimers();
    try {
      const worker = new FakeWorker();
      const handle = solveInWorker(puzzle, () => {}, () => worker as unknown as Worker);
      const settled = expect(handle.result).rejects.toThrow(/stopped responding/);
      vi.advanceTimersByTime(SOLVER_SILENCE_TIMEOUT_MS + 1);
      await settled;
      expect(worker.terminated).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('validates both directions of the boundary', () => {
    expect(parseSolverCommand({ type: 'solve', id: 1, challenge: new Uint8Array(31), public_key: new Uint8Array(32), difficulty_bits: 4 })).toBeNull();
    expect(parseSolverCommand({ type: 'solve', id: 1, challenge: new Uint8Array(32), public_key: new Uint8Array(32), difficulty_bits: 99 })).toBeNull();
    expect(parseSolverEvent({ type: 'solved', id: 1, nonce: -1, tries: 1 })).toBeNull();
    expect(parseSolverEvent({ type: 'failed', id: 1, message: 'x'.repeat(1000) })).toMatchObject({ message: 'x'.repeat(200) });
  });
});

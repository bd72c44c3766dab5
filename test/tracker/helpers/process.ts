// Starts one tracker cluster process (src/tracker/main.ts) as a child, waits for its ready line; kill() is SIGKILL,
// so tests and the bench see what a crashed machine looks like to the rest of the cluster (no goodbye messages).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../src/tracker/main.ts', import.meta.url));

export interface TrackerProcess {
  readonly ready: { id: string; url?: string; pid: number };
  readonly child: ChildProcess;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function spawnTracker(role: 'gateway' | 'shard', env: Record<string, string>): Promise<TrackerProcess> {
  return spawnReady(MAIN, [role], env, role);
}

/** Runs a TypeScript entry point that prints one JSON ready line. */
export async function spawnReady(script: string, args: string[], env: Record<string, string>, role: string): Promise<TrackerProcess> {
  // node --import tsx, not the tsx binary: that one runs a second process a SIGKILL would orphan.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, TRACKER_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<TrackerProcess['ready']>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${role} did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as TrackerProcess['ready']);
      }
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}: ${out}`)));
  });
  child.stdout?.resume();
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill(signal);
    });
  return { ready, child, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

// Child processes of an e2e spec (terminal providers, legacy BitTorrent software): spawned with their output
// captured, killed together at the end; free loopback ports; a command run to completion.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

export interface Spawned {
  readonly child: ChildProcess;
  out(): string;
  readonly exited: Promise<number | null>;
}

/** Child processes of one spec: spawned with captured output, all killed by stopAll. */
export class Children {
  readonly #all: ChildProcess[] = [];

  spawn(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Spawned {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    this.#all.push(child);
    return { child, out: () => out, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  }

  stopAll(): void {
    for (const child of this.#all) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** Starts `npm run provide` (the Node peer) against the test server, with a new key file under the password given. */
export function spawnProvider(children: Children, server: string, profile: string, password: string, args: string[], env: NodeJS.ProcessEnv = process.env): Spawned {
  return children.spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/provide.ts', '--server', server, '--profile', profile, '--new-wallet', '--interval', '1', ...args],
    { ...env, SEEDPAY_PASSWORD: password },
  );
}

/** The payment key a Node provider printed at start (its ledger account). */
export function providerKeyOf(provider: Spawned): string {
  return /payment key ([0-9a-f]{64})/.exec(provider.out())?.[1] ?? '';
}

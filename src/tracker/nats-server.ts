// Starts a nats-server (Debian's `nats-server` package) on a free loopback port, for tests, the bench and
// `npm run start:cluster`. The server picks the port itself (-p -1) and says which in its log, so nothing races.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
const START_TIMEOUT_MS = 15_000;

export function findNatsServer(): string | null {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  return CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export async function startNatsServer(options: { host?: string; port?: number } = {}): Promise<NatsServer> {
  const bin = findNatsServer();
  if (!bin) throw new Error('nats-server not found (apt-get install nats-server, or set NATS_SERVER_BIN)');
  const host = options.host ?? '127.0.0.1';
  const child = spawn(bin, ['-a', host, '-p', String(options.port ?? -1)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log.slice(-500)}`)), START_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const m = /Listening for client connections on [^\s]+:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}: ${log.slice(-500)}`));
    });
  });
  child.stderr?.resume();
  return {
    url: `nats://${host}:${port}`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

// A real PostgreSQL for the ledger tests: SEEDPAY_TEST_PG_URL if set, else a throwaway cluster started from Debian's
// binaries (/usr/lib/postgresql/*/bin) in a temp dir on a unix socket, once per test file, torn down after it.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  /** How it was found: the env URL or a cluster this process started. */
  readonly source: 'env' | 'local';
  /** A fresh, empty database for one store; its connection URL. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** Newest Debian PostgreSQL bin dir, or null. CI installs the `postgresql` package, which provides it. */
export function findPgBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** Why PostgreSQL tests cannot run here, or null when they can. Under CI=true a missing server is an error. */
export function pgUnavailableReason(): string | null {
  if (process.env.SEEDPAY_TEST_PG_URL) return null;
  if (findPgBinDir()) return null;
  const reason = 'no SEEDPAY_TEST_PG_URL and no /usr/lib/postgresql/*/bin/initdb (apt-get install postgresql)';
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`PostgreSQL ledger tests cannot run under CI: ${reason}`);
  return reason;
}

function adminDatabases(adminUrl: string): Pick<PgServer, 'createDatabase'> {
  let counter = 0;
  return {
    async createDatabase() {
      const name = `seedpay_test_${process.pid}_${Date.now().toString(36)}_${counter++}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}

function startLocalCluster(binDir: string): PgServer {
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(binDir, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(binDir, tool), ...args] : args;
    execFileSync(command, argv, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  };
  if (asRoot) {
    // initdb refuses to run as root; the cluster and its socket dir belong to the postgres user.
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-k ${dir} -c listen_addresses='' -c max_connections=200`, 'start']);
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', stopSync);
  return {
    source: 'local',
    ...adminDatabases(`postgresql://postgres@localhost/postgres?host=${encodeURIComponent(dir)}`),
    async stop() {
      process.removeListener('exit', stopSync);
      stopSync();
    },
  };
}

/** Starts (or finds) PostgreSQL; null with a loud warning when it is unavailable outside CI. */
export function startPg(): PgServer | null {
  const reason = pgUnavailableReason();
  if (reason) {
    process.stderr.write(`\n!!! SKIPPING the PostgreSQL half of the ledger tests: ${reason}\n\n`);
    return null;
  }
  const envUrl = process.env.SEEDPAY_TEST_PG_URL;
  if (envUrl) return { source: 'env', ...adminDatabases(envUrl), stop: async () => {} };
  return startLocalCluster(findPgBinDir() as string);
}

// A throwaway PostgreSQL for `npm run start:cluster`: a fresh cluster from Debian's binaries under the data dir,
// on a unix socket only (no TCP port), removed and made anew at every start. A real deployment points
// DATABASE_URL at its own PostgreSQL instead (docs/deploy.md).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalPostgres {
  readonly url: string;
  stop(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const version = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  if (!version) throw new Error('no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql, or set DATABASE_URL');
  return join(root, version, 'bin');
}

export function startThrowawayPostgres(dataDir: string): LocalPostgres {
  const bin = binDir();
  const dir = join(dataDir, 'cluster-pg');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // initdb refuses to run as root: the cluster belongs to the postgres user.
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  }
  const run = (tool: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : join(bin, tool), asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C']);
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-k ${dir} -c listen_addresses=''`, 'start']);
  run('createdb', ['-h', dir, '-U', 'postgres', 'seedpay']);
  let stopped = false;
  return {
    url: `postgresql://postgres@localhost/seedpay?host=${encodeURIComponent(dir)}`,
    stop() {
      if (stopped) return;
      stopped = true;
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
  };
}

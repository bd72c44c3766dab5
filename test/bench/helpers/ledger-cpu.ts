// CPU spent during a ledger bench run, read from /proc (Linux): the ledger processes (all threads), this load
// generator, PostgreSQL's server processes and the whole machine, so a cycles/s figure says what limited it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ). */
const CLOCK_TICKS_PER_S = 100;

export interface CpuSplit {
  readonly wall_s: number;
  readonly ledger_s: number;
  readonly client_s: number;
  /** PostgreSQL's postmaster and all its backends; 0 on SQLite. */
  readonly database_s: number;
  /** Every core's non-idle time, other sessions on the box included. */
  readonly machine_busy_s: number;
  readonly cores: number;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime, all threads
  } catch {
    return 0; // exited
  }
}

function machineTicks(): { busy: number; cores: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const all = (lines[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (all[3] ?? 0) + (all[4] ?? 0); // idle + iowait
  const total = all.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
}

/** The postmaster serving a data dir under `socketDir` (the bench's throwaway cluster) and its children. */
function postgresPids(socketDir: string | null): number[] {
  if (!socketDir) return [];
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  const all = ps.split('\n').filter(Boolean).map((line) => {
    const [pid = '', ppid = '', ...args] = line.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), args: args.join(' ') };
  });
  const root = all.find((p) => p.args.includes(`${socketDir}/data`) && /\bpostgres\b/.test(p.args) && !p.args.includes('pg_ctl'));
  if (!root) return [];
  const tree = [root.pid];
  for (let i = 0; i < tree.length; i++) for (const p of all) if (p.ppid === tree[i]) tree.push(p.pid);
  return tree;
}

/** The unix socket dir of a bench database URL (…?host=/tmp/seedpay-pg-…), or null. */
export function pgSocketDir(databaseUrl: string | undefined): string | null {
  if (!databaseUrl) return null;
  return new URL(databaseUrl).searchParams.get('host');
}

/** Starts counting now; `stop()` returns what each party spent since. Backends started meanwhile count from zero. */
export function cpuSampler(ledgerPids: readonly number[], databaseUrl?: string): { stop(): CpuSplit } {
  const socketDir = pgSocketDir(databaseUrl);
  const started = performance.now();
  const ledger0 = ledgerPids.reduce((n, pid) => n + processTicks(pid), 0);
  const client0 = process.cpuUsage();
  const db0 = new Map(postgresPids(socketDir).map((pid) => [pid, processTicks(pid)]));
  const machine0 = machineTicks();
  return {
    stop() {
      const client = process.cpuUsage(client0);
      const machine = machineTicks();
      let database = 0;
      for (const pid of postgresPids(socketDir)) database += processTicks(pid) - (db0.get(pid) ?? 0);
      return {
        wall_s: (performance.now() - started) / 1000,
        ledger_s: (ledgerPids.reduce((n, pid) => n + processTicks(pid), 0) - ledger0) / CLOCK_TICKS_PER_S,
        client_s: (client.user + client.system) / 1e6,
        database_s: database / CLOCK_TICKS_PER_S,
        machine_busy_s: (machine.busy - machine0.busy) / CLOCK_TICKS_PER_S,
        cores: machine.cores,
      };
    },
  };
}

// CPU seconds of whole process trees from /proc (Linux): for browsers launched with a persistent profile, which have
// no browser-level DevTools session to ask. The tree of a browser is found from its --user-data-dir argument.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { CpuMeter } from './cpu-meter.ts';

const CLOCK_TICKS_PER_S = 100;

function processes(): Array<{ pid: number; ppid: number; args: string }> {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter(Boolean).map((line) => {
    const [pid = '', ppid = '', ...args] = line.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), args: args.join(' ') };
  });
}

/** The browser process of a profile and all its descendants. */
function treeOf(profile: string): number[] {
  const all = processes();
  const root = all.find((p) => p.args.includes(`--user-data-dir=${profile}`) && !p.args.includes('--type='));
  if (!root) return [];
  const tree = [root.pid];
  for (let i = 0; i < tree.length; i++) for (const p of all) if (p.ppid === tree[i]) tree.push(p.pid);
  return tree;
}

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S; // utime, stime
  } catch {
    return 0; // exited
  }
}

/** A CpuMeter over the process trees of the browsers using these profile dirs. */
export function procCpuMeter(profiles: () => readonly string[]): CpuMeter {
  let from = new Map<number, number>();
  let seconds = 0;
  const snapshot = () => new Map(profiles().flatMap(treeOf).map((pid) => [pid, cpuSeconds(pid)] as const));
  return {
    async start() {
      from = snapshot();
    },
    async stop() {
      for (const [pid, cpu] of snapshot()) seconds += cpu - (from.get(pid) ?? 0);
    },
    take() {
      const out = seconds;
      seconds = 0;
      return out;
    },
  };
}

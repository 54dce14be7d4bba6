/**
 * Observing a shipper from outside through /proc: CPU time and resident memory of its whole
 * process tree (the process and every descendant still alive; reaped children are already in
 * their parent's cutime/cstime).
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses. */
export function parseStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 60)}`);
  const pid = Number(text.slice(0, open).trim());
  // Fields after the name, from field 3 (state): ppid is field 4, utime..cstime 14..17.
  const f = text
    .slice(close + 2)
    .trim()
    .split(' ');
  const n = (i: number) => Number(f[i - 3]);
  return { pid, ppid: n(4), ticks: n(14) + n(15) + n(16) + n(17) };
}

/** A `Name:   123 kB` value of /proc/<pid>/status in bytes, or null when absent (a zombie). */
export function parseStatusBytes(text: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** The root and all its descendants among the given processes. */
export function treeOf(root: number, procs: readonly Pick<ProcStat, 'pid' | 'ppid'>[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const out: number[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    if (pid === root && !procs.some((p) => p.pid === root)) continue;
    out.push(pid);
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return out;
}

export interface TreeSample {
  /** Milliseconds since the epoch. */
  at: number;
  cpuSeconds: number;
  rssBytes: number;
  /** Sum of VmHWM over the live processes. */
  hwmBytes: number;
  pids: number;
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null; // the process ended between listing and reading
  }
}

/** One reading of a process tree from /proc. */
export function sampleTree(root: number, clockTicks: number): TreeSample {
  const procs: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const text = readOrNull(`/proc/${name}/stat`);
    if (text) procs.push(parseStat(text));
  }
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  let ticks = 0;
  let rss = 0;
  let hwm = 0;
  const tree = treeOf(root, procs);
  for (const pid of tree) {
    ticks += byPid.get(pid)?.ticks ?? 0;
    const status = readOrNull(`/proc/${pid}/status`);
    if (status) {
      rss += parseStatusBytes(status, 'VmRSS') ?? 0;
      hwm += parseStatusBytes(status, 'VmHWM') ?? 0;
    }
  }
  return { at: Date.now(), cpuSeconds: ticks / clockTicks, rssBytes: rss, hwmBytes: hwm, pids: tree.length };
}

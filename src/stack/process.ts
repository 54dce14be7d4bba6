/**
 * Background processes that outlive the `kiver` command that started them, and stopping them
 * again safely. A pid alone is not an identity (pids are recycled), so every record keeps the
 * process start time from /proc/<pid>/stat and a marker string from its command line; a
 * process is only signalled when both still match.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { StackError } from '../errors.js';

export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot at which the process started. */
  startTicks: number;
  /** A string the process's command line contains (e.g. a config path unique to this stack). */
  marker: string;
}

export interface ProcStat {
  state: string;
  ppid: number;
  startTicks: number;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and ')' so we split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  const fields = text.slice(end + 2).split(' ');
  const state = fields[0];
  const ppid = Number(fields[1]);
  const startTicks = Number(fields[19]);
  if (!state || !Number.isFinite(ppid) || !Number.isFinite(startTicks)) return undefined;
  return { state, ppid, startTicks };
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

export function readCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** Alive and still the process we recorded. Zombies count as gone: they cannot run or listen. */
export function isOurs(record: ProcessRecord): boolean {
  const stat = readProcStat(record.pid);
  if (!stat || stat.state === 'Z' || stat.startTicks !== record.startTicks) return false;
  const cmd = readCmdline(record.pid);
  if (cmd === undefined) return false;
  // While a process is inside execve (setpriv -> bash -> java) its cmdline reads empty for a
  // moment; pid + start time alone already identify it then.
  return cmd === '' || cmd.includes(record.marker);
}

/** Identity of a process we did not spawn ourselves (e.g. the ES server JVM from its pid file). */
export function recordFor(pid: number, marker: string): ProcessRecord | undefined {
  const stat = readProcStat(pid);
  if (!stat || stat.state === 'Z') return undefined;
  const cmd = readCmdline(pid);
  if (cmd === undefined || !cmd.includes(marker)) return undefined;
  return { pid, startTicks: stat.startTicks, marker };
}

export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat && stat.ppid === pid && stat.state !== 'Z') out.push(Number(name));
  }
  return out;
}

export interface SpawnSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  marker: string;
}

/**
 * Starts a process in its own session (so a Ctrl-C of `kiver stack up` does not reach it) with
 * stdout and stderr appended to a log file, and returns without waiting for it.
 */
export async function spawnDetached(spec: SpawnSpec): Promise<ProcessRecord> {
  const log = await open(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', log.fd, log.fd],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    }).catch((error: unknown) => {
      throw new StackError(`Could not start ${spec.command}: ${(error as Error).message}.`, undefined, {
        cause: error,
      });
    });
    child.unref();
    const pid = child.pid;
    const stat = pid === undefined ? undefined : readProcStat(pid);
    if (pid === undefined || !stat) {
      throw new StackError(`${spec.command} exited immediately.`, `Read ${spec.logFile}.`);
    }
    return { pid, startTicks: stat.startTicks, marker: spec.marker };
  } finally {
    await log.close();
  }
}

export async function waitUntil(
  predicate: () => boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (predicate()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running';

/**
 * SIGTERM, then SIGKILL after `graceMs`. All records are signalled together, so a parent
 * (e.g. the ES launcher) and its child stop in parallel instead of one timeout after another.
 */
export async function stopProcesses(records: ProcessRecord[], graceMs: number): Promise<StopOutcome[]> {
  const outcomes: StopOutcome[] = records.map((r) => (isOurs(r) ? 'stopped' : 'not-running'));
  const signal = (r: ProcessRecord, sig: NodeJS.Signals) => {
    // Checked again right before each signal: the pid may have been freed in between.
    if (!isOurs(r)) return;
    try {
      process.kill(r.pid, sig);
    } catch {
      // ESRCH: it exited between the check and the signal, which is what we want.
    }
  };
  records.forEach((r, i) => outcomes[i] === 'stopped' && signal(r, 'SIGTERM'));
  const allGone = () => records.every((r) => !isOurs(r));
  if (await waitUntil(allGone, graceMs, 200)) return outcomes;
  records.forEach((r, i) => {
    if (isOurs(r)) {
      outcomes[i] = 'killed';
      signal(r, 'SIGKILL');
    }
  });
  if (!(await waitUntil(allGone, 10_000, 100))) {
    const left = records.filter(isOurs).map((r) => r.pid);
    throw new StackError(
      `Processes ${left.join(', ')} did not exit even after SIGKILL.`,
      'Check them with ps.',
    );
  }
  return outcomes;
}

export function pidAlive(pid: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && existsSync(`/proc/${pid}`);
}

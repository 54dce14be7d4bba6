/** Starting a shipper pinned to one core, and stopping it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  exited: Promise<number | string>;
}

/** `taskset -c <core> <command> <args>`: taskset execs, so the pid is the shipper's own. */
export function spawnPinned(
  core: string,
  command: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string },
): Spawned {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn('taskset', ['-c', core, command, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, pid: child.pid, exited };
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(s: Spawned, graceMs = 15_000): Promise<number | string> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return s.exited;
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), graceMs);
  try {
    return await s.exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The stack's memory between commands: which processes `up` started (with their identities)
 * and on which ports. `down` and `status` trust only this file plus /proc, never process names.
 */
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { StackError } from '../errors.js';
import { isOurs, readProcStat, type ProcessRecord } from './process.js';

export interface KafkaState {
  process: ProcessRecord;
  port: number;
  controllerPort: number;
  /** The SASL_SSL and mutual-TLS listeners' ports (absent in states written before they existed). */
  secure?: { saslSslPort: number; mtlsPort: number };
  javaHome: string;
}

export interface EsState {
  /** bin/elasticsearch's launcher JVM (the pid we spawned). */
  launcher: ProcessRecord;
  /** The server JVM the launcher starts; known once ES is up. */
  server?: ProcessRecord;
  port: number;
  transportPort: number;
  javaHome: string;
  runtimeDir: string;
}

export interface StackState {
  version: 1;
  dir: string;
  startedAt: string;
  kafka?: KafkaState;
  elasticsearch?: EsState;
  /** The HTTPS + file-realm Elasticsearch of `up --secure` (see secure-es.ts). */
  elasticsearchSecure?: EsState;
}

export async function readState(file: string): Promise<StackState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as StackState;
    return parsed.version === 1 ? parsed : undefined;
  } catch {
    // A torn or hand-edited file: treat as no state (processes, if any, are then not ours to stop).
    return undefined;
  }
}

export async function writeState(file: string, state: StackState): Promise<void> {
  // Write-then-rename, so a concurrent reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}

export async function removeState(file: string): Promise<void> {
  await rm(file, { force: true });
}

interface LockOwner {
  pid: number;
  startTicks: number;
}

/**
 * One `up`/`down` at a time per stack dir: several test processes may call ensureStack() at
 * once. A lock whose owner process is gone is taken over.
 */
export async function withLock<T>(lockFile: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const me: LockOwner = { pid: process.pid, startTicks: readProcStat(process.pid)?.startTicks ?? 0 };
  let holder: LockOwner | undefined;
  const tryTake = async (): Promise<boolean> => {
    try {
      const fh = await open(lockFile, 'wx');
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      holder = JSON.parse(await readFile(lockFile, 'utf8')) as LockOwner;
    } catch {
      holder = undefined; // being written right now; look again next round
      return false;
    }
    if (!isOurs({ pid: holder.pid, startTicks: holder.startTicks, marker: '' })) {
      await rm(lockFile, { force: true });
    }
    return false;
  };
  let taken = false;
  const deadline = Date.now() + timeoutMs;
  while (!(taken = await tryTake()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
  if (!taken) {
    throw new StackError(
      `Another kiver stack command (pid ${holder?.pid ?? '?'}) holds ${lockFile}.`,
      'Wait for it to finish, or delete the file if that process is gone.',
    );
  }
  try {
    return await fn();
  } finally {
    await rm(lockFile, { force: true });
  }
}

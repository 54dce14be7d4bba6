/**
 * The program's own log: pino, JSON lines on stderr (stdout is kept for command output such
 * as `kiver parse` NDJSON). Secrets never reach it: configuration is logged only through
 * `redactedConfig`.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level: string = process.env.KIVER_LOG__LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

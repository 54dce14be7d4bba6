/**
 * Checks a collector configuration against the machine before anything starts: every
 * problem becomes a ConfigError with one sentence naming the key and the fix. Values the
 * config loader already typed are checked here for relations and for what only the
 * running host can tell (does the root exist, can it be read).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { CollectorConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { encodingProblem } from './decoder.js';
import { compileTemplate } from './path-metadata.js';
import { checkGlob } from './path-filter.js';

function glob(key: string, pattern: string): void {
  try {
    checkGlob(pattern);
  } catch (error) {
    throw new ConfigError(
      `${key} '${pattern}' is not a valid glob (${(error as Error).message}).`,
      'Fix the pattern, for example "**/*.log"; escape a literal [ as \\[.',
    );
  }
}

function regex(key: string, source: string | null): void {
  if (source === null) return;
  try {
    new RegExp(source);
  } catch (error) {
    throw new ConfigError(
      `${key} '${source}' is not a valid regular expression (${(error as Error).message}).`,
      'Fix the pattern (JavaScript syntax).',
    );
  }
}

function positive(key: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(
      `collector.${key} must be a positive number, got ${value}.`,
      `Set collector.${key} to a value above 0.`,
    );
  }
}

export function checkCollectorConfig(c: CollectorConfig): void {
  if (c.roots.length === 0) {
    throw new ConfigError(
      'collector.roots is empty, so there is nothing to follow.',
      'Set collector.roots to the log folders, e.g. [/app/log].',
    );
  }
  for (const root of c.roots) {
    if (!isAbsolute(root)) {
      throw new ConfigError(
        `collector.roots entry '${root}' is not an absolute path.`,
        'Write it from /, e.g. /app/log.',
      );
    }
    let isDir = false;
    try {
      isDir = statSync(root).isDirectory();
    } catch {
      throw new ConfigError(
        `collector.roots entry ${root} does not exist.`,
        'Create the folder or remove it from collector.roots.',
      );
    }
    if (!isDir)
      throw new ConfigError(
        `collector.roots entry ${root} is not a folder.`,
        'List folders in collector.roots; files are chosen with collector.include.',
      );
    try {
      accessSync(root, constants.R_OK | constants.X_OK);
    } catch {
      throw new ConfigError(
        `collector.roots entry ${root} cannot be read by this process.`,
        'Grant read and execute permission on it, or run the collector as a user that can read it.',
      );
    }
  }
  if (c.include.length === 0)
    throw new ConfigError(
      'collector.include is empty, so no file would be collected.',
      'Set it to e.g. ["**/*.log"].',
    );
  c.include.forEach((p, i) => glob(`collector.include[${i}]`, p));
  c.exclude.forEach((p, i) => glob(`collector.exclude[${i}]`, p));
  c.path_templates.forEach((t, i) => {
    try {
      compileTemplate(t);
    } catch (error) {
      throw new ConfigError(
        `collector.path_templates[${i}]: ${(error as Error).message}.`,
        'Use {name} for one path segment and ** for any depth, e.g. /app/log/{container_id}/**.',
      );
    }
  });
  c.multiline.forEach((r, i) => {
    glob(`collector.multiline[${i}].path`, r.path);
    regex(`collector.multiline[${i}].start`, r.start);
    regex(`collector.multiline[${i}].continuation`, r.continuation);
    if (r.start !== null && r.continuation !== null) {
      throw new ConfigError(
        `collector.multiline[${i}] sets both start and continuation.`,
        'Keep one: start (a line that begins an event) or continuation (a line that continues one).',
      );
    }
    if (r.max_lines < 1 || r.max_bytes < 1 || r.timeout_ms < 1) {
      throw new ConfigError(
        `collector.multiline[${i}] has a max_lines, max_bytes or timeout_ms below 1.`,
        'Set each to a positive number.',
      );
    }
  });
  c.encoding.forEach((r, i) => {
    glob(`collector.encoding[${i}].path`, r.path);
    const problem = encodingProblem(r.encoding);
    if (problem)
      throw new ConfigError(
        `collector.encoding[${i}]: ${problem}.`,
        'Use utf-8, gbk, gb18030 or another ASCII-compatible encoding.',
      );
  });
  c.topics.forEach((r, i) => {
    glob(`collector.topics[${i}].path`, r.path);
    if (!/^[A-Za-z0-9._-]{1,249}$/.test(r.topic)) {
      throw new ConfigError(
        `collector.topics[${i}].topic '${r.topic}' is not a valid Kafka topic name.`,
        'Use letters, digits, dot, underscore and dash.',
      );
    }
  });
  if (c.start_at !== 'beginning' && c.start_at !== 'end') {
    throw new ConfigError(
      `collector.start_at '${String(c.start_at)}' is unknown.`,
      "Use 'beginning' or 'end'.",
    );
  }
  for (const key of [
    'max_event_bytes',
    'max_open_files',
    'rescan_interval_ms',
    'close_inactive_ms',
    'partial_line_timeout_ms',
    'checkpoint_interval_ms',
    'checkpoint_grace_ms',
    'batch_max_bytes',
    'batch_max_events',
    'batch_linger_ms',
    'max_in_flight_batches',
    'max_in_flight_bytes',
    'shutdown_timeout_ms',
  ] as const) {
    positive(key, c[key]);
  }
  if (c.max_in_flight_bytes < c.batch_max_bytes) {
    throw new ConfigError(
      `collector.max_in_flight_bytes (${c.max_in_flight_bytes}) is below collector.batch_max_bytes (${c.batch_max_bytes}).`,
      'Raise max_in_flight_bytes to at least a few batches.',
    );
  }
}

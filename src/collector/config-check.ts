/**
 * The collector's checks of its configuration beyond the spec table (src/config/spec.ts, which
 * the loader applies: types, ranges, enums, formats, relations between keys). Two parts:
 * `checkCollectorSettings`, what needs the collector's own parsers (globs, path templates,
 * encodings) and holds on any host; `checkCollectorHost`, what only the running host can tell
 * (do the roots exist, can they be read). `Collector.create` runs both, and so does
 * `kiver check --for collect` (src/cli/preflight.ts): one decision, made in one place.
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

/** What holds on any host: globs, path templates, encodings. */
export function checkCollectorSettings(c: CollectorConfig): void {
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
  c.multiline.forEach((r, i) => glob(`collector.multiline[${i}].path`, r.path));
  c.encoding.forEach((r, i) => {
    glob(`collector.encoding[${i}].path`, r.path);
    const problem = encodingProblem(r.encoding);
    if (problem)
      throw new ConfigError(
        `collector.encoding[${i}]: ${problem}.`,
        'Use utf-8, gbk, gb18030 or another ASCII-compatible encoding.',
      );
  });
  c.topics.forEach((r, i) => glob(`collector.topics[${i}].path`, r.path));
}

/** What only this host can tell: every root is an absolute, existing, readable folder. */
export function checkCollectorHost(c: CollectorConfig): void {
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
}

export function checkCollectorConfig(c: CollectorConfig): void {
  checkCollectorSettings(c);
  checkCollectorHost(c);
}

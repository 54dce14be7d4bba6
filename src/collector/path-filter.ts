/**
 * Which files under the roots are collected. A pattern starting with `/` is matched against
 * the absolute path; any other pattern against the path relative to its root (so
 * `**\/*.log` means "any .log file at any depth"). Dot files match like any other file.
 */
import { relative, sep } from 'node:path';
import picomatch from 'picomatch';

type Matcher = (path: string) => boolean;

function compile(pattern: string): { absolute: boolean; test: Matcher } {
  // strictBrackets makes an unbalanced `[` an error instead of a silent literal.
  return { absolute: pattern.startsWith('/'), test: picomatch(pattern, { dot: true, strictBrackets: true }) };
}

/** Throws (with picomatch's reason) when a glob cannot be compiled. */
export function checkGlob(pattern: string): void {
  if (pattern.trim() === '') throw new Error('empty pattern');
  picomatch.makeRe(pattern, { dot: true, strictBrackets: true });
}

export class PathFilter {
  readonly #include: { absolute: boolean; test: Matcher }[];
  readonly #exclude: { absolute: boolean; test: Matcher }[];

  constructor(include: readonly string[], exclude: readonly string[]) {
    this.#include = include.map(compile);
    this.#exclude = exclude.map(compile);
  }

  /** Whether a file at `path` (absolute) under `root` is collected. */
  accepts(root: string, path: string): boolean {
    const rel = toPosix(relative(root, path));
    const hit = (m: { absolute: boolean; test: Matcher }): boolean =>
      m.test(m.absolute ? toPosix(path) : rel);
    return this.#include.some(hit) && !this.#exclude.some(hit);
  }

  /**
   * Whether a whole directory is excluded (so it is neither watched nor scanned): only an
   * exclude pattern that matches the directory itself or `dir/**` prunes it.
   */
  prunes(root: string, dir: string): boolean {
    if (dir === root) return false;
    const rel = toPosix(relative(root, dir));
    return this.#exclude.some((m) => {
      const p = m.absolute ? toPosix(dir) : rel;
      return m.test(p) || m.test(p + '/');
    });
  }
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/**
 * Lists one directory: the regular files the filter accepts (with their stat), the
 * sub-directories to descend into, and what could not be observed. Synchronous on purpose:
 * a readdir plus a few stats per directory are microseconds each, far cheaper than the
 * promise and thread-pool round trips of the async forms, and the collector spreads large
 * scans over several ticks so the event loop is never held long.
 */
import { readdirSync, statSync, lstatSync, type Dirent, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { PathFilter } from './path-filter.js';
import type { FileStat } from './snapshot.js';

export interface Unreadable {
  path: string;
  reason: string;
}

export interface DirScan {
  dir: string;
  /** False when the directory itself could not be read: nothing below it is "deleted". */
  ok: boolean;
  files: Map<string, FileStat>;
  dirs: string[];
  unreadable: Unreadable[];
  /** Every entry name (accepted or not), for finding a rotated file under an excluded name. */
  names: string[];
}

export interface ScanOptions {
  root: string;
  filter: PathFilter;
  followSymlinks: boolean;
  /** Paths the filter accepted before: the filter is fixed, so they are not tested again. */
  accepted?: ReadonlySet<string>;
}

export function toFileStat(s: BigIntStats): FileStat {
  return {
    dev: s.dev,
    ino: s.ino,
    size: Number(s.size),
    mtimeMs: Number(s.mtimeMs),
    birthNs: s.birthtimeNs > 0n ? String(s.birthtimeNs) : '',
  };
}

export function scanDirectory(dir: string, opts: ScanOptions): DirScan {
  const result: DirScan = { dir, ok: true, files: new Map(), dirs: [], unreadable: [], names: [] };
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    result.ok = false;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code !== 'ENOENT' && code !== 'ENOTDIR') result.unreadable.push({ path: dir, reason: code });
    return result;
  }
  for (const entry of entries) {
    result.names.push(entry.name);
    const path = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      // Links are how a tree escapes its roots; only followed when asked to.
      if (!opts.followSymlinks) continue;
      const target = statSync(path, { throwIfNoEntry: false });
      if (!target) continue;
      isDir = target.isDirectory();
      isFile = target.isFile();
    }
    if (isDir) {
      if (!opts.filter.prunes(opts.root, path)) result.dirs.push(path);
      continue;
    }
    if (!opts.accepted?.has(path) && !opts.filter.accepts(opts.root, path)) continue;
    if (!isFile) {
      // A FIFO, socket or device named like a log: opening it could block forever.
      result.unreadable.push({ path, reason: 'not a regular file' });
      continue;
    }
    try {
      const s = opts.followSymlinks
        ? statSync(path, { bigint: true, throwIfNoEntry: false })
        : lstatSync(path, { bigint: true, throwIfNoEntry: false });
      if (s) result.files.set(path, toFileStat(s));
    } catch (error) {
      result.unreadable.push({ path, reason: (error as NodeJS.ErrnoException).code ?? 'stat failed' });
    }
  }
  return result;
}

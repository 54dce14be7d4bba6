/**
 * Watcher noise reduced to a closed set of file-system operations: the previous view of
 * some directories is compared with a fresh one. A path whose size shrank is a truncate; a
 * path that vanished while its identity shows up under another path is a rename; what is
 * left is a delete or a create. A directory that could not be read is passed as
 * `unobserved`, and nothing under it is ever reported deleted (a failed scan is not a
 * deletion).
 */
import { fileKey, type FileKey } from './identity.js';

export interface FileStat {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: number;
  readonly mtimeMs: number;
  /** Birth time in ns, decimal ('' where the file system does not record it). */
  readonly birthNs?: string;
}

/** Absolute path -> stat of the regular files seen (only those the filter accepts). */
export type Snapshot = ReadonlyMap<string, FileStat>;

export type FsOp =
  | { op: 'create' | 'write' | 'truncate'; path: string; stat: FileStat }
  | { op: 'rename'; from: string; to: string; stat: FileStat }
  | { op: 'delete'; path: string; stat: FileStat };

export function keyOf(stat: FileStat): FileKey {
  return fileKey(stat.dev, stat.ino);
}

function isUnder(path: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) {
    if (path === p || path.startsWith(p.endsWith('/') ? p : p + '/')) return true;
  }
  return false;
}

export function diffSnapshots(prev: Snapshot, next: Snapshot, unobserved: readonly string[]): FsOp[] {
  const ops: FsOp[] = [];
  const vanished = new Map<FileKey, { path: string; stat: FileStat }>();
  const appeared: { path: string; stat: FileStat }[] = [];

  for (const [path, stat] of prev) {
    const now = next.get(path);
    if (now && keyOf(now) === keyOf(stat)) {
      if (now.size < stat.size) ops.push({ op: 'truncate', path, stat: now });
      else if (now.size > stat.size || now.mtimeMs !== stat.mtimeMs)
        ops.push({ op: 'write', path, stat: now });
      continue;
    }
    if (!now && isUnder(path, unobserved)) continue;
    vanished.set(keyOf(stat), { path, stat });
  }
  for (const [path, stat] of next) {
    const before = prev.get(path);
    if (!before || keyOf(before) !== keyOf(stat)) appeared.push({ path, stat });
  }
  for (const a of appeared) {
    const key = keyOf(a.stat);
    const v = vanished.get(key);
    if (v) {
      vanished.delete(key);
      ops.push({ op: 'rename', from: v.path, to: a.path, stat: a.stat });
    } else {
      ops.push({ op: 'create', path: a.path, stat: a.stat });
    }
  }
  for (const v of vanished.values()) ops.push({ op: 'delete', path: v.path, stat: v.stat });
  return ops;
}

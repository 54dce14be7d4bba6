/**
 * The directory index: which folders under the roots are known, which files each one held at
 * its last scan, which folders must be scanned again, and the periodic rescan that catches
 * what watch events missed. A scan of one folder becomes a list of file-system operations
 * (snapshot.ts); what they mean for followed files is decided elsewhere (fs-decisions.ts).
 *
 * The periodic rescan (inotify queue overflow, watch limits, file systems without events)
 * must stay cheap: a full readdir + stat of every file each period cost ~2% of a core at
 * 10,000 files. So one period only:
 *  - stats every known folder; one whose mtime (or inode) changed since it was last read
 *    completely, or that was read too recently to trust its mtime (RACY_MS), or that is
 *    gone, is re-read completely. A folder's mtime changes on every create, delete and
 *    rename of an entry, so new, deleted and renamed names (and new sub-folders) are found
 *    within one period;
 *  - stats every file it is told is open (or holds lines): their growth, truncation or
 *    replacement is found within one period, and their folder re-read;
 *  - re-reads 1/COLD_PERIODS of the folders completely, in a rotating order, so growth of a
 *    closed file with no event, or a change a folder mtime did not show, is found within
 *    COLD_PERIODS periods.
 */
import { dirname } from 'node:path';
import type { CollectorFs } from './fs-port.js';
import type { PathFilter } from './path-filter.js';
import type { Unreadable } from './scanner.js';
import { diffSnapshots, type FileStat, type FsOp } from './snapshot.js';

export const COLD_PERIODS = 12;
/**
 * A folder mtime this close to the moment it was read is not trusted: an entry created in
 * the same timestamp tick right after the readdir would leave the mtime unchanged.
 */
const RACY_MS = 2000;

export interface DirIndexOptions {
  roots: readonly string[];
  filter: PathFilter;
  followSymlinks: boolean;
  fs: CollectorFs;
  now(): number;
}

/** What one folder's scan found. */
export interface ScanOutcome {
  root: string;
  ops: FsOp[];
  unreadable: Unreadable[];
}

export class DirIndex {
  readonly #opts: DirIndexOptions;
  /** Path -> stat of every accepted file at its folder's last scan. */
  readonly #snapshot = new Map<string, FileStat>();
  readonly #dirFiles = new Map<string, Set<string>>();
  /** Known folder -> the root it is under. */
  readonly #dirRoot = new Map<string, string>();
  readonly #dirty = new Set<string>();
  /** Folder -> identity and mtime when last read completely (only when not racy). */
  readonly #seen = new Map<string, { ino: number; mtimeMs: number }>();
  #checkDirs: string[] = [];
  #checkFiles: string[] = [];
  #coldDirs: string[] = [];
  #coldPerPeriod = 0;

  constructor(opts: DirIndexOptions) {
    this.#opts = opts;
  }

  /** Marks every root for a scan (the start). */
  markRoots(): void {
    for (const root of this.#opts.roots) {
      this.#dirRoot.set(root, root);
      this.#dirty.add(root);
    }
  }

  /** Marks a folder for a scan; false when it is under no root. */
  mark(dir: string): boolean {
    if (!this.#dirRoot.has(dir)) {
      const root = this.#opts.roots.find((r) => dir === r || dir.startsWith(r + '/'));
      if (!root) return false;
      this.#dirRoot.set(dir, root);
    }
    this.#dirty.add(dir);
    return true;
  }

  get hasScans(): boolean {
    return this.#dirty.size > 0;
  }

  get hasChecks(): boolean {
    return this.#checkDirs.length > 0 || this.#checkFiles.length > 0;
  }

  get folders(): number {
    return this.#dirRoot.size;
  }

  /** The file at `path` is to be admitted again by its folder's next scan. */
  forgetFile(path: string): void {
    this.#snapshot.delete(path);
  }

  /** Scans up to `limit` marked folders. */
  scanSome(limit: number): ScanOutcome[] {
    const out: ScanOutcome[] = [];
    for (const dir of this.#dirty) {
      if (out.length >= limit) break;
      this.#dirty.delete(dir);
      const outcome = this.#scan(dir);
      if (outcome) out.push(outcome);
    }
    return out;
  }

  /** Starts a period of the periodic rescan; `openFiles` are the paths to stat this period. */
  startRescan(openFiles: Iterable<string>): void {
    if (this.#coldDirs.length === 0) {
      this.#coldDirs = [...this.#dirRoot.keys()].reverse();
      this.#coldPerPeriod = Math.ceil(this.#coldDirs.length / COLD_PERIODS);
    }
    for (let i = 0; i < this.#coldPerPeriod && this.#coldDirs.length > 0; i++) {
      const dir = this.#coldDirs.pop()!;
      if (this.#dirRoot.has(dir)) this.#dirty.add(dir);
    }
    this.#checkDirs = [...this.#dirRoot.keys()];
    this.#checkFiles = [...openFiles];
  }

  /** Up to `limit` cheap checks of the periodic rescan; what changed is marked for a scan. */
  checkSome(limit: number): void {
    const now = this.#opts.now();
    let n = 0;
    while (n < limit && this.#checkDirs.length > 0) {
      const dir = this.#checkDirs.pop()!;
      n++;
      if (this.#dirty.has(dir) || !this.#dirRoot.has(dir)) continue;
      const seen = this.#seen.get(dir);
      const s = this.#opts.fs.quickStat(dir, true);
      if (!seen || !s || s.ino !== seen.ino || s.mtimeMs !== seen.mtimeMs || now - s.mtimeMs < RACY_MS)
        this.mark(dir);
    }
    while (n < limit && this.#checkFiles.length > 0) {
      const path = this.#checkFiles.pop()!;
      n++;
      const dir = dirname(path);
      if (this.#dirty.has(dir)) continue;
      const known = this.#snapshot.get(path);
      const s = this.#opts.fs.quickStat(path, this.#opts.followSymlinks);
      // Numbers against the scan's BigInt stat: Number() rounds an inode the way the plain stat
      // does, and the BigInt stat's mtimeMs is whole milliseconds.
      if (
        !known ||
        !s ||
        s.ino !== Number(known.ino) ||
        s.dev !== Number(known.dev) ||
        s.size !== known.size ||
        Math.floor(s.mtimeMs) !== known.mtimeMs
      )
        this.mark(dir);
    }
  }

  #scan(dir: string): ScanOutcome | null {
    const root = this.#dirRoot.get(dir);
    if (!root) return null;
    this.#noteSeen(dir);
    const prevPaths = this.#dirFiles.get(dir) ?? new Set<string>();
    const scan = this.#opts.fs.scanDirectory(dir, {
      root,
      filter: this.#opts.filter,
      followSymlinks: this.#opts.followSymlinks,
      accepted: prevPaths,
    });
    if (!scan.ok) this.#seen.delete(dir); // not read: look again next period
    const gone = !scan.ok && scan.unreadable.length === 0;
    if (gone && dir !== root) this.#forgetFolder(dir);
    for (const sub of scan.dirs) {
      if (!this.#dirRoot.has(sub)) {
        this.#dirRoot.set(sub, root);
        this.#dirty.add(sub);
      }
    }
    const prev = new Map<string, FileStat>();
    for (const p of prevPaths) {
      const s = this.#snapshot.get(p);
      if (s) prev.set(p, s);
    }
    const ops = diffSnapshots(prev, scan.files, scan.ok || gone ? [] : [dir]);
    if (scan.ok || gone) this.#remember(dir, prevPaths, scan.files);
    return { root, ops, unreadable: scan.unreadable };
  }

  /**
   * The folder's mtime before the readdir: a change after this point either shows in the
   * readdir or changes the mtime again (unless in the same tick: see RACY_MS).
   */
  #noteSeen(dir: string): void {
    const ds = this.#opts.fs.quickStat(dir, true);
    if (ds && this.#opts.now() - ds.mtimeMs >= RACY_MS)
      this.#seen.set(dir, { ino: ds.ino, mtimeMs: ds.mtimeMs });
    else this.#seen.delete(dir);
  }

  /**
   * The folder went away with its files: forget it. The folders below it are scanned once
   * more, so that each one reports its own files gone and forgets itself in turn.
   */
  #forgetFolder(dir: string): void {
    this.#dirRoot.delete(dir);
    this.#seen.delete(dir);
    for (const d of this.#dirRoot.keys()) if (d.startsWith(dir + '/')) this.#dirty.add(d);
  }

  #remember(dir: string, prevPaths: Set<string>, files: ReadonlyMap<string, FileStat>): void {
    for (const p of prevPaths) if (!files.has(p)) this.#snapshot.delete(p);
    for (const [p, s] of files) this.#snapshot.set(p, s);
    // Same names as before (the usual case in a rescan): keep the set, allocate nothing.
    let same = prevPaths.size === files.size;
    if (same) for (const p of prevPaths) if (!files.has(p)) same = false;
    if (files.size === 0) this.#dirFiles.delete(dir);
    else if (!same) this.#dirFiles.set(dir, new Set(files.keys()));
  }
}
